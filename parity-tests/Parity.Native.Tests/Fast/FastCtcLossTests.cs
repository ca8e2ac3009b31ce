using Parity.Native;
using Parity.Native.Fast;
using Parity.Native.Ops;
using Parity.Native.Tests.Ops;

namespace Parity.Native.Tests.Fast;

/// <summary>The fast CTC kernel against the readable op (float64, or float64 of the widened float32 inputs), the brute-force enumeration, and itself across thread counts.</summary>
public class FastCtcLossTests
{
    /// <summary>float64 scaled-probability recursion vs float64 log-space recursion: both a few ulp per frame from the exact value, over ≤ 60 frames.</summary>
    private const double F64Tol = 1e-11;

    /// <summary>
    /// float32 kernel (double inside, one rounding at the end) vs the float64 readable op on the same inputs: the loss is
    /// one float rounding (6e-8) away; gradient elements are (exp(lp) − γ)·g with exp and the difference rounded in float,
    /// so ~4 ulp relative plus 2e-7 of the row's scale for the cancellation.
    /// </summary>
    private const double F32LossTol = 2e-7;

    private const double F32GradRel = 5e-7;
    private const double F32GradAbs = 2e-7;

    private sealed record Problem(int T, int N, int C, int S, double[] Lp, long[] Padded, long[] Concatenated, long[] Il, long[] Tl, long Blank);

    private static Problem Random(System.Random rng, int t, int n, int c, int s, long blank = 0, bool edges = false)
    {
        var lp = new double[t * n * c];
        for (int row = 0; row < t * n; row++)
        {
            var z = new double[c];
            for (int j = 0; j < c; j++)
            {
                z[j] = (rng.NextDouble() * 6) - 3;
            }
            Array.Copy(OpsTestSupport.RefLogSoftmaxRow(z), 0, lp, row * c, c);
        }
        var il = new long[n];
        var tl = new long[n];
        var padded = new long[n * s];
        var concatenated = new List<long>();
        for (int b = 0; b < n; b++)
        {
            il[b] = edges && rng.Next(4) == 0 ? rng.Next(0, t + 1) : t - rng.Next(0, Math.Min(3, t));
            tl[b] = edges && rng.Next(5) == 0 ? 0 : rng.Next(Math.Max(0, s - 3), s + 1);
            if (edges && rng.Next(6) == 0)
            {
                tl[b] = s;
                il[b] = Math.Min(il[b], s / 2); // usually impossible
            }
            for (int k = 0; k < tl[b]; k++)
            {
                long v = k > 0 && rng.Next(4) == 0 ? padded[(b * s) + k - 1] : rng.Next(c);
                v = v == blank && rng.Next(8) != 0 ? (v + 1) % c : v;
                padded[(b * s) + k] = v;
                concatenated.Add(v);
            }
        }
        return new Problem(t, n, c, s, lp, padded, [.. concatenated], il, tl, blank);
    }

    private static (double Loss, double[] PerSample, double[] Grad) Readable(Problem p, DType dtype, Reduction reduction, bool zeroInfinity, double upstream)
    {
        Tensor lp = Tensor.FromDoubles(dtype, dtype == DType.Float32 ? Array.ConvertAll(p.Lp, v => (double)(float)v) : p.Lp, p.T, p.N, p.C);
        Tensor tg = Tensor.FromArray(p.Padded, p.N, p.S);
        Tensor il = Tensor.Vector(p.Il), tl = Tensor.Vector(p.Tl);
        Tensor none = Functional.CtcLoss(lp, tg, il, tl, p.Blank, Reduction.None, zeroInfinity);
        Tensor loss = Functional.CtcLoss(lp, tg, il, tl, p.Blank, reduction, zeroInfinity);
        int[] shape = reduction == Reduction.None ? [p.N] : [];
        var gv = new double[reduction == Reduction.None ? p.N : 1];
        Array.Fill(gv, upstream);
        Tensor grad = Functional.CtcLossBackward(Tensor.FromDoubles(dtype, gv, shape), lp, tg, il, tl, p.Blank, reduction, zeroInfinity);
        return (reduction == Reduction.None ? 0 : loss.GetDouble(0), none.ToDoubleArray(), grad.ToDoubleArray());
    }

    private static (T Loss, T[] PerSample, T[] Grad) Fast<T>(Problem p, Reduction reduction, bool zeroInfinity, double upstream, bool concatenated, int threads)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T[] lp = Array.ConvertAll(p.Lp, T.CreateTruncating);
        var grad = new T[lp.Length];
        var perSample = new T[p.N];
        var work = new double[FastLosses.CtcLossWorkspaceLength(p.T, p.N, p.C, p.S)];
        T[] go = reduction == Reduction.None ? Enumerable.Repeat(T.CreateTruncating(upstream), p.N).ToArray() : [T.CreateTruncating(upstream)];
        T loss = FastLosses.CtcLossForwardBackward<T>(lp, p.T, p.N, p.C, concatenated ? p.Concatenated : p.Padded, p.Il, p.Tl, grad, work,
            concatenated ? -1 : p.S, p.Blank, reduction, zeroInfinity, go, reduction == Reduction.None ? perSample : default, threads);
        T loss2 = FastLosses.CtcLoss<T>(lp, p.T, p.N, p.C, concatenated ? p.Concatenated : p.Padded, p.Il, p.Tl, work,
            concatenated ? -1 : p.S, p.Blank, reduction, zeroInfinity, reduction == Reduction.None ? perSample : default, threads);
        Assert.Equal(double.CreateTruncating(loss), double.CreateTruncating(loss2));
        return (loss, perSample, grad);
    }

    private static void AssertSame(double[] expected, double[] actual, double rel, double abs)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) || double.IsInfinity(e))
            {
                Assert.True(e.Equals(a), $"element {i}: expected {e:R}, got {a:R}");
                continue;
            }
            double tol = (rel * Math.Abs(e)) + (abs * scale);
            Assert.True(Math.Abs(e - a) <= tol, $"element {i}: expected {e:R}, got {a:R} (|Δ| = {Math.Abs(e - a):E3} > {tol:E3})");
        }
    }

    [Theory]
    [InlineData(Reduction.Mean, false, false)]
    [InlineData(Reduction.Sum, true, true)]
    [InlineData(Reduction.None, false, true)]
    [InlineData(Reduction.None, true, false)]
    public void Float64_MatchesReadable(Reduction reduction, bool zeroInfinity, bool concatenated)
    {
        var rng = new System.Random(FastTestSupport.Seed);
        for (int trial = 0; trial < 8; trial++)
        {
            int c = rng.Next(2, 9);
            Problem p = Random(rng, rng.Next(1, 40), rng.Next(1, 6), c, rng.Next(0, 8), blank: trial % c, edges: true);
            var r = Readable(p, DType.Float64, reduction, zeroInfinity, 0.75);
            var f = Fast<double>(p, reduction, zeroInfinity, 0.75, concatenated, threads: 1);
            if (reduction == Reduction.None)
            {
                AssertSame(r.PerSample, f.PerSample, F64Tol, 0);
            }
            else
            {
                AssertSame([r.Loss], [f.Loss], F64Tol, 0);
            }
            AssertSame(r.Grad, f.Grad, F64Tol, 1e-14);
        }
    }

    [Theory]
    [InlineData(Reduction.Mean, false)]
    [InlineData(Reduction.None, true)]
    public void Float32_MatchesReadableFloat64OfTheSameInputs(Reduction reduction, bool zeroInfinity)
    {
        var rng = new System.Random(FastTestSupport.Seed + 1);
        for (int trial = 0; trial < 8; trial++)
        {
            Problem p = Random(rng, rng.Next(1, 60), rng.Next(1, 6), rng.Next(2, 30), rng.Next(0, 12), edges: trial % 2 == 0);
            var r = Readable(p with { Lp = Array.ConvertAll(p.Lp, v => (double)(float)v) }, DType.Float64, reduction, zeroInfinity, 1.0);
            var f = Fast<float>(p, reduction, zeroInfinity, 1.0, concatenated: trial % 3 == 0, threads: 1);
            if (reduction == Reduction.None)
            {
                AssertSame(r.PerSample, FastTestSupport.Widen(f.PerSample), F32LossTol, 0);
            }
            else
            {
                AssertSame([r.Loss], [f.Loss], F32LossTol, 0);
            }
            AssertSame(r.Grad, FastTestSupport.Widen(f.Grad), F32GradRel, F32GradAbs);
        }
    }

    [Fact]
    public void MatchesEnumeration()
    {
        var rng = new System.Random(FastTestSupport.Seed + 2);
        for (int trial = 0; trial < 10; trial++)
        {
            var k = CtcBruteForce.Random(rng, rng.Next(1, 6), rng.Next(1, 4), rng.Next(2, 5), 3, normalised: trial % 2 == 0);
            long[] concatenated = k.Targets.SelectMany(x => x).ToArray();
            long[] tl = k.Targets.Select(x => (long)x.Length).ToArray();
            var per = new double[k.N];
            var work = new double[FastLosses.CtcLossWorkspaceLength(k.T, k.N, k.C, (int)tl.Max())];
            FastLosses.CtcLoss<double>(k.Lp, k.T, k.N, k.C, concatenated, k.InputLengths, tl, work, reduction: Reduction.None, lossOut: per);
            AssertSame(CtcBruteForce.Loss(k, Reduction.None, false), per, 1e-12, 0);
        }
    }

    [Fact]
    public void SamplesSharingAWorkspaceSlice_MatchReadable()
    {
        // 37 samples in 13 blocks: each slice serves three samples of different lengths in turn. (This case also has a
        // last label equal to blank, whose last-frame quirk the kernel reproduces.)
        var rng = new System.Random(FastTestSupport.Seed + 5);
        Problem p = Random(rng, 25, 37, 6, 7, edges: true);
        var r = Readable(p, DType.Float64, Reduction.None, true, 1.0);
        var f = Fast<double>(p, Reduction.None, true, 1.0, concatenated: false, threads: 2);
        AssertSame(r.PerSample, f.PerSample, F64Tol, 0);
        AssertSame(r.Grad, f.Grad, F64Tol, 1e-14);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(37)]
    public void BitIdenticalAcrossThreadCounts(int batch)
    {
        var rng = new System.Random(FastTestSupport.Seed + 3);
        Problem p = Random(rng, 50, batch, 20, 10, edges: true);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.None })
        {
            var one = Fast<float>(p, reduction, true, 1.0, false, threads: 1);
            var d1 = Fast<double>(p, reduction, false, 1.0, true, threads: 1);
            foreach (int threads in new[] { 2, 7 })
            {
                var many = Fast<float>(p, reduction, true, 1.0, false, threads);
                Assert.Equal(BitConverter.SingleToInt32Bits(one.Loss), BitConverter.SingleToInt32Bits(many.Loss));
                Assert.Equal(one.PerSample, many.PerSample);
                Assert.Equal(one.Grad, many.Grad);
                var dm = Fast<double>(p, reduction, false, 1.0, true, threads);
                Assert.Equal(BitConverter.DoubleToInt64Bits(d1.Loss), BitConverter.DoubleToInt64Bits(dm.Loss));
                Assert.Equal(d1.Grad, dm.Grad);
            }
        }
    }

    [Theory]
    [InlineData(Reduction.None, false)]
    [InlineData(Reduction.Mean, true)]
    [InlineData(Reduction.Sum, false)]
    public void EveryBit_SameOn1_2_And7Threads(Reduction reduction, bool concatenated)
    {
        // Byte-level equality (Assert.Equal on float arrays treats −0 = +0 and any NaN = NaN): infeasible samples
        // (NaN gradients without zero_infinity) and empty inputs included through the edges.
        var rng = new System.Random(FastTestSupport.Seed + 11);
        Problem p = Random(rng, 40, 23, 9, 8, blank: 4, edges: true);
        foreach (bool zeroInfinity in new[] { false, true })
        {
            var f1 = Fast<float>(p, reduction, zeroInfinity, 0.5, concatenated, threads: 1);
            var d1 = Fast<double>(p, reduction, zeroInfinity, 0.5, concatenated, threads: 1);
            foreach (int threads in new[] { 2, 7 })
            {
                var f = Fast<float>(p, reduction, zeroInfinity, 0.5, concatenated, threads);
                var d = Fast<double>(p, reduction, zeroInfinity, 0.5, concatenated, threads);
                Assert.Equal(BitConverter.SingleToUInt32Bits(f1.Loss), BitConverter.SingleToUInt32Bits(f.Loss));
                Assert.Equal(BitConverter.DoubleToUInt64Bits(d1.Loss), BitConverter.DoubleToUInt64Bits(d.Loss));
                Assert.Equal(Bits(f1.PerSample), Bits(f.PerSample));
                Assert.Equal(Bits(f1.Grad), Bits(f.Grad));
                Assert.Equal(Bits(d1.PerSample), Bits(d.PerSample));
                Assert.Equal(Bits(d1.Grad), Bits(d.Grad));
            }
        }

        static byte[] Bits<T>(T[] values)
            where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    }

    [Fact]
    public void Edges_AsLibTorch()
    {
        // Samples: (input 0, target 0) → −0 and zero rows; (input 0, target 1) → +∞ and zero rows;
        // (input 2, target "1 1") impossible → +∞, NaN on frames 0–1, 0 on frame 2; (input 3, target 0) finite.
        var lp = new double[3 * 4 * 3];
        for (int i = 0; i < lp.Length; i++)
        {
            lp[i] = -((0.25 * ((7 * i) % 11)) + 0.125);
        }
        long[] targets = [2, 1, 1];
        long[] il = [0, 0, 2, 3], tl = [0, 1, 2, 0];
        var grad = new double[lp.Length];
        var per = new double[4];
        var work = new double[FastLosses.CtcLossWorkspaceLength(3, 4, 3, 2)];
        FastLosses.CtcLossForwardBackward<double>(lp, 3, 4, 3, targets, il, tl, grad, work, reduction: Reduction.None, lossOut: per);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(per[0]));
        Assert.Equal(double.PositiveInfinity, per[1]);
        Assert.Equal(double.PositiveInfinity, per[2]);
        Assert.True(double.IsFinite(per[3]));
        for (int t = 0; t < 3; t++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(0.0, grad[(((t * 4) + 0) * 3) + c]);
                Assert.Equal(0.0, grad[(((t * 4) + 1) * 3) + c]);
                double g2 = grad[(((t * 4) + 2) * 3) + c];
                Assert.True(t < 2 ? double.IsNaN(g2) : g2 == 0, $"t={t} c={c}: {g2}");
            }
        }

        FastLosses.CtcLossForwardBackward<double>(lp, 3, 4, 3, targets, il, tl, grad, work, reduction: Reduction.None, zeroInfinity: true, lossOut: per);
        Assert.Equal(0.0, per[1]);
        Assert.Equal(0.0, per[2]);
        Assert.All(Enumerable.Range(0, 9), i => Assert.Equal(0.0, grad[(((i / 3 * 4) + 2) * 3) + (i % 3)]));
    }

    [Fact]
    public void NoAllocationPerCall()
    {
        var rng = new System.Random(FastTestSupport.Seed + 4);
        Problem p = Random(rng, 30, 8, 10, 6);
        float[] lp = Array.ConvertAll(p.Lp, v => (float)v);
        var grad = new float[lp.Length];
        var work = new double[FastLosses.CtcLossWorkspaceLength(p.T, p.N, p.C, p.S)];
        foreach (int threads in new[] { 1, 2 })
        {
            void Call() => FastLosses.CtcLossForwardBackward<float>(lp, p.T, p.N, p.C, p.Padded, p.Il, p.Tl, grad, work, p.S, threads: threads);
            Call();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++)
            {
                Call();
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    public class Errors
    {
        private const string From = " (while checking arguments for ctc_loss_allocate_outputs)";
        private static readonly float[] Lp = new float[5 * 2 * 4];
        private static readonly double[] Work = new double[FastLosses.CtcLossWorkspaceLength(5, 2, 4, 4)];

        private static void Torch(string message, long[] targets, long[] il, long[] tl, int padded = -1, long blank = 0, float[]? lp = null, int frames = 5)
        {
            var e = Assert.Throws<TorchException>(() => FastLosses.CtcLoss<float>(lp ?? Lp, frames, 2, 4, targets, il, tl, Work, padded, blank));
            Assert.Equal(TorchErrorKind.RuntimeError, e.Kind);
            Assert.Equal(message, e.Message);
        }

        [Fact]
        public void LibTorchChecks_WithLibTorchTexts()
        {
            Torch("blank must be in label range", [1, 2], [5, 5], [1, 1], blank: 4);
            Torch("blank must be in label range", [1, 2], [5, 5], [1, 1], blank: -1);
            Torch("input_lengths must be of size batch_size", [1, 2], [5], [1, 1]);
            Torch("target_lengths must be of size batch_size", [1, 2], [5, 5], [1, 1, 0]);
            Torch("Expected target_lengths to have value at least 0, but got value -1" + From, [1, 2], [5, 5], [3, -1]);
            Torch("Expected tensor to have size 5 at dimension 0, but got size 4" + " for argument #2 'targets'" + From, [1, 2, 3, 1], [5, 5], [3, 2]);
            Torch("Expected tensor to have size at least 4 at dimension 1, but got size 3 for argument #2 'targets'" + From, [1, 2, 3, 1, 1, 0], [5, 5], [4, 1], padded: 3);
            Torch("Expected input_lengths to have value at most 5, but got value 6" + From, [1, 2], [5, 6], [1, 1]);
            Torch("Expected input_lengths to have value at least 0, but got value -1" + From, [1, 2], [-1, 6], [1, 1]);
            Torch("log_probs tensor must not be empty", [1, 2], [0, 0], [1, 1], lp: [], frames: 0);
        }

        [Fact]
        public void SpanAndLabelErrors_AreArgumentErrors()
        {
            Assert.Throws<ArgumentException>(() => FastLosses.CtcLoss<float>(Lp, 4, 2, 4, [1L, 2L], [4L, 4L], [1L, 1L], Work));
            Assert.Throws<ArgumentException>(() => FastLosses.CtcLoss<float>(Lp, 5, 2, 4, [1L, 2L], [5L, 5L], [1L, 1L], new double[10]));
            Assert.Throws<ArgumentException>(() => FastLosses.CtcLoss<float>(Lp, 5, 2, 4, [1L, 2L], [5L, 5L], [1L, 1L], Work, reduction: Reduction.None));
            Assert.Throws<ArgumentException>(() => FastLosses.CtcLossForwardBackward<float>(Lp, 5, 2, 4, [1L, 2L], [5L, 5L], [1L, 1L], new float[3], Work));
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => FastLosses.CtcLoss<float>(Lp, 5, 2, 4, [1L, 4L], [5L, 5L], [1L, 1L], Work));
            Assert.Contains("target label 4 of sample 1 is outside [0, 4)", e.Message);
        }
    }
}
