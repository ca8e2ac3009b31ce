using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Harness.Cases;
using Parity.Harness.Evaluation;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Rng;
using Parity.Torch;
using Parity.Torch.PInvoke;

namespace Parity.Harness.Tests.Live;

/// <summary>The real backends for live tests: native, and libtorch when it loads (tests skip, never pass, without it).</summary>
internal static class LiveBackends
{
    private static readonly Lazy<TorchBackend?> s_torch = new(() => LibTorchLoader.Status.Available ? new TorchBackend() : null);

    public static NativeBackend Native { get; } = new();

    public static TorchBackend RequireTorch()
    {
        var status = LibTorchLoader.Status;
        if (!status.Available)
        {
            Assert.Skip("libtorch unavailable: " + status.Reason);
        }
        return s_torch.Value!;
    }

    /// <summary>Evaluates one matrix case on a fresh evaluator, replaying its seed chain first when it has no seed.</summary>
    public static CaseOutcome EvaluateMatrixCase(string name)
    {
        var torch = RequireTorch();
        var all = ParityMatrix.All;
        int index = all.ToList().FindIndex(c => c.Name == name);
        Assert.True(index >= 0, $"no matrix case {name}");
        using var torchRandom = new TorchRandom();
        var evaluator = new CaseEvaluator(Native, new Generator(), torch, torchRandom);
        int start = index;
        while (start > 0 && all[start].Seed is null)
        {
            start--;
        }
        for (int j = start; j < index; j++)
        {
            evaluator.Replay(all[j]);
        }
        return evaluator.Evaluate(all[index]);
    }

    /// <summary>The repository root (the directory holding Parity.sln), or null.</summary>
    public static string? RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Parity.sln")))
            {
                return d.FullName;
            }
        }
        return null;
    }

    public static CaseSpec Case(string name) => ParityMatrix.Find(name) ?? throw new ArgumentException(name);
}
