using System.Numerics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Tensor = TorchSharp.torch.Tensor;
using Parity.Native.Fast;
using Parity.Torch.PInvoke;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Parity.Bench;

/// <summary>
/// Native fast kernels (<see cref="FastLosses"/>) against libtorch (TorchSharp-cpu) in the same process, per op, shape,
/// element type and thread count. Each category pairs the libtorch call (the baseline, ratio 1.00) with the native one,
/// so BenchmarkDotNet's Ratio column is native time / libtorch time.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class LossBench<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Seed = 20261129;

    private int _n, _c, _inner;
    private T[] _logits = [], _logProbs = [], _probs = [], _binaryTarget = [], _grad = [], _out = [];
    private long[] _target = [];
    private int _threads;
    private Tensor? _tLogits, _tLogitsGrad, _tLogProbs, _tLogProbsGrad, _tProbs, _tProbsGrad, _tBinaryTarget, _tTarget;

    /// <summary>(N, C) or (N, C, d1, d2): the class dimension is 1.</summary>
    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "32x10";

    /// <summary>"1" or "all" (<see cref="Environment.ProcessorCount"/>), for both libtorch and native.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public string Threads { get; set; } = "1";

    /// <summary>The shapes: <c>PARITY_BENCH_SHAPES</c> (comma-separated, e.g. <c>8192x1000,32x10</c>) or all five.</summary>
    public static IEnumerable<string> Shapes => FromEnvironment("PARITY_BENCH_SHAPES", ["32x10", "256x1000", "8192x1000", "65536x32", "16x21x128x128"]);

    /// <summary>The thread settings: <c>PARITY_BENCH_THREADS</c> (comma-separated, <c>1</c> and/or <c>all</c>) or both.</summary>
    public static IEnumerable<string> ThreadCounts => FromEnvironment("PARITY_BENCH_THREADS", ["1", "all"]);

    private static string[] FromEnvironment(string name, string[] all)
    {
        string? value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? all : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Builds the inputs from a fixed seed and the libtorch tensors holding the same values.</summary>
    [GlobalSetup]
    public void Setup()
    {
        LibTorchLoader.EnsureAvailable();
        _threads = Threads == "all" ? Environment.ProcessorCount : 1;
        torch.set_num_threads(_threads);

        int[] dims = Shape.Split('x').Select(int.Parse).ToArray();
        _n = dims[0];
        _c = dims[1];
        _inner = dims.Skip(2).Aggregate(1, (a, b) => a * b);
        int numel = _n * _c * _inner;
        var rng = new Random(Seed);
        _logits = new T[numel];
        _probs = new T[numel];
        _binaryTarget = new T[numel];
        for (int i = 0; i < numel; i++)
        {
            double z = rng.NextDouble() * 8 - 4;
            _logits[i] = T.CreateTruncating(z);
            _probs[i] = T.CreateTruncating(1 / (1 + Math.Exp(-z)));
            _binaryTarget[i] = T.CreateTruncating(rng.NextDouble());
        }
        _target = new long[_n * _inner];
        for (int i = 0; i < _target.Length; i++)
        {
            _target[i] = rng.Next(_c);
        }
        _logProbs = new T[numel];
        FastLosses.LogSoftmax<T>(_logits, _n, _c, _logProbs, _inner);
        _grad = new T[numel];
        _out = new T[numel];

        long[] shape = dims.Select(d => (long)d).ToArray();
        long[] targetShape = shape.Where((_, i) => i != 1).ToArray();
        _tLogits = ToTorch(_logits, shape, false);
        _tLogitsGrad = ToTorch(_logits, shape, true);
        _tLogProbs = ToTorch(_logProbs, shape, false);
        _tLogProbsGrad = ToTorch(_logProbs, shape, true);
        _tProbs = ToTorch(_probs, shape, false);
        _tProbsGrad = ToTorch(_probs, shape, true);
        _tBinaryTarget = ToTorch(_binaryTarget, shape, false);
        _tTarget = torch.tensor(_target, targetShape);
    }

    /// <summary>Frees the libtorch tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Tensor? t in new[] { _tLogits, _tLogitsGrad, _tLogProbs, _tLogProbsGrad, _tProbs, _tProbsGrad, _tBinaryTarget, _tTarget })
        {
            t?.Dispose();
        }
    }

    private static Tensor ToTorch(T[] values, long[] shape, bool requiresGrad) =>
        values switch
        {
            float[] f => torch.tensor(f, shape, requires_grad: requiresGrad),
            double[] d => torch.tensor(d, shape, requires_grad: requiresGrad),
            _ => throw new NotSupportedException(typeof(T).Name),
        };

    private static void Grad(Tensor loss, Tensor input)
    {
        foreach (Tensor g in torch.autograd.grad([loss], [input]))
        {
            g.Dispose();
        }
    }

    // ---- cross_entropy ----

    /// <summary>F.cross_entropy(x, y), mean.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("cross_entropy fwd")]
    public void Torch_CrossEntropy()
    {
        using var scope = torch.NewDisposeScope();
        F.cross_entropy(_tLogits!, _tTarget!);
    }

    /// <summary>FastLosses.CrossEntropy, mean.</summary>
    [Benchmark, BenchmarkCategory("cross_entropy fwd")]
    public T Native_CrossEntropy() => FastLosses.CrossEntropy<T>(_logits, _target, _n, _c, _inner, threads: _threads);

    /// <summary>F.cross_entropy(x, y) then autograd.grad w.r.t. x.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("cross_entropy fwd+bwd")]
    public void Torch_CrossEntropyFwdBwd()
    {
        using var scope = torch.NewDisposeScope();
        Grad(F.cross_entropy(_tLogitsGrad!, _tTarget!), _tLogitsGrad!);
    }

    /// <summary>FastLosses.CrossEntropyForwardBackward into a caller buffer.</summary>
    [Benchmark, BenchmarkCategory("cross_entropy fwd+bwd")]
    public T Native_CrossEntropyFwdBwd() =>
        FastLosses.CrossEntropyForwardBackward<T>(_logits, _target, _n, _c, _grad, _inner, threads: _threads);

    // ---- nll_loss ----

    /// <summary>F.nll_loss(logp, y), mean.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("nll_loss fwd")]
    public void Torch_NllLoss()
    {
        using var scope = torch.NewDisposeScope();
        F.nll_loss(_tLogProbs!, _tTarget!);
    }

    /// <summary>FastLosses.NllLoss, mean.</summary>
    [Benchmark, BenchmarkCategory("nll_loss fwd")]
    public T Native_NllLoss() => FastLosses.NllLoss<T>(_logProbs, _target, _n, _c, _inner, threads: _threads);

    /// <summary>F.nll_loss then autograd.grad.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("nll_loss fwd+bwd")]
    public void Torch_NllLossFwdBwd()
    {
        using var scope = torch.NewDisposeScope();
        Grad(F.nll_loss(_tLogProbsGrad!, _tTarget!), _tLogProbsGrad!);
    }

    /// <summary>FastLosses.NllLossForwardBackward into a caller buffer.</summary>
    [Benchmark, BenchmarkCategory("nll_loss fwd+bwd")]
    public T Native_NllLossFwdBwd() =>
        FastLosses.NllLossForwardBackward<T>(_logProbs, _target, _n, _c, _grad, _inner, threads: _threads);

    // ---- binary_cross_entropy ----

    /// <summary>F.binary_cross_entropy(p, y), mean.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("binary_cross_entropy fwd")]
    public void Torch_Bce()
    {
        using var scope = torch.NewDisposeScope();
        F.binary_cross_entropy(_tProbs!, _tBinaryTarget!);
    }

    /// <summary>FastLosses.BinaryCrossEntropy, mean.</summary>
    [Benchmark, BenchmarkCategory("binary_cross_entropy fwd")]
    public T Native_Bce() => FastLosses.BinaryCrossEntropy<T>(_probs, _binaryTarget, threads: _threads);

    /// <summary>F.binary_cross_entropy then autograd.grad.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("binary_cross_entropy fwd+bwd")]
    public void Torch_BceFwdBwd()
    {
        using var scope = torch.NewDisposeScope();
        Grad(F.binary_cross_entropy(_tProbsGrad!, _tBinaryTarget!), _tProbsGrad!);
    }

    /// <summary>FastLosses.BinaryCrossEntropyForwardBackward into a caller buffer.</summary>
    [Benchmark, BenchmarkCategory("binary_cross_entropy fwd+bwd")]
    public T Native_BceFwdBwd() =>
        FastLosses.BinaryCrossEntropyForwardBackward<T>(_probs, _binaryTarget, _grad, threads: _threads);

    // ---- binary_cross_entropy_with_logits ----

    /// <summary>F.binary_cross_entropy_with_logits(x, y), mean.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("bce_with_logits fwd")]
    public void Torch_BceWithLogits()
    {
        using var scope = torch.NewDisposeScope();
        F.binary_cross_entropy_with_logits(_tLogits!, _tBinaryTarget!);
    }

    /// <summary>FastLosses.BinaryCrossEntropyWithLogits, mean.</summary>
    [Benchmark, BenchmarkCategory("bce_with_logits fwd")]
    public T Native_BceWithLogits() => FastLosses.BinaryCrossEntropyWithLogits<T>(_logits, _binaryTarget, threads: _threads);

    /// <summary>F.binary_cross_entropy_with_logits then autograd.grad.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("bce_with_logits fwd+bwd")]
    public void Torch_BceWithLogitsFwdBwd()
    {
        using var scope = torch.NewDisposeScope();
        Grad(F.binary_cross_entropy_with_logits(_tLogitsGrad!, _tBinaryTarget!), _tLogitsGrad!);
    }

    /// <summary>FastLosses.BinaryCrossEntropyWithLogitsForwardBackward into a caller buffer.</summary>
    [Benchmark, BenchmarkCategory("bce_with_logits fwd+bwd")]
    public T Native_BceWithLogitsFwdBwd() =>
        FastLosses.BinaryCrossEntropyWithLogitsForwardBackward<T>(_logits, _binaryTarget, _grad, threads: _threads);

    // ---- log_softmax ----

    /// <summary>torch.log_softmax(x, 1).</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("log_softmax")]
    public void Torch_LogSoftmax()
    {
        using var scope = torch.NewDisposeScope();
        F.log_softmax(_tLogits!, 1);
    }

    /// <summary>FastLosses.LogSoftmax into a caller buffer.</summary>
    [Benchmark, BenchmarkCategory("log_softmax")]
    public void Native_LogSoftmax() => FastLosses.LogSoftmax<T>(_logits, _n, _c, _out, _inner, _threads);

    // ---- memory-speed yardsticks ----

    /// <summary>A streaming read of the input bytes (vector sum), the floor for a forward pass.</summary>
    [Benchmark, BenchmarkCategory("stream")]
    public T Stream_Read() => FastLosses.Sum<T>(_logits, _threads);

    /// <summary>A streaming copy of the input bytes (read + write), the floor for a fused forward+backward pass.</summary>
    [Benchmark, BenchmarkCategory("stream")]
    public void Stream_Copy() => _logits.AsSpan().CopyTo(_grad);
}
