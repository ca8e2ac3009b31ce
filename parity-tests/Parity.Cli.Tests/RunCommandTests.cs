using Parity.Tests.Shared;
using Parity.Harness.Ops;
using System.Text.Json;
using System.Xml.Linq;
using Parity.Harness.Matrix;
using Parity.Harness.Tests.Fakes;
using Parity.Native;

namespace Parity.Cli.Tests;

// These tests exercise the command's machinery with stand-in backends (FakeBackend: not a loss implementation).
// Live parity of the real native ops against libtorch is in Parity.Harness.Tests (LiveMatrixTests) and LiveCliTests.
public class RunCommandTests
{
    public class Exit
    {
        [Fact]
        public void AllAgree_ExitsZero_PrintsTable()
        {
            using var cli = new CliHarness();
            int code = cli.Run("run", "--op", "sigmoid,softmax");
            Assert.Equal(0, code);
            Assert.Contains("│ sigmoid ", cli.Out, StringComparison.Ordinal);
            Assert.Contains("│ softmax ", cli.Out, StringComparison.Ordinal);
            int n = CliHarness.GoodCases.Count(c => (c.Op == TestOps.Sigmoid || c.Op == TestOps.Softmax));
            Assert.Contains($"{n} cases: {n} passed, 0 failed, 0 skipped", cli.Out, StringComparison.Ordinal);
            Assert.Contains("parity: OK", cli.Out, StringComparison.Ordinal);
        }

        [Fact]
        public void BrokenNativeOp_ExitsOne_AndNamesTheFailingCases()
        {
            var broken = new FakeBackend();
            broken.Broken.Add(TestOps.LogSoftmax);
            using var cli = new CliHarness(broken);
            int code = cli.Run("run", "--op", "sigmoid", "--op", "log_softmax", "--dtype", "float32");
            Assert.Equal(1, code);
            Assert.Contains("FAIL log_softmax.float32.dim=def.N4C5: native vs libtorch: output: 20 element(s) outside rtol=1.3E-06, atol=1E-05; worst at [", cli.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("FAIL sigmoid", cli.Out, StringComparison.Ordinal);
            Assert.Contains("parity: FAILED", cli.Out, StringComparison.Ordinal);
            // The summary row of the broken op shows its failures; the healthy op none.
            var row = cli.Out.Split('\n').Single(l => l.Contains("│ log_softmax ", StringComparison.Ordinal));
            // Every float32 log_softmax case fails except the empty ones (nothing to perturb).
            int failed = CliHarness.GoodCases.Count(c => c.Op == TestOps.LogSoftmax && c.DType == DType.Float32
                                                      && (c.Inputs[0].Values?.Numel ?? Tensor.NumelOf(c.Inputs[0].Shape)) > 0);
            Assert.Matches($@"│ log_softmax\s+│ float32\s+│\s+\d+ │\s+\d+ │\s+{failed} │", row);
        }

        [Fact]
        public void NoTorch_NoSnapshots_NothingVerified_ExitsThree_WithNote()
        {
            using var cli = new CliHarness();
            int code = cli.Run("run", "--op", "sigmoid", "--no-torch");
            Assert.Equal(3, code);
            Assert.Contains("note: libtorch comparisons are skipped (--no-torch); they count as skipped, never as passed.", cli.Err, StringComparison.Ordinal);
            int n = CliHarness.GoodCases.Count(c => c.Op == TestOps.Sigmoid);
            Assert.Contains($"{n} cases: 0 passed, 0 failed, {n} skipped", cli.Out, StringComparison.Ordinal);
        }

        [Fact]
        public void TorchUnavailable_CountsAsSkipped_NeverPassed()
        {
            using var cli = new CliHarness(torch: false);
            int code = cli.Run("run", "--op", "sigmoid");
            Assert.Equal(3, code);
            Assert.Contains("note: libtorch comparisons are skipped (libtorch unavailable: test)", cli.Err, StringComparison.Ordinal);
            Assert.Contains(" 0 passed, 0 failed, ", cli.Out, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("0/3", "parity: --shard expects i/n with 1 <= i <= n (e.g. 2/4), got '0/3'")]
        [InlineData("4/3", "parity: --shard expects i/n with 1 <= i <= n (e.g. 2/4), got '4/3'")]
        [InlineData("x", "parity: --shard expects i/n with 1 <= i <= n (e.g. 2/4), got 'x'")]
        public void BadShard_ExitsTwo(string shard, string message)
        {
            using var cli = new CliHarness();
            Assert.Equal(2, cli.Run("run", "--shard", shard));
            Assert.Equal(message, cli.Err.Trim());
        }

        [Fact]
        public void UnknownOp_ExitsTwo()
        {
            using var cli = new CliHarness();
            Assert.Equal(2, cli.Run("run", "--op", "hinge"));
            Assert.StartsWith("parity: --op: unknown op 'hinge' (expected one of: sigmoid, softmax,", cli.Err, StringComparison.Ordinal);
        }

        [Fact]
        public void UnknownOption_ExitsTwo()
        {
            using var cli = new CliHarness();
            Assert.Equal(2, cli.Run("run", "--frobnicate"));
            Assert.Contains("--frobnicate", cli.Err, StringComparison.Ordinal);
        }

        [Fact]
        public void Threads_GiveTheSameResultAsOne()
        {
            using var one = new CliHarness();
            using var four = new CliHarness();
            Assert.Equal(0, one.Run("run", "--op", "softmax", "--report", "r.json"));
            Assert.Equal(0, four.Run("run", "--op", "softmax", "--threads", "4", "--report", "r.json"));
            Assert.Equal(File.ReadAllText(Path.Combine(one.WorkDir, "r.json")).Replace(one.WorkDir, "DIR", StringComparison.Ordinal),
                         File.ReadAllText(Path.Combine(four.WorkDir, "r.json")).Replace(four.WorkDir, "DIR", StringComparison.Ordinal));
        }
    }

    public class Shards
    {
        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(7)]
        public void AllShards_CoverEveryCaseExactlyOnce(int n)
        {
            using var cli = new CliHarness(catalogue: ParityMatrix.All);
            var seen = new List<string>();
            for (int i = 1; i <= n; i++)
            {
                Assert.Equal(0, cli.Run("list", "--shard", $"{i}/{n}"));
                seen.AddRange(cli.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
            Assert.Equal(ParityMatrix.All.Select(c => c.Name!).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        }

        [Fact]
        public void RunShards_CoverEveryCaseExactlyOnce()
        {
            using var cli = new CliHarness();
            var names = new List<string>();
            for (int i = 1; i <= 3; i++)
            {
                Assert.Equal(0, cli.Run("run", "--op", "softmax", "--shard", $"{i}/3", "--report", $"s{i}.json"));
                using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkDir, $"s{i}.json")));
                names.AddRange(doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!));
            }
            Assert.Equal(CliHarness.GoodCases.Where(c => c.Op == TestOps.Softmax).Select(c => c.Name!).Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        }
    }

    public class Reports
    {
        private static (CliHarness Cli, int Code) BrokenRun(params string[] reports)
        {
            var broken = new FakeBackend();
            broken.Broken.Add(TestOps.Softmax);
            var cli = new CliHarness(broken);
            var args = new List<string> { "run", "--op", "softmax", "--op", "sigmoid" };
            foreach (string r in reports)
            {
                args.Add("--report");
                args.Add(r);
            }
            return (cli, cli.Run([.. args]));
        }

        private static int Count(OpDefinition op) => CliHarness.GoodCases.Count(c => c.Op == op);

        [Fact]
        public void Markdown_HasTheSummaryTable_AndNamesFailures()
        {
            var (cli, code) = BrokenRun("out/report.md");
            using (cli)
            {
                Assert.Equal(1, code);
                string md = File.ReadAllText(Path.Combine(cli.WorkDir, "out", "report.md"));
                Assert.Contains("| op | dtype | cases | passed | failed | skipped | value max abs | value max rel | value max ulp | grad max abs | grad max rel | grad max ulp | bit-identical |\n" +
                                "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n", md, StringComparison.Ordinal);
                Assert.Matches(@"\| sigmoid \| float32 \| \d+ \| \d+ \| 0 \| 0 \|", md);
                Assert.Contains("- `softmax.float32.dim=def.N4C5`: native vs libtorch: output:", md, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void Json_Parses_WithTotalsAndCases()
        {
            var (cli, code) = BrokenRun("report.json");
            using (cli)
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkDir, "report.json")));
                var totals = doc.RootElement.GetProperty("totals");
                int cases = Count(TestOps.Softmax) + Count(TestOps.Sigmoid);
                Assert.Equal(cases, totals.GetProperty("cases").GetInt32());
                Assert.Equal(cases, doc.RootElement.GetProperty("cases").GetArrayLength());
                int failed = totals.GetProperty("failed").GetInt32();
                Assert.True(failed > 0);
                Assert.Equal(code, totals.GetProperty("exit_code").GetInt32());
                var failing = doc.RootElement.GetProperty("cases").EnumerateArray().Where(c => c.GetProperty("status").GetString() == "failed").ToList();
                Assert.Equal(failed, failing.Count);
                Assert.All(failing, c => Assert.StartsWith("softmax.", c.GetProperty("name").GetString(), StringComparison.Ordinal));
                Assert.Equal(4, doc.RootElement.GetProperty("summary").GetArrayLength());
            }
        }

        [Fact]
        public void JUnit_WellFormed_WithTheRightCounts()
        {
            var (cli, _) = BrokenRun("junit.xml");
            using (cli)
            {
                var doc = XDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkDir, "junit.xml")));
                var root = doc.Root!;
                Assert.Equal("testsuites", root.Name.LocalName);
                var testcases = root.Descendants("testcase").ToList();
                Assert.Equal(Count(TestOps.Softmax) + Count(TestOps.Sigmoid), testcases.Count);
                Assert.Equal(testcases.Count, (int)root.Attribute("tests")!);
                int failures = testcases.Count(t => t.Element("failure") is not null);
                Assert.True(failures > 0);
                Assert.Equal(failures, (int)root.Attribute("failures")!);
                Assert.Equal(0, (int)root.Attribute("skipped")!);
                foreach (var suite in root.Elements("testsuite"))
                {
                    Assert.Equal(suite.Elements("testcase").Count(), (int)suite.Attribute("tests")!);
                    Assert.Equal(suite.Elements("testcase").Count(t => t.Element("failure") is not null), (int)suite.Attribute("failures")!);
                }
                Assert.Equal(["sigmoid.float32", "sigmoid.float64", "softmax.float32", "softmax.float64"], root.Elements("testsuite").Select(s => (string)s.Attribute("name")!));
                Assert.All(testcases.Where(t => t.Element("failure") is not null), t => Assert.StartsWith("softmax.", (string)t.Attribute("name")!, StringComparison.Ordinal));
            }
        }

        [Fact]
        public void JUnit_SkippedCounts_WhenLibtorchIsOff()
        {
            using var cli = new CliHarness();
            Assert.Equal(3, cli.Run("run", "--op", "sigmoid", "--no-torch", "--report", "junit.xml"));
            var root = XDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkDir, "junit.xml"))).Root!;
            Assert.Equal(Count(TestOps.Sigmoid), (int)root.Attribute("skipped")!);
            Assert.All(root.Descendants("testcase"), t => Assert.Equal("libtorch comparisons skipped: --no-torch", (string)t.Element("skipped")!.Attribute("message")!));
        }

        [Fact]
        public void Html_HasTheSummary_AndOnePlotPerOp()
        {
            var (cli, _) = BrokenRun("report.html");
            using (cli)
            {
                string html = File.ReadAllText(Path.Combine(cli.WorkDir, "report.html"));
                Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
                Assert.Contains("<table id=\"summary\">", html, StringComparison.Ordinal);
                Assert.Contains("<td class=\"l\">softmax</td><td class=\"l\">float32</td>", html, StringComparison.Ordinal);
                Assert.Equal(2, CountOf(html, "<svg "));
                Assert.Equal(1, CountOf(html, "data-op=\"softmax\""));
                Assert.Equal(1, CountOf(html, "data-op=\"sigmoid\""));
                Assert.Contains("<li><code>softmax.float32.dim=def.N4C5</code>", html, StringComparison.Ordinal);
                Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
                Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
            }
        }

        [Fact]
        public void UnknownExtension_ExitsTwo()
        {
            using var cli = new CliHarness();
            Assert.Equal(2, cli.Run("run", "--report", "r.pdf"));
            Assert.Equal("parity: --report: unknown report extension '.pdf' (expected .md, .json, .xml or .html)", cli.Err.Trim());
        }

        private static int CountOf(string s, string sub)
        {
            int n = 0;
            for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + 1, StringComparison.Ordinal))
            {
                n++;
            }
            return n;
        }
    }
}
