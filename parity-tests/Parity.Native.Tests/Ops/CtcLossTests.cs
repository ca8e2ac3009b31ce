using Parity.Native;
using Parity.Native.Modules;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

/// <summary>
/// An independent CTC reference: the loss as −log of the sum over every path π ∈ Cᵀ that collapses (repeats merged,
/// then blanks removed) to the target, by plain enumeration in float64. Shares nothing with the α/β recursions.
/// </summary>
internal static class CtcBruteForce
{
    /// <summary>One case in plain arrays: lp is (T, N, C) row-major, targets per sample.</summary>
    public sealed record Case(int T, int N, int C, double[] Lp, long[][] Targets, long[] InputLengths, long Blank);

    /// <summary>−log Σ_π exp(Σ_t lp[t, b, π_t]) over the paths of sample b (+∞ if none collapses to the target).</summary>
    public static double SampleNll(Case k, int b)
    {
        int tb = (int)k.InputLengths[b];
        long[] target = k.Targets[b];
        if (tb == 0)
        {
            return target.Length == 0 ? 0 : double.PositiveInfinity;
        }
        var scores = new List<double>();
        var path = new int[tb];
        long count = (long)Math.Pow(k.C, tb);
        for (long code = 0; code < count; code++)
        {
            long rest = code;
            for (int t = 0; t < tb; t++)
            {
                path[t] = (int)(rest % k.C);
                rest /= k.C;
            }
            if (!Collapses(path, target, k.Blank))
            {
                continue;
            }
            double score = 0;
            for (int t = 0; t < tb; t++)
            {
                score += k.Lp[(((t * k.N) + b) * k.C) + path[t]];
            }
            scores.Add(score);
        }
        if (scores.Count == 0)
        {
            return double.PositiveInfinity;
        }
        double m = scores.Max();
        if (double.IsNegativeInfinity(m))
        {
            return double.PositiveInfinity;
        }
        double s = 0;
        foreach (double v in scores)
        {
            s += Math.Exp(v - m);
        }
        return -(m + Math.Log(s));
    }

    private static bool Collapses(int[] path, long[] target, long blank)
    {
        int k = 0;
        int previous = -1;
        foreach (int c in path)
        {
            if (c != previous && c != blank)
            {
                if (k >= target.Length || target[k] != c)
                {
                    return false;
                }
                k++;
            }
            previous = c;
        }
        return k == target.Length;
    }

    /// <summary>The reduced loss: zero_infinity, then none / sum / (Σ nll_b / max(S_b, 1)) / N.</summary>
    public static double[] Loss(Case k, Reduction reduction, bool zeroInfinity)
    {
        var nll = new double[k.N];
        for (int b = 0; b < k.N; b++)
        {
            nll[b] = SampleNll(k, b);
            if (zeroInfinity && double.IsPositiveInfinity(nll[b]))
            {
                nll[b] = 0;
            }
        }
        return reduction switch
        {
            Reduction.None => nll,
            Reduction.Sum => [nll.Sum()],
            _ => [Enumerable.Range(0, k.N).Sum(b => nll[b] / Math.Max(k.Targets[b].Length, 1)) / k.N],
        };
    }

    /// <summary>A random case: log-softmax rows (normalised in float64 here) or free values, random lengths and labels.</summary>
    public static Case Random(System.Random rng, int t, int n, int c, int maxTarget, bool normalised, long blank = 0, bool fullLengths = false, bool possibleOnly = false)
    {
        var lp = new double[t * n * c];
        for (int row = 0; row < t * n; row++)
        {
            var z = new double[c];
            for (int j = 0; j < c; j++)
            {
                z[j] = (rng.NextDouble() * 4) - 2;
            }
            double[] r = normalised ? RefLogSoftmaxRow(z) : z;
            Array.Copy(r, 0, lp, row * c, c);
        }
        var targets = new long[n][];
        var il = new long[n];
        for (int b = 0; b < n; b++)
        {
            il[b] = fullLengths ? t : rng.Next(Math.Max(0, t - 2), t + 1);
            targets[b] = new long[rng.Next(0, maxTarget + 1)];
            for (int k = 0; k < targets[b].Length; k++)
            {
                // Mostly non-blank labels, with repeats.
                long v = k > 0 && rng.Next(3) == 0 ? targets[b][k - 1] : rng.Next(c);
                targets[b][k] = v == blank ? (v + 1) % c : v;
            }
            while (possibleOnly && Needed(targets[b]) > il[b])
            {
                targets[b] = targets[b][..^1];
            }
        }
        return new Case(t, n, c, lp, targets, il, blank);
    }

    /// <summary>The fewest frames a target needs: its length plus one blank between each pair of equal neighbours.</summary>
    public static int Needed(long[] target) => target.Length + Enumerable.Range(1, Math.Max(0, target.Length - 1)).Count(i => target[i] == target[i - 1]);

    public static Tensor LogProbs(Case k, DType dtype) => Tensor.FromDoubles(dtype, k.Lp, k.T, k.N, k.C);

    public static Tensor Padded(Case k)
    {
        int s = Math.Max(1, k.Targets.Max(x => x.Length));
        var v = new long[k.N * s];
        for (int b = 0; b < k.N; b++)
        {
            Array.Copy(k.Targets[b], 0, v, b * s, k.Targets[b].Length);
        }
        return Tensor.FromArray(v, k.N, s);
    }

    public static Tensor Concatenated(Case k)
    {
        long[] v = k.Targets.SelectMany(x => x).ToArray();
        return Tensor.FromArray(v, v.Length);
    }

    public static Tensor InputLengths(Case k) => Tensor.Vector(k.InputLengths);

    public static Tensor TargetLengths(Case k) => Tensor.Vector(k.Targets.Select(x => (long)x.Length).ToArray());
}

public class CtcLossTests
{
    /// <summary>float64 recursion vs float64 enumeration: a few ulp per frame of log/exp over ≤ 6 frames.</summary>
    private const double F64Tol = 1e-12;

    /// <summary>float32 recursion vs float64 enumeration of the same (float-rounded) inputs: ~1 ulp (6e-8) per operation, ~20 operations per frame.</summary>
    private const double F32Tol = 5e-6;

    /// <summary>lp[i] = −(0.25·((7i) mod 11) + 0.125): exact in float and double; the inputs of the libtorch literals below.</summary>
    private static Tensor Dyadic(DType dtype, params int[] shape)
    {
        var v = new double[Tensor.NumelOf(shape)];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = -((0.25 * ((7 * i) % 11)) + 0.125);
        }
        return Tensor.FromDoubles(dtype, v, shape);
    }

    private static Tensor L(params long[] v) => Tensor.Vector(v);

    private static void AssertBits(double[] expected, Tensor actual)
    {
        double[] a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(a[i]) || (double.IsNaN(expected[i]) && double.IsNaN(a[i])),
                $"element {i}: expected {expected[i]:R}, got {a[i]:R}");
        }
    }

    private static void AssertBits(float[] expected, Tensor actual)
    {
        Assert.Equal(DType.Float32, actual.DType);
        AssertBits(Array.ConvertAll(expected, f => (double)f), actual);
    }

    public class Forward
    {
        [Theory]
        [InlineData(Reduction.None, false, false)]
        [InlineData(Reduction.Sum, false, true)]
        [InlineData(Reduction.Mean, true, false)]
        [InlineData(Reduction.Mean, false, true)]
        public void Float64_MatchesEnumeration(Reduction reduction, bool zeroInfinity, bool concatenated)
        {
            var rng = new System.Random(Seed);
            for (int trial = 0; trial < 12; trial++)
            {
                int c = rng.Next(2, 5);
                var k = CtcBruteForce.Random(rng, rng.Next(1, 6), rng.Next(1, 4), c, 3, normalised: trial % 2 == 0, blank: trial % c);
                Tensor tg = concatenated ? CtcBruteForce.Concatenated(k) : CtcBruteForce.Padded(k);
                Tensor loss = Functional.CtcLoss(CtcBruteForce.LogProbs(k, DType.Float64), tg, CtcBruteForce.InputLengths(k),
                    CtcBruteForce.TargetLengths(k), k.Blank, reduction, zeroInfinity);
                AssertClose(CtcBruteForce.Loss(k, reduction, zeroInfinity), loss.ToDoubleArray(), 0, F64Tol);
            }
        }

        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Sum)]
        [InlineData(Reduction.Mean)]
        public void Float32_MatchesEnumeration(Reduction reduction)
        {
            var rng = new System.Random(Seed + 1);
            for (int trial = 0; trial < 12; trial++)
            {
                var k = CtcBruteForce.Random(rng, rng.Next(1, 6), rng.Next(1, 4), rng.Next(2, 5), 3, normalised: true);
                // The reference sees the float-rounded inputs.
                k = k with { Lp = Array.ConvertAll(k.Lp, v => (double)(float)v) };
                Tensor loss = Functional.CtcLoss(CtcBruteForce.LogProbs(k, DType.Float32), CtcBruteForce.Padded(k),
                    CtcBruteForce.InputLengths(k), CtcBruteForce.TargetLengths(k), 0, reduction, zeroInfinity: true);
                Assert.Equal(DType.Float32, loss.DType);
                AssertClose(CtcBruteForce.Loss(k, reduction, true), loss.ToDoubleArray(), 1e-6, F32Tol);
            }
        }

        [Fact]
        public void PaddedConcatenatedAndListOverload_Agree()
        {
            var rng = new System.Random(Seed + 2);
            var k = CtcBruteForce.Random(rng, 6, 3, 4, 3, normalised: true);
            Tensor lp = CtcBruteForce.LogProbs(k, DType.Float32);
            Tensor a = Functional.CtcLoss(lp, CtcBruteForce.Padded(k), CtcBruteForce.InputLengths(k), CtcBruteForce.TargetLengths(k), reduction: Reduction.None);
            Tensor b = Functional.CtcLoss(lp, CtcBruteForce.Concatenated(k), CtcBruteForce.InputLengths(k), CtcBruteForce.TargetLengths(k), reduction: Reduction.None);
            Tensor c = Functional.CtcLoss(lp, CtcBruteForce.Padded(k), k.InputLengths, CtcBruteForce.TargetLengths(k).ToArray<long>(), reduction: Reduction.None);
            Assert.True(a.BitEquals(b));
            Assert.True(a.BitEquals(c));
        }

        [Fact]
        public void Unbatched_NoneIsZeroDim_EqualsBatchOfOne()
        {
            var rng = new System.Random(Seed + 3);
            var k = CtcBruteForce.Random(rng, 5, 1, 3, 2, normalised: true, fullLengths: true);
            Tensor lp3 = CtcBruteForce.LogProbs(k, DType.Float64);
            Tensor lp2 = lp3.Reshape(5, 3);
            Tensor none = Functional.CtcLoss(lp2, CtcBruteForce.Concatenated(k), L(5), CtcBruteForce.TargetLengths(k), reduction: Reduction.None);
            Assert.Empty(none.ShapeArray());
            Tensor batched = Functional.CtcLoss(lp3, CtcBruteForce.Concatenated(k), L(5), CtcBruteForce.TargetLengths(k), reduction: Reduction.None);
            Assert.Equal(batched.GetDouble(0), none.GetDouble(0));
            AssertClose(CtcBruteForce.Loss(k, Reduction.None, false), none.ToDoubleArray(), 0, F64Tol);
        }

        [Fact]
        public void DefaultsAreBlankZeroMeanNoZeroInfinity()
        {
            var rng = new System.Random(Seed + 4);
            var k = CtcBruteForce.Random(rng, 4, 2, 3, 2, normalised: true);
            Tensor lp = CtcBruteForce.LogProbs(k, DType.Float64);
            Tensor d = Functional.CtcLoss(lp, CtcBruteForce.Padded(k), CtcBruteForce.InputLengths(k), CtcBruteForce.TargetLengths(k));
            Tensor e = Functional.CtcLoss(lp, CtcBruteForce.Padded(k), CtcBruteForce.InputLengths(k), CtcBruteForce.TargetLengths(k), 0, Reduction.Mean, false);
            Assert.True(d.BitEquals(e));
            Assert.Empty(d.ShapeArray());
        }

        [Fact]
        public void ZeroLengthTarget_IsMinusSumOfBlankLogProbs()
        {
            // One path only: blank at every frame.
            Tensor lp = Dyadic(DType.Float64, 3, 1, 3);
            Tensor loss = Functional.CtcLoss(lp, Tensor.Zeros(DType.Int64, 0), L(3), L(0), 1, Reduction.None);
            double expected = -(lp.GetDouble(1) + lp.GetDouble(4) + lp.GetDouble(7));
            AssertClose([expected], loss.ToDoubleArray(), 0, F64Tol);
        }
    }

    /// <summary>Values obtained by running libtorch 2.10 (TorchSharp-cpu 0.107.0, TorchScript <c>torch.ctc_loss</c> with tensor lengths, autograd for the gradient) on the <see cref="Dyadic"/> inputs, pasted as literals; compared bit for bit.</summary>
    public class LibTorchLiterals
    {
        private static void Check(DType dtype, int[] shape, Tensor targets, long[] il, long[] tl, long blank, Reduction reduction, bool zeroInfinity,
            double[] gradOutput, double[] loss, double[] grad)
        {
            Tensor lp = Dyadic(dtype, shape);
            int[] lossShape = reduction == Reduction.None && shape.Length == 3 ? [shape[1]] : [];
            Tensor go = Tensor.FromDoubles(dtype, gradOutput, lossShape);
            Tensor value = Functional.CtcLoss(lp, targets, L(il), L(tl), blank, reduction, zeroInfinity);
            Tensor g = Functional.CtcLossBackward(go, lp, targets, L(il), L(tl), blank, reduction, zeroInfinity);
            Assert.Equal(lossShape, value.ShapeArray());
            Assert.Equal(shape, g.ShapeArray());
            Assert.Equal(dtype, value.DType);
            Assert.Equal(dtype, g.DType);
            AssertBits(loss, value);
            AssertBits(grad, g);
        }

        private static double[] F(params float[] v) => Array.ConvertAll(v, f => (double)f);

        private static readonly Tensor Repeated = Tensor.FromArray(new long[] { 1, 1, 2, 0 }, 2, 2);

        [Fact]
        public void RepeatedLabels_OnlyPathNeedsTheBlank_None()
        {
            // Sample 0 "1 1" in 3 frames has one path (1, blank, 1): loss = 5.125 exactly.
            Check(DType.Float32, [3, 2, 3], Repeated, [3, 2], [2, 1], 0, Reduction.None, false, [1.0, 0.5],
                F(5.125f, 0.51045525f),
                F(0.8824969f, -0.846645f, 0.416862f, -0.017033603f, 0.09845584f, -0.17911583f, -0.9069855f, 0.2528396f, 0.6872893f, 0.0064630024f, 0.16232623f, -0.0054980814f, 0.15335497f, -0.583138f, 0.07243976f, 0f, 0f, 0f));
            Check(DType.Float64, [3, 2, 3], Repeated, [3, 2], [2, 1], 0, Reduction.None, false, [1.0, 0.5],
                [5.125, 0.5104552337781154],
                [0.8824969025845955, -0.8466450331550716, 0.4168620196785084, -0.017033610942474645, 0.09845583760209703, -0.17911579628090452, -0.9069855107893365, 0.25283959580474646, 0.6872892787909722, 0.006462994673759437, 0.16232623367917487, -0.005498059248101872, 0.15335496684492847, -0.5831379803214916, 0.07243975703425146, 0, 0, 0]);
        }

        [Fact]
        public void RepeatedLabels_Mean()
        {
            Check(DType.Float32, [3, 2, 3], Repeated, [3, 2], [2, 1], 0, Reduction.Mean, false, [1.0],
                F(1.5364776f),
                F(0.22062422f, -0.21166125f, 0.1042155f, -0.017033603f, 0.09845584f, -0.17911583f, -0.22674638f, 0.0632099f, 0.17182232f, 0.0064630024f, 0.16232623f, -0.0054980814f, 0.038338743f, -0.1457845f, 0.01810994f, 0f, 0f, 0f));
            Check(DType.Float64, [3, 2, 3], Repeated, [3, 2], [2, 1], 0, Reduction.Mean, false, [1.0],
                [1.5364776168890577],
                [0.22062422564614886, -0.2116612582887679, 0.1042155049196271, -0.017033610942474645, 0.09845583760209703, -0.17911579628090452, -0.22674637769733413, 0.06320989895118662, 0.17182231969774306, 0.006462994673759437, 0.16232623367917487, -0.005498059248101872, 0.03833874171123212, -0.1457844950803729, 0.018109939258562864, 0, 0, 0]);
        }

        [Fact]
        public void ImpossibleAlignment_InfiniteLoss_NaNGradientOnItsFrames()
        {
            // Sample 0: "1 1" in 2 frames is impossible. Its frames t < 2 are NaN, its padded frame 0.
            double nan = double.NaN;
            Check(DType.Float32, [3, 2, 3], Repeated, [2, 3], [2, 1], 0, Reduction.None, false, [1.0, 1.0],
                [double.PositiveInfinity, 1.7785747f],
                [nan, nan, nan, -0.04207492f, 0.19691168f, -0.35022384f, nan, nan, nan, 0.040128216f, 0.32465246f, -0.038198233f, 0, 0, 0, -0.50294447f, 0.53526145f, -0.20712939f]);
            Check(DType.Float64, [3, 2, 3], Repeated, [2, 3], [2, 1], 0, Reduction.Mean, false, [1.0],
                [double.PositiveInfinity],
                [nan, nan, nan, -0.02103748269734313, 0.09845583760209703, -0.17511192452603602, nan, nan, nan, 0.02006412238408204, 0.16232623367917487, -0.019099186958424497, 0, 0, 0, -0.2514722566737686, 0.26763071425949514, -0.1035646611188027]);
        }

        [Fact]
        public void ImpossibleAlignment_ZeroInfinity_ZeroLossAndGradient()
        {
            Check(DType.Float32, [3, 2, 3], Repeated, [2, 3], [2, 1], 0, Reduction.Mean, true, [1.0],
                F(0.88928735f),
                F(0f, 0f, 0f, -0.02103746f, 0.09845584f, -0.17511192f, 0f, 0f, 0f, 0.020064108f, 0.16232623f, -0.019099116f, 0f, 0f, 0f, -0.25147223f, 0.26763073f, -0.103564695f));
            Check(DType.Float64, [3, 2, 3], Repeated, [2, 3], [2, 1], 0, Reduction.Sum, true, [1.0],
                [1.778574823806585],
                [0, 0, 0, -0.04207496539468626, 0.19691167520419406, -0.35022384905207204, 0, 0, 0, 0.04012824476816408, 0.32465246735834974, -0.03819837391684899, 0, 0, 0, -0.5029445133475372, 0.5352614285189903, -0.2071293222376054]);
        }

        [Fact]
        public void ZeroLengths_NegativeZero_Infinity_AndZeroGradient()
        {
            // Samples: (input 0, target 0) → −0; (input 0, target 1) → +∞ with a zero (not NaN) gradient; (input 3, target 0).
            var z = Tensor.FromArray(new long[] { 2 }, 1);
            double[] g32 = F(0f, 0f, 0f, 0f, 0f, 0f, -0.9069855f, 0.2528396f, 0.6872893f, 0f, 0f, 0f, 0f, 0f, 0f, -0.8030883f, 0.53526145f, 0.093014486f, 0f, 0f, 0f, 0f, 0f, 0f, -0.583138f, 0.07243976f, 0.19691168f);
            Check(DType.Float32, [3, 3, 3], z, [0, 0, 3], [0, 1, 0], 0, Reduction.None, false, [1.0, 1.0, 1.0],
                [-0.0, double.PositiveInfinity, 4.875], g32);
            Check(DType.Float32, [3, 3, 3], z, [0, 0, 3], [0, 1, 0], 0, Reduction.Sum, false, [1.0],
                [double.PositiveInfinity], g32);
            Check(DType.Float64, [3, 3, 3], z, [0, 0, 3], [0, 1, 0], 0, Reduction.Mean, true, [1.0],
                [1.625],
                [0, 0, 0, 0, 0, 0, -0.3023285035964455, 0.08427986526824882, 0.2290964262636574, 0, 0, 0, 0, 0, 0, -0.26769610826526863, 0.17842047617299675, 0.03100482973688783, 0, 0, 0, 0, 0, 0, -0.19437932677383052, 0.024146585678083816, 0.06563722506806469]);
        }

        [Fact]
        public void LabelEqualToBlank_IsAccepted()
        {
            Check(DType.Float32, [3, 1, 3], Tensor.FromArray(new long[] { 1, 1 }, 1, 2), [3], [2], 1, Reduction.None, false, [1.0],
                F(4.875f),
                F(0.8824969f, -0.846645f, 0.416862f, 0.07243976f, -0.8030883f, 0.53526145f, 0.093014486f, -0.74716043f, 0.6872893f));
            Check(DType.Float64, [3, 1, 3], Tensor.FromArray(new long[] { 1, 1 }, 1, 2), [3], [2], 1, Reduction.None, false, [1.0],
                [4.875],
                [0.8824969025845955, -0.8466450331550716, 0.4168620196785084, 0.07243975703425146, -0.8030883247958059, 0.5352614285189903, 0.09301448921066349, -0.7471604041952535, 0.6872892787909722]);
        }

        [Fact]
        public void Unbatched_ZeroDimLoss()
        {
            Check(DType.Float32, [4, 3], L(2, 1), [4], [2], 0, Reduction.None, false, [0.75],
                F(1.2623938f),
                F(0.16633706f, 0.11501623f, 0.058182098f, 0.005120443f, 0.12083894f, -0.27249974f, 0.009262914f, -0.050760157f, 0.06635472f, 0.022507086f, -0.43944302f, 0.6618727f));
            Check(DType.Float64, [4, 3], L(2, 1), [4], [2], 0, Reduction.None, false, [0.75],
                [1.2623937820722406],
                [0.16633707133588638, 0.11501622513369636, 0.05818212036144167, 0.005120447549849156, 0.1208389344071211, -0.27249973638889347, 0.009262913882743203, -0.050760162870493855, 0.06635477184253721, 0.022507080931959977, -0.4394430042131581, 0.6618726769384466]);
        }

        [Fact]
        public void FloatTargets_AreTruncated()
        {
            // (1.9, 2.2) → (1, 2).
            Check(DType.Float32, [3, 1, 3], Tensor.FromArray(new double[] { 1.9, 2.2 }, 1, 2), [3], [2], 0, Reduction.Sum, false, [1.0],
                F(1.5517652f),
                F(0.3187979f, -0.2829459f, 0.416862f, 0.03640368f, -0.46474355f, 0.23295277f, 0.056978405f, 0.2528396f, -0.27667457f));
            Check(DType.Float64, [3, 1, 3], Tensor.FromArray(new double[] { 1.9, 2.2 }, 1, 2), [3], [2], 0, Reduction.Sum, false, [1.0],
                [1.551765247679216],
                [0.3187978430756464, -0.2829459736461225, 0.4168620196785084, 0.03640368179561176, -0.4647435927949324, 0.23295277175675616, 0.05697841397202379, 0.25283959580474646, -0.27667464597038804]);
        }
    }

    public class Backward
    {
        /// <summary>
        /// libtorch's convention: with normalised lp, the returned gradient is d/dz of loss(log_softmax(z)) at z = lp.
        /// Checked against float64 central differences of the enumeration loss through a float64 log_softmax.
        /// </summary>
        [Theory]
        [InlineData(Reduction.None, false)]
        [InlineData(Reduction.Sum, true)]
        [InlineData(Reduction.Mean, false)]
        public void IsTheLogSoftmaxParameterisedGradient(Reduction reduction, bool concatenated)
        {
            var rng = new System.Random(Seed + 10);
            for (int trial = 0; trial < 4; trial++)
            {
                var k = CtcBruteForce.Random(rng, rng.Next(2, 5), rng.Next(1, 3), 3, 2, normalised: true, blank: trial % 3, possibleOnly: true);
                Tensor tg = concatenated ? CtcBruteForce.Concatenated(k) : CtcBruteForce.Padded(k);
                Tensor lp = CtcBruteForce.LogProbs(k, DType.Float64);
                Tensor loss = Functional.CtcLoss(lp, tg, CtcBruteForce.InputLengths(k), CtcBruteForce.TargetLengths(k), k.Blank, reduction);
                Tensor g = RandomGrad(rng, loss);
                double[] gv = g.ToDoubleArray();
                Tensor grad = Functional.CtcLossBackward(g, lp, tg, CtcBruteForce.InputLengths(k), CtcBruteForce.TargetLengths(k), k.Blank, reduction);

                double Objective(double[] z)
                {
                    var logSoftmax = new double[z.Length];
                    for (int row = 0; row < k.T * k.N; row++)
                    {
                        Array.Copy(RefLogSoftmaxRow(z.AsSpan(row * k.C, k.C)), 0, logSoftmax, row * k.C, k.C);
                    }
                    double[] l = CtcBruteForce.Loss(k with { Lp = logSoftmax }, reduction, false);
                    return l.Select((v, i) => v * gv[i]).Sum();
                }

                AssertClose(CentralDifferences(Objective, k.Lp), grad.ToDoubleArray(), FdAbsTol, FdRelTol);
            }
        }

        /// <summary>
        /// The free gradient ∂loss/∂lp (lp unconstrained, not normalised) is the returned gradient minus exp(lp)·g_b on each
        /// sample's frames t &lt; T_b (the padded frames are 0 in both).
        /// </summary>
        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        public void MinusExpTerm_IsTheFreeGradient(Reduction reduction)
        {
            var rng = new System.Random(Seed + 11);
            for (int trial = 0; trial < 4; trial++)
            {
                var k = CtcBruteForce.Random(rng, rng.Next(2, 5), 2, 3, 2, normalised: false, possibleOnly: true);
                Tensor lp = CtcBruteForce.LogProbs(k, DType.Float64);
                Tensor tl = CtcBruteForce.TargetLengths(k);
                Tensor loss = Functional.CtcLoss(lp, CtcBruteForce.Padded(k), CtcBruteForce.InputLengths(k), tl, 0, reduction);
                Tensor g = RandomGrad(rng, loss);
                double[] gv = g.ToDoubleArray();
                double[] grad = Functional.CtcLossBackward(g, lp, CtcBruteForce.Padded(k), CtcBruteForce.InputLengths(k), tl, 0, reduction).ToDoubleArray();
                for (int t = 0; t < k.T; t++)
                {
                    for (int b = 0; b < k.N; b++)
                    {
                        double gb = reduction == Reduction.None ? gv[b] : gv[0] / k.N / Math.Max(1, k.Targets[b].Length);
                        for (int c = 0; c < k.C; c++)
                        {
                            int i = (((t * k.N) + b) * k.C) + c;
                            grad[i] -= t < k.InputLengths[b] ? Math.Exp(k.Lp[i]) * gb : 0;
                        }
                    }
                }
                double Objective(double[] x) => CtcBruteForce.Loss(k with { Lp = x }, reduction, false).Select((v, i) => v * gv[i]).Sum();
                AssertClose(CentralDifferences(Objective, k.Lp), grad, FdAbsTol, FdRelTol);
            }
        }

        [Fact]
        public void PaddedFramesAreZero_Float32MatchesFloat64()
        {
            var rng = new System.Random(Seed + 12);
            var k = CtcBruteForce.Random(rng, 6, 3, 4, 3, normalised: true);
            k = k with { InputLengths = [6, 3, 4], Lp = Array.ConvertAll(k.Lp, v => (double)(float)v) };
            Tensor tg = CtcBruteForce.Padded(k);
            Tensor g32 = Functional.CtcLossBackward(Tensor.Scalar(1.0), CtcBruteForce.LogProbs(k, DType.Float32), tg, CtcBruteForce.InputLengths(k), CtcBruteForce.TargetLengths(k));
            Tensor g64 = Functional.CtcLossBackward(Tensor.Scalar(1.0, DType.Float64), CtcBruteForce.LogProbs(k, DType.Float64), tg, CtcBruteForce.InputLengths(k), CtcBruteForce.TargetLengths(k));
            Assert.Equal(DType.Float32, g32.DType);
            AssertClose(g64.ToDoubleArray(), g32.ToDoubleArray(), 1e-6, 1e-5);
            for (int t = 0; t < 6; t++)
            {
                for (int b = 0; b < 3; b++)
                {
                    for (int c = 0; c < 4; c++)
                    {
                        if (t >= k.InputLengths[b])
                        {
                            Assert.Equal(0f, (float)g32.GetDouble((((t * 3) + b) * 4) + c));
                        }
                    }
                }
            }
        }

        [Fact]
        public void WrongGradOutputShape_Throws()
        {
            Tensor lp = Dyadic(DType.Float32, 3, 2, 3);
            AssertTorchError(TorchErrorKind.RuntimeError,
                "Mismatch in shape: grad_output[0] has a shape of torch.Size([]) and output[0] has a shape of torch.Size([2]).",
                () => Functional.CtcLossBackward(Tensor.Scalar(1.0), lp, L(1, 2), L(3, 3), L(1, 1), reduction: Reduction.None));
        }

        private static double[] CentralDifferences(Func<double[], double> f, double[] x)
        {
            var grad = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                double[] plus = (double[])x.Clone();
                double[] minus = (double[])x.Clone();
                plus[i] += FdStep;
                minus[i] -= FdStep;
                grad[i] = (f(plus) - f(minus)) / (2 * FdStep);
            }
            return grad;
        }
    }

    /// <summary>Every check libtorch makes, with its exact text (obtained by running libtorch 2.10 through TorchScript <c>torch.ctc_loss</c> with tensor lengths).</summary>
    public class Errors
    {
        private const string From = " (while checking arguments for ctc_loss_allocate_outputs)";
        private static readonly Tensor Lp = Dyadic(DType.Float32, 5, 2, 4);
        private static readonly Tensor Padded = Tensor.FromArray(new long[] { 1, 2, 3, 1, 1, 0 }, 2, 3);
        private static readonly Tensor Concatenated = L(1, 2, 3, 1);

        public static TheoryData<string, TorchErrorKind, string> Cases => new()
        {
            { "blank=4", TorchErrorKind.RuntimeError, "blank must be in label range" },
            { "blank=-1", TorchErrorKind.RuntimeError, "blank must be in label range" },
            { "input_lengths count", TorchErrorKind.RuntimeError, "input_lengths must be of size batch_size" },
            { "target_lengths count", TorchErrorKind.RuntimeError, "target_lengths must be of size batch_size" },
            { "float input_lengths", TorchErrorKind.RuntimeError, "input_lengths must be integral" },
            { "float target_lengths", TorchErrorKind.RuntimeError, "target_lengths must be integral" },
            { "input_lengths > T", TorchErrorKind.RuntimeError, "Expected input_lengths to have value at most 5, but got value 6" + From },
            { "input_lengths < 0", TorchErrorKind.RuntimeError, "Expected input_lengths to have value at least 0, but got value -1" + From },
            { "target_lengths < 0 padded", TorchErrorKind.RuntimeError, "Expected target_lengths to have value at least 0, but got value -1" + From },
            { "target_lengths < 0 concatenated", TorchErrorKind.RuntimeError, "Expected target_lengths to have value at least 0, but got value -1" + From },
            { "padded too short", TorchErrorKind.RuntimeError, "Expected tensor to have size at least 4 at dimension 1, but got size 3 for argument #2 'targets'" + From },
            { "concatenated length", TorchErrorKind.RuntimeError, "Expected tensor to have size 5 at dimension 0, but got size 4 for argument #2 'targets'" + From },
            { "padded batch", TorchErrorKind.RuntimeError, "Expected tensor to have size 2 at dimension 0, but got size 1 for argument #2 'targets'" + From },
            { "3-D targets", TorchErrorKind.RuntimeError, "Expected 1 to 2 dimensions, but got 3-dimensional tensor for argument #2 'targets'" + From },
            { "0-D targets", TorchErrorKind.RuntimeError, "Expected 1 to 2 dimensions, but got 0-dimensional tensor for argument #2 'targets'" + From },
            { "4-D log_probs", TorchErrorKind.RuntimeError, "Expected 3-dimensional tensor, but got 5-dimensional tensor for argument #1 'log_probs'" + From },
            { "1-D log_probs", TorchErrorKind.RuntimeError, "Expected 3-dimensional tensor, but got 2-dimensional tensor for argument #1 'log_probs'" + From },
            { "0-D log_probs", TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)" },
            { "empty log_probs", TorchErrorKind.RuntimeError, "log_probs tensor must not be empty" },
            { "empty 4-D log_probs", TorchErrorKind.RuntimeError, "log_probs tensor must not be empty" },
            { "int64 log_probs", TorchErrorKind.NotImplementedError, "\"ctc_loss_cpu\" not implemented for 'Long'" },
            { "empty int64 log_probs", TorchErrorKind.NotImplementedError, "\"ctc_loss_cpu\" not implemented for 'Long'" },
            { "int32 log_probs", TorchErrorKind.NotImplementedError, "\"ctc_loss_cpu\" not implemented for 'Int'" },
            { "int32 input_lengths > T", TorchErrorKind.RuntimeError, "Expected input_lengths to have value at most 5, but got value 6" + From },
            { "int32 target_lengths count", TorchErrorKind.RuntimeError, "target_lengths must be of size batch_size" },
            { "unbatched concatenated length", TorchErrorKind.RuntimeError, "Expected tensor to have size 2 at dimension 0, but got size 3 for argument #2 'targets'" + From },
            { "unbatched input_lengths count", TorchErrorKind.RuntimeError, "input_lengths must be of size batch_size" },
            { "integral check before blank", TorchErrorKind.RuntimeError, "input_lengths must be integral" },
            { "blank before counts", TorchErrorKind.RuntimeError, "blank must be in label range" },
            { "targets size before input_lengths", TorchErrorKind.RuntimeError, "Expected tensor to have size 5 at dimension 0, but got size 4 for argument #2 'targets'" + From },
            { "input_lengths checked in order", TorchErrorKind.RuntimeError, "Expected input_lengths to have value at most 5, but got value 9" + From },
            { "reduction", TorchErrorKind.ValueError, "7 is not a valid value for reduction" },
            { "batchmean", TorchErrorKind.ValueError, "batchmean is not a valid value for reduction" },
        };

        private static (Tensor Lp, Tensor Tg, Tensor Il, Tensor Tl, long Blank, Reduction Reduction) Build(string name) => name switch
        {
            "blank=4" => (Lp, Padded, L(5, 5), L(3, 1), 4, Reduction.Mean),
            "blank=-1" => (Lp, Padded, L(5, 5), L(3, 1), -1, Reduction.Mean),
            "input_lengths count" => (Lp, Padded, L(5, 5, 5), L(3, 1), 0, Reduction.Mean),
            "target_lengths count" => (Lp, Padded, L(5, 5), L(3), 0, Reduction.Mean),
            "float input_lengths" => (Lp, Padded, Tensor.Vector(5f, 5f), L(3, 1), 0, Reduction.Mean),
            "float target_lengths" => (Lp, Padded, L(5, 5), Tensor.Vector(3.0, 1.0), 0, Reduction.Mean),
            "input_lengths > T" => (Lp, Padded, L(5, 6), L(3, 1), 0, Reduction.Mean),
            "input_lengths < 0" => (Lp, Padded, L(-1, 6), L(3, 1), 0, Reduction.Mean),
            "target_lengths < 0 padded" => (Lp, Padded, L(5, 5), L(-1, 1), 0, Reduction.Mean),
            "target_lengths < 0 concatenated" => (Lp, Concatenated, L(5, 5), L(3, -1), 0, Reduction.Mean),
            "padded too short" => (Lp, Padded, L(5, 5), L(4, 1), 0, Reduction.Mean),
            "concatenated length" => (Lp, Concatenated, L(5, 5), L(3, 2), 0, Reduction.Mean),
            "padded batch" => (Lp, Tensor.FromArray(new long[] { 1, 2, 3 }, 1, 3), L(5, 5), L(3, 1), 0, Reduction.Mean),
            "3-D targets" => (Lp, Tensor.Zeros(DType.Int64, 2, 3, 1), L(5, 5), L(3, 1), 0, Reduction.Mean),
            "0-D targets" => (Lp, Tensor.Zeros(DType.Int64), L(5, 5), L(3, 1), 0, Reduction.Mean),
            "4-D log_probs" => (Dyadic(DType.Float32, 5, 2, 4, 1), Padded, L(5, 5), L(3, 1), 0, Reduction.Mean),
            "1-D log_probs" => (Dyadic(DType.Float32, 5), Padded, L(5, 5), L(3, 1), 0, Reduction.Mean),
            "0-D log_probs" => (Tensor.Scalar(1.0), Padded, L(5, 5), L(3, 1), 0, Reduction.Mean),
            "empty log_probs" => (Tensor.Zeros(DType.Float32, 0, 2, 4), Padded, L(5, 5), L(3, 1), 0, Reduction.Mean),
            "empty 4-D log_probs" => (Tensor.Zeros(DType.Float32, 0, 2, 4, 3), Padded, L(5, 5), L(3, 1), 0, Reduction.Mean),
            "int64 log_probs" => (Tensor.Zeros(DType.Int64, 5, 2, 4), Padded, L(5, 5), L(3, 1), 0, Reduction.Mean),
            "empty int64 log_probs" => (Tensor.Zeros(DType.Int64, 0, 2, 4), Padded, L(5, 5), L(3, 1), 0, Reduction.Mean),
            "int32 log_probs" => (Tensor.Zeros(DType.Int32, 5, 2, 4), Padded, L(5, 5), L(3, 1), 0, Reduction.Mean),
            "int32 input_lengths > T" => (Lp, Padded, Tensor.FromArray(new[] { 5, 6 }, 2), Tensor.FromArray(new[] { 3, 1 }, 2), 0, Reduction.Mean),
            "int32 target_lengths count" => (Lp, Padded, Tensor.FromArray(new[] { 5, 5 }, 2), Tensor.FromArray(new[] { 3 }, 1), 0, Reduction.Mean),
            "unbatched concatenated length" => (Dyadic(DType.Float32, 5, 4), L(1, 2, 3), L(5), L(2), 0, Reduction.Mean),
            "unbatched input_lengths count" => (Dyadic(DType.Float32, 5, 4), L(1, 2), L(5, 5), L(2), 0, Reduction.Mean),
            "integral check before blank" => (Lp, Padded, Tensor.Vector(5f, 5f), L(3, 1), 9, Reduction.Mean),
            "blank before counts" => (Lp, Padded, L(5, 5, 5), L(3), 7, Reduction.Mean),
            "targets size before input_lengths" => (Lp, Concatenated, L(9, 5), L(3, 2), 0, Reduction.Mean),
            "input_lengths checked in order" => (Lp, Padded, L(9, -1), L(3, 1), 0, Reduction.Mean),
            "reduction" => (Lp, Padded, L(5, 5), L(3, 1), 0, (Reduction)7),
            "batchmean" => (Lp, Padded, L(5, 5), L(3, 1), 0, Reduction.BatchMean),
            _ => throw new ArgumentException(name),
        };

        [Theory]
        [MemberData(nameof(Cases))]
        public void Forward_Throws(string name, TorchErrorKind kind, string message)
        {
            var c = Build(name);
            AssertTorchError(kind, message, () => Functional.CtcLoss(c.Lp, c.Tg, c.Il, c.Tl, c.Blank, c.Reduction));
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Backward_Throws(string name, TorchErrorKind kind, string message)
        {
            var c = Build(name);
            AssertTorchError(kind, message, () => Functional.CtcLossBackward(Tensor.Scalar(1.0), c.Lp, c.Tg, c.Il, c.Tl, c.Blank, c.Reduction));
        }

        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void Int32LengthsAndTargets_CastToInt64AsLibTorch(Reduction reduction)
        {
            // libtorch casts integral lengths and targets to int64 first: int32 gives the int64 result bit for bit.
            Tensor Int32(Tensor t) => Tensor.FromArray(Array.ConvertAll(t.ToArray<long>(), v => (int)v), t.ShapeArray());
            Tensor il = L(5, 4), tl = L(3, 1);
            var g = reduction == Reduction.None ? Tensor.Vector(0.5f, 2f) : Tensor.Scalar(1.0);
            Assert.True(Functional.CtcLoss(Lp, Padded, il, tl, 0, reduction).BitEquals(Functional.CtcLoss(Lp, Int32(Padded), Int32(il), Int32(tl), 0, reduction)));
            Assert.True(Functional.CtcLossBackward(g, Lp, Padded, il, tl, 0, reduction)
                .BitEquals(Functional.CtcLossBackward(g, Lp, Int32(Padded), Int32(il), tl, 0, reduction)));
        }

        [Fact]
        public void ListOverload_SameChecksWithoutIntegral()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "Expected input_lengths to have value at most 5, but got value 6" + From,
                () => Functional.CtcLoss(Lp, Padded, [5L, 6L], [3L, 1L]));
        }

        [Fact]
        public void LabelOutOfRange_IsNotATorchError()
        {
            // libtorch does not check labels and reads out of bounds; natively that is an argument error.
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CtcLoss(Lp, L(1, 4), L(5, 5), L(1, 1)));
            Assert.Contains("target label 4 of sample 1 is outside [0, 4)", e.Message);
        }
    }

    public class Module
    {
        [Fact]
        public void CTCLoss_CallsTheFunctionalForm()
        {
            var rng = new System.Random(Seed + 20);
            var k = CtcBruteForce.Random(rng, 5, 2, 4, 3, normalised: true);
            Tensor lp = CtcBruteForce.LogProbs(k, DType.Float32);
            Tensor tg = CtcBruteForce.Padded(k), il = CtcBruteForce.InputLengths(k), tl = CtcBruteForce.TargetLengths(k);
            var m = new CTCLoss(blank: 3, reduction: Reduction.Sum, zeroInfinity: true);
            Assert.Equal(3, m.Blank);
            Assert.Equal(Reduction.Sum, m.Reduction);
            Assert.True(m.ZeroInfinity);
            Assert.True(m.Forward(lp, tg, il, tl).BitEquals(Functional.CtcLoss(lp, tg, il, tl, 3, Reduction.Sum, true)));
            Tensor g = Tensor.Scalar(0.5);
            Assert.True(m.Backward(g, lp, tg, il, tl).BitEquals(Functional.CtcLossBackward(g, lp, tg, il, tl, 3, Reduction.Sum, true)));
            var d = new CTCLoss();
            Assert.Equal((0L, Reduction.Mean, false), (d.Blank, d.Reduction, d.ZeroInfinity));
        }
    }
}
