using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Parity.Native.Fast;
using Parity.Torch.PInvoke;
using TorchSharp;
using F = TorchSharp.torch.nn.functional;
using Tensor = TorchSharp.torch.Tensor;

namespace Parity.Bench;

/// <summary>
/// The native fast CTC kernel (<see cref="FastLosses.CtcLoss{T}"/>, <see cref="FastLosses.CtcLossForwardBackward{T}"/>)
/// against libtorch's CPU <c>ctc_loss</c> (TorchSharp's <c>functional.ctc_loss</c>, the same ATen op Python calls), float32,
/// padded targets, mean reduction. Each category pairs the libtorch call (baseline) with the native one.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class CtcBench
{
    private const int Seed = 20261129;

    private int _t, _n, _c, _s, _threads;
    private float[] _logProbs = [], _grad = [];
    private long[] _targets = [], _inputLengths = [], _targetLengths = [];
    private double[] _work = [];
    private Tensor? _tLogProbs, _tLogProbsGrad, _tTargets, _tInputLengths, _tTargetLengths;

    /// <summary>T x N x C x S (frames, batch, classes, padded target length).</summary>
    [Params("50x16x20x10", "200x32x40x50")]
    public string Shape { get; set; } = "50x16x20x10";

    /// <summary>"1" or "all" (<see cref="Environment.ProcessorCount"/>), for both libtorch and native.</summary>
    [Params("1", "all")]
    public string Threads { get; set; } = "1";

    /// <summary>log_softmax of seeded logits; target lengths in [S/2, S], labels in [1, C), every input length T.</summary>
    [GlobalSetup]
    public void Setup()
    {
        LibTorchLoader.EnsureAvailable();
        _threads = Threads == "all" ? Environment.ProcessorCount : 1;
        torch.set_num_threads(_threads);
        int[] d = Shape.Split('x').Select(int.Parse).ToArray();
        (_t, _n, _c, _s) = (d[0], d[1], d[2], d[3]);
        var rng = new Random(Seed);
        var logits = new float[_t * _n * _c];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = (float)((rng.NextDouble() * 8) - 4);
        }
        _logProbs = new float[logits.Length];
        FastLosses.LogSoftmax<float>(logits, _t * _n, _c, _logProbs);
        _grad = new float[logits.Length];
        _targets = new long[_n * _s];
        for (int i = 0; i < _targets.Length; i++)
        {
            _targets[i] = rng.Next(1, _c);
        }
        _inputLengths = Enumerable.Repeat((long)_t, _n).ToArray();
        _targetLengths = Enumerable.Range(0, _n).Select(_ => (long)rng.Next(_s / 2, _s + 1)).ToArray();
        _work = new double[FastLosses.CtcLossWorkspaceLength(_t, _n, _c, _s)];

        long[] shape = [_t, _n, _c];
        _tLogProbs = torch.tensor(_logProbs, shape);
        _tLogProbsGrad = torch.tensor(_logProbs, shape, requires_grad: true);
        _tTargets = torch.tensor(_targets, [_n, _s]);
        _tInputLengths = torch.tensor(_inputLengths);
        _tTargetLengths = torch.tensor(_targetLengths);
    }

    /// <summary>Frees the libtorch tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Tensor? t in new[] { _tLogProbs, _tLogProbsGrad, _tTargets, _tInputLengths, _tTargetLengths })
        {
            t?.Dispose();
        }
    }

    /// <summary>F.ctc_loss(lp, targets, input_lengths, target_lengths), mean.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("ctc_loss fwd")]
    public void Torch_CtcLoss()
    {
        using var scope = torch.NewDisposeScope();
        F.ctc_loss(_tLogProbs!, _tTargets!, _tInputLengths!, _tTargetLengths!);
    }

    /// <summary>FastLosses.CtcLoss, mean.</summary>
    [Benchmark, BenchmarkCategory("ctc_loss fwd")]
    public float Native_CtcLoss() =>
        FastLosses.CtcLoss<float>(_logProbs, _t, _n, _c, _targets, _inputLengths, _targetLengths, _work, _s, threads: _threads);

    /// <summary>F.ctc_loss then autograd.grad w.r.t. log_probs.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("ctc_loss fwd+bwd")]
    public void Torch_CtcLossFwdBwd()
    {
        using var scope = torch.NewDisposeScope();
        Tensor loss = F.ctc_loss(_tLogProbsGrad!, _tTargets!, _tInputLengths!, _tTargetLengths!);
        foreach (Tensor g in torch.autograd.grad([loss], [_tLogProbsGrad!]))
        {
            g.Dispose();
        }
    }

    /// <summary>FastLosses.CtcLossForwardBackward into a caller buffer.</summary>
    [Benchmark, BenchmarkCategory("ctc_loss fwd+bwd")]
    public float Native_CtcLossFwdBwd() =>
        FastLosses.CtcLossForwardBackward<float>(_logProbs, _t, _n, _c, _targets, _inputLengths, _targetLengths, _grad, _work, _s, threads: _threads);
}
