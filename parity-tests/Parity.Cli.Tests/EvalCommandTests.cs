using Parity.Tests.Shared;
using Parity.Harness.Ops;
using System.Text.Json;
using Parity.Harness.Cases;
using Parity.Harness.Tests.Fakes;

namespace Parity.Cli.Tests;

// The eval command's contract (ResultWriter) with stand-in backends; the seed document's values with the real ones are in LiveCliTests.
public class EvalCommandTests
{
    private const string OneCase = """{"name": "s", "op": "sigmoid", "seed": 1, "inputs": {"input": {"values": [0.5, -1.25]}}, "grad": true}""";

    public class Malformed
    {
        [Fact]
        public void TruncatedJson_ExitsTwo_NamingFileAndPosition()
        {
            using var cli = new CliHarness();
            cli.Write("bad.json", "[{\"op\": \"sigmoid\",\n  \"inputs\": {\"input\": {\"randn\": [3]");
            Assert.Equal(2, cli.Run("eval", "bad.json"));
            Assert.Equal("parity eval: bad.json:2:36: (document): invalid JSON: unexpected end of input inside an object (truncated JSON?)", cli.Err.Trim());
            Assert.Equal("", cli.Out);
        }

        [Fact]
        public void UnknownOp_ExitsTwo()
        {
            using var cli = new CliHarness();
            cli.Write("bad.json", """{"op": "softplus", "inputs": {"input": {"randn": [3]}}}""");
            Assert.Equal(2, cli.Run("eval", "bad.json"));
            Assert.Equal("parity eval: bad.json:1:8: op: unknown op 'softplus' (expected one of: " +
                         string.Join(", ", Parity.Harness.Ops.OpCatalog.Names) + ")", cli.Err.Trim());
            Assert.StartsWith("sigmoid, softmax, log_softmax, binary_cross_entropy, binary_cross_entropy_with_logits, nll_loss, cross_entropy, ",
                string.Join(", ", Parity.Harness.Ops.OpCatalog.Names), StringComparison.Ordinal);
        }

        [Fact]
        public void WrongFieldType_ExitsTwo()
        {
            using var cli = new CliHarness();
            cli.Write("bad.json", """{"op": "sigmoid", "inputs": {"input": {"randn": [3]}}, "grad": "yes"}""");
            Assert.Equal(2, cli.Run("eval", "bad.json"));
            Assert.Equal("parity eval: bad.json:1:64: grad: expected a boolean or a list of tensor argument names, found a string", cli.Err.Trim());
        }

        [Fact]
        public void ShapeMismatch_ExitsTwo()
        {
            using var cli = new CliHarness();
            cli.Write("bad.json", """{"op": "sigmoid", "inputs": {"input": {"values": [[1, 2, 3], [4, 5]]}}}""");
            Assert.Equal(2, cli.Run("eval", "bad.json"));
            Assert.Equal("parity eval: bad.json:1:62: inputs.input.values[1]: shape mismatch: expected 3 items at depth 1 (shape [2, 3]), found 2", cli.Err.Trim());
        }

        [Fact]
        public void MissingFile_ExitsTwo()
        {
            using var cli = new CliHarness();
            Assert.Equal(2, cli.Run("eval", "nope.json"));
            Assert.StartsWith("parity eval: nope.json: cannot read the case file: ", cli.Err, StringComparison.Ordinal);
        }

        [Fact]
        public void Stdin_ErrorsNameStdin()
        {
            using var cli = new CliHarness();
            Assert.Equal(2, cli.RunWithInput("{\"op\": 3}", "eval", "-"));
            Assert.Equal("parity eval: <stdin>:1:8: op: expected a string, found a number", cli.Err.Trim());
        }

        [Fact]
        public void OpError_IsAResult_NotACrash()
        {
            var throwing = new FakeBackend { Throw = "Target 3 is out of bounds." };
            using var cli = new CliHarness(throwing);
            cli.Write("c.json", OneCase);
            // The stand-in libtorch succeeds, so the results disagree: exit 1, and the error is in the JSON.
            Assert.Equal(1, cli.Run("eval", "c.json"));
            using var doc = JsonDocument.Parse(cli.Out);
            var r = doc.RootElement.GetProperty("results")[0];
            Assert.Equal("Target 3 is out of bounds.", r.GetProperty("native").GetProperty("error").GetString());
            Assert.False(r.GetProperty("match").GetBoolean());
        }
    }

    public class Output
    {
        [Fact]
        public void Format_IsTheContract()
        {
            using var cli = new CliHarness();
            cli.Write("c.json", OneCase);
            Assert.Equal(0, cli.Run("eval", "c.json"));
            // Stand-in backends: sigmoid output = input, grad = ones (machinery only). Exact text of the format.
            Assert.Equal("""
                {
                  "results": [
                    {
                      "name": "s",
                      "native": {
                        "output": {
                          "shape": [2],
                          "values": [0.5, -1.25]
                        },
                        "grad": {
                          "shape": [2],
                          "values": [1, 1]
                        },
                        "grads": {
                          "input": {
                            "shape": [2],
                            "values": [1, 1]
                          }
                        }
                      },
                      "torch": {
                        "output": {
                          "shape": [2],
                          "values": [0.5, -1.25]
                        },
                        "grad": {
                          "shape": [2],
                          "values": [1, 1]
                        },
                        "grads": {
                          "input": {
                            "shape": [2],
                            "values": [1, 1]
                          }
                        }
                      },
                      "match": true,
                      "max_abs_diff": 0,
                      "max_ulp_diff": 0,
                      "inputs_identical": true
                    }
                  ]
                }

                """.ReplaceLineEndings("\n"), cli.Out.ReplaceLineEndings("\n"));
        }

        [Fact]
        public void NoTorch_OmitsTorchAndInputsIdentical()
        {
            using var cli = new CliHarness();
            cli.Write("c.json", OneCase);
            Assert.Equal(0, cli.Run("eval", "c.json", "--no-torch"));
            using var doc = JsonDocument.Parse(cli.Out);
            var r = doc.RootElement.GetProperty("results")[0];
            Assert.Equal(["name", "native", "match", "max_abs_diff", "max_ulp_diff"], r.EnumerateObject().Select(p => p.Name));
            Assert.Equal(JsonValueKind.Null, r.GetProperty("match").ValueKind);
            Assert.Equal(0, cli.Native.Received.Count(c => c.Op == TestOps.Sigmoid) - 1);
            Assert.Null(cli.Torch!.Received.FirstOrDefault());
        }

        [Fact]
        public void ShowInputs_PrintsTheNativeDraw_KeyedByArgument()
        {
            using var cli = new CliHarness();
            cli.Write("c.json", """{"op": "binary_cross_entropy", "seed": 3, "inputs": {"input": {"values": [0.25, 0.5]}, "target": {"values": [1, 0]}}}""");
            Assert.Equal(0, cli.Run("eval", "c.json", "--show-inputs"));
            using var doc = JsonDocument.Parse(cli.Out);
            var inputs = doc.RootElement.GetProperty("results")[0].GetProperty("inputs");
            Assert.Equal(["input", "target"], inputs.EnumerateObject().Select(p => p.Name));
            Assert.Equal([0.25, 0.5], inputs.GetProperty("input").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
            Assert.Equal([2], inputs.GetProperty("target").GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()));
        }

        [Fact]
        public void NaNAndInfinity_AreStrings_AndNumbersShortestRoundTrip()
        {
            using var cli = new CliHarness();
            cli.Write("c.json", """{"op": "sigmoid", "inputs": {"input": {"values": ["NaN", "Infinity", "-Infinity", 0.1, -0.0, 1e-45]}}}""");
            Assert.Equal(0, cli.Run("eval", "c.json", "--no-torch"));
            Assert.Contains("\"values\": [\"NaN\", \"Infinity\", \"-Infinity\", 0.1, -0, 1E-45]", cli.Out, StringComparison.Ordinal);
        }

        [Fact]
        public void Stdin_Dash_ReadsTheCase()
        {
            using var cli = new CliHarness();
            Assert.Equal(0, cli.RunWithInput(OneCase, "eval", "-"));
            Assert.Contains("\"name\": \"s\"", cli.Out, StringComparison.Ordinal);
        }

        [Fact]
        public void Array_SharesOneGenerator_SeedReseeds()
        {
            // Two unseeded cases continue the stream of the first; the stand-in random source records the calls.
            using var cli = new CliHarness();
            cli.Write("c.json", """
                [{"op": "sigmoid", "seed": 5, "inputs": {"input": {"randn": [2]}}},
                 {"op": "sigmoid", "inputs": {"input": {"rand": [3]}}},
                 {"op": "sigmoid", "seed": 5, "inputs": {"input": {"randn": [2]}}}]
                """);
            Assert.Equal(0, cli.Run("eval", "c.json", "--show-inputs"));
            using var doc = JsonDocument.Parse(cli.Out);
            var results = doc.RootElement.GetProperty("results");
            string first = results[0].GetProperty("inputs").GetRawText();
            string third = results[2].GetProperty("inputs").GetRawText();
            Assert.Equal(first, third);
            Assert.NotEqual(results[1].GetProperty("inputs").GetRawText(), first);
        }
    }
}
