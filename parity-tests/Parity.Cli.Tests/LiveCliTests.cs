using Parity.Tests.Shared;
using Parity.Harness.Ops;
using System.Text.Json;
using Parity.Native;
using Parity.Torch.PInvoke;

namespace Parity.Cli.Tests;

/// <summary>The command with the real backends (skipped, never passed, when libtorch is unavailable).</summary>
public class LiveCliTests
{
    internal static void RequireTorch()
    {
        if (!LibTorchLoader.Status.Available)
        {
            Assert.Skip("libtorch unavailable: " + LibTorchLoader.Status.Reason);
        }
    }

    /// <summary>Wraps the real native backend and perturbs one op's output by one part in 10^4.</summary>
    internal sealed class BrokenOp(OpDefinition broken) : IOpBackend
    {
        private readonly NativeBackend _inner = new();

        public string Name => "native";

        public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
        {
            bool grad = wrt.Count > 0;
            var r = _inner.Evaluate(call, grad, gradOutput);
            if (call.Op != broken)
            {
                return r;
            }
            var o = r.Output.Clone();
            for (int i = 0; i < o.Numel; i++)
            {
                o.SetDouble(i, o.GetDouble(i) * 1.0001);
            }
            return r with { Output = o };
        }
    }

    private static (int Code, string Out, string Err) Run(IOpBackend native, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = ParityApp.Run(args, native, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Eval_SeedDocument_AsACaseArray_FromSeed2020()
    {
        RequireTorch();
        var (code, output, err) = Run(new NativeBackend(), "eval", Path.Combine(AppContext.BaseDirectory, "Data", "seed-document.json"));
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["bce-single", "bce-batch", "ce-single-first-run", "ce-single", "ce-batch"], results.Select(r => r.GetProperty("name").GetString()));
        string[] printed = ["tensor(0.2576)", "tensor(0.8165)", "tensor(1.7413)", "tensor(1.7541)", "tensor(2.7944)"];
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            Assert.True(r.GetProperty("match").GetBoolean());
            Assert.True(r.GetProperty("inputs_identical").GetBoolean());
            foreach (string side in new[] { "native", "torch" })
            {
                float v = r.GetProperty(side).GetProperty("output").GetProperty("values")[0].GetSingle();
                Assert.Equal(printed[i], Tensor.Scalar(v).ToString());
            }
        }
    }

    [Fact]
    public void Run_RealBackends_SeveralOps_ExitZero()
    {
        RequireTorch();
        var (code, output, _) = Run(new NativeBackend(), "run", "--op", "sigmoid,log_softmax,nll_loss", "--no-snapshots");
        Assert.Equal(0, code);
        Assert.Contains(" 0 failed, 0 skipped;", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_BrokenNativeOp_ExitsNonZero_TableAndReportsNameTheCases()
    {
        RequireTorch();
        string dir = Path.Combine(Path.GetTempPath(), "parity-live-" + Guid.NewGuid().ToString("N"));
        try
        {
            string md = Path.Combine(dir, "r.md"), xml = Path.Combine(dir, "r.xml");
            var (code, output, _) = Run(new BrokenOp(TestOps.BinaryCrossEntropyWithLogits), "run", "--op", "binary_cross_entropy_with_logits,nll_loss",
                "--filter", "*.float32.*", "--no-snapshots", "--report", md, "--report", xml);
            Assert.Equal(1, code);
            Assert.True(output.Contains("FAIL binary_cross_entropy_with_logits.float32.mean.nw.t=01.N4C5: native vs libtorch: output: 1 element(s) outside rtol=1.3E-06, atol=1E-05", StringComparison.Ordinal), output);
            Assert.DoesNotContain("FAIL nll_loss", output, StringComparison.Ordinal);
            Assert.Matches(@"│ binary_cross_entropy_with_logits │ float32 │\s+\d+ │\s+\d+ │\s+[1-9]\d* │", output);
            Assert.Contains("- `binary_cross_entropy_with_logits.float32.mean.nw.t=01.N4C5`: native vs libtorch: output:", File.ReadAllText(md), StringComparison.Ordinal);
            var failed = System.Xml.Linq.XDocument.Load(xml).Descendants("testcase").Where(t => t.Element("failure") is not null).Select(t => (string)t.Attribute("name")!).ToList();
            Assert.Contains("binary_cross_entropy_with_logits.float32.mean.nw.t=01.N4C5", failed);
            Assert.All(failed, n => Assert.StartsWith("binary_cross_entropy_with_logits.", n, StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
