using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.MarginRankingLoss"/>.</summary>
/// <param name="Input1">∂/∂input1 (input1-shaped, its dtype); null when input1 is an integer tensor.</param>
/// <param name="Input2">∂/∂input2; null when input2 is an integer tensor.</param>
/// <param name="Target">∂/∂target (libtorch's composite differentiates it too); null when target is an integer tensor.</param>
public readonly record struct MarginRankingLossGrads(Tensor? Input1, Tensor? Input2, Tensor? Target);

public static partial class Functional
{
    /// <summary><c>torch.nn.functional.margin_ranking_loss(input1, input2, target, margin, reduction)</c> (<c>nn.MarginRankingLoss</c>).</summary>
    /// <param name="input1">First scores.</param>
    /// <param name="input2">Second scores.</param>
    /// <param name="target">+1 where input1 should rank higher, −1 where input2 should (any values are accepted).</param>
    /// <param name="margin">The margin (rounded to the element type).</param>
    /// <param name="reduction">The reduction.</param>
    /// <returns>The loss, broadcast-shaped for 'none', else 0-D. Its dtype is the promotion of the three (float32 when all are int64).</returns>
    /// <exception cref="TorchException">RuntimeError when the three do not have the same number of dimensions (Python's
    /// check), or do not broadcast.</exception>
    /// <remarks>
    /// <para>ℓ = max(0, −y·(x₁ − x₂) + margin), evaluated as libtorch's composite does: d = x₁ − x₂ in the promoted dtype
    /// of x₁ and x₂, then (−y)·d, then + margin, then clamp_min(0), which keeps a NaN. Each step is one rounding, the same
    /// in libtorch's vector and scalar paths, so values are bit-identical candidates.</para>
    /// <para>'mean' divides libtorch's cascade sum by the element count (NaN when empty).</para>
    /// </remarks>
    public static Tensor MarginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin = 0.0, Reduction reduction = Reduction.Mean)
    {
        var p = MrlPlan(input1, input2, target, reduction);
        return p.ZType == DType.Float32
            ? MrlCore<float>(p, null, input1, input2, target, margin, reduction).Loss!
            : MrlCore<double>(p, null, input1, input2, target, margin, reduction).Loss!;
    }

    /// <summary>The gradients of <see cref="MarginRankingLoss"/> with respect to input1, input2 and target.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input1">The forward input1.</param>
    /// <param name="input2">The forward input2.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="margin">The forward margin.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>
    /// With z = −y·d + margin and ĝ = g (g/numel for 'mean') where z ≥ 0 (the kink z = 0 included, NaN excluded), else 0:
    /// ∂/∂x₁ = ĝ·(−y), ∂/∂x₂ = −(ĝ·(−y)), ∂/∂y = −(ĝ·d), each summed over broadcast dimensions back to its
    /// argument's shape and converted to its dtype (so a zero gradient can be −0, as in libtorch).
    /// </returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    public static MarginRankingLossGrads MarginRankingLossBackward(Tensor gradOutput, Tensor input1, Tensor input2, Tensor target, double margin = 0.0, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        var p = MrlPlan(input1, input2, target, reduction);
        return p.ZType == DType.Float32
            ? MrlCore<float>(p, gradOutput, input1, input2, target, margin, reduction).Grads
            : MrlCore<double>(p, gradOutput, input1, input2, target, margin, reduction).Grads;
    }

    private sealed record MrlShapes(int[] Diff, int[] Full, DType DiffType, DType ProductType, DType ZType);

    private static MrlShapes MrlPlan(Tensor input1, Tensor input2, Tensor target, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input1);
        ArgumentNullException.ThrowIfNull(input2);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        // torch/nn/functional.py margin_ranking_loss: the dimension check (a RuntimeError, with a trailing space).
        if (input1.Dim != input2.Dim || input1.Dim != target.Dim)
        {
            throw Runtime($"margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: torch.Size({S(input1.Shape)}), input2: torch.Size({S(input2.Shape)}), target: torch.Size({S(target.Shape)}) ");
        }
        // ATen's composite: (-target * (input1 - input2) + margin).clamp_min_(0).
        int[] diff = InferSize(input1.Shape, input2.Shape);
        int[] full = InferSize(target.Shape, diff);
        DType diffType = Promote(input1.DType, input2.DType);
        DType productType = Promote(target.DType, diffType);
        DType zType = productType == DType.Int64 ? DType.Float32 : productType;
        return new MrlShapes(diff, full, diffType, productType, zType);
    }

    private static (Tensor? Loss, MarginRankingLossGrads Grads) MrlCore<T>(MrlShapes p, Tensor? gradOutput, Tensor input1, Tensor input2, Tensor target, double margin, Reduction reduction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Every intermediate is exact in double, then rounded to the dtype libtorch gives that tensor. Integer steps
        // run in int64 as libtorch's do (wrapping: −(−2⁶³) is −2⁶³), and an int64 operand of a floating product is
        // converted to the product's dtype directly (one rounding).
        int n = Tensor.NumelOf(p.Full);
        double[] dFull, negTFull;
        long[]? dLong = null, negTLong = null;
        if (p.DiffType == DType.Int64)
        {
            long[] a = ExpandLong(input1, p.Full), b = ExpandLong(input2, p.Full);
            dLong = new long[n];
            for (int i = 0; i < n; i++)
            {
                dLong[i] = unchecked(a[i] - b[i]);
            }
            dFull = Array.ConvertAll(dLong, v => MrlFromLong(p.ProductType, v));
        }
        else
        {
            double[] a = Expand<double>(input1, p.Diff), b = Expand<double>(input2, p.Diff);
            var d = new double[a.Length];
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = MrlRound(p.DiffType, a[i] - b[i]);
            }
            dFull = Expand<double>(Tensor.FromArray(d, p.Diff), p.Full);
        }
        if (target.DType == DType.Int64)
        {
            negTLong = Array.ConvertAll(ExpandLong(target, p.Full), v => unchecked(-v));
            negTFull = Array.ConvertAll(negTLong, v => MrlFromLong(p.ProductType, v));
        }
        else
        {
            double[] negT = Array.ConvertAll(Values<double>(target), v => -v);
            negTFull = Expand<double>(Tensor.FromArray(negT, target.ShapeArray()), p.Full);
        }
        T m = T.CreateTruncating(margin);
        var z = new T[n];
        for (int i = 0; i < n; i++)
        {
            // (−y)·d: in int64 when both are (then converted to the float result when the margin is added).
            T prod = dLong is not null && negTLong is not null
                ? T.CreateTruncating((float)unchecked(negTLong[i] * dLong[i]))
                : T.CreateTruncating(MrlRound(p.ProductType, negTFull[i] * dFull[i]));
            z[i] = prod + m;
        }
        if (gradOutput is null)
        {
            var loss = new T[n];
            for (int i = 0; i < n; i++)
            {
                loss[i] = z[i] < T.Zero ? T.Zero : z[i];
            }
            return (Reduce(loss, p.Full, reduction), default);
        }
        T[] g = GradValues<T>(gradOutput, ReducedShape(reduction, p.Full));
        var gNegT = new T[n];
        var gDiff = new T[n];
        for (int i = 0; i < n; i++)
        {
            T gv = reduction switch
            {
                Reduction.None => g[i],
                Reduction.Mean => g[0] / T.CreateTruncating(n),
                _ => g[0],
            };
            T masked = z[i] >= T.Zero ? gv : T.Zero;
            gNegT[i] = masked * T.CreateTruncating(dFull[i]);
            gDiff[i] = masked * T.CreateTruncating(negTFull[i]);
        }
        Tensor? gt = null, g1 = null, g2 = null;
        if (target.DType != DType.Int64)
        {
            T[] s = MrlToDType(SumTo.Reduce(gNegT, p.Full, target.Shape), target.DType);
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = -s[i];
            }
            gt = Sl1Cast(s, target);
        }
        if (p.DiffType != DType.Int64)
        {
            T[] sd = MrlToDType(SumTo.Reduce(gDiff, p.Full, p.Diff), p.DiffType);
            if (input1.DType != DType.Int64)
            {
                g1 = Sl1Cast(SumTo.Reduce(sd, p.Diff, input1.Shape), input1);
            }
            if (input2.DType != DType.Int64)
            {
                T[] neg = Array.ConvertAll(sd, v => -v);
                g2 = Sl1Cast(SumTo.Reduce(neg, p.Diff, input2.Shape), input2);
            }
        }
        return (null, new MarginRankingLossGrads(g1, g2, gt));
    }

    /// <summary>An int64 value converted to <paramref name="type"/> directly (float32: one rounding from the integer).</summary>
    private static double MrlFromLong(DType type, long v) => type == DType.Float32 ? (float)v : v;

    private static double MrlRound(DType type, double v) => type switch
    {
        DType.Float32 => (float)v,
        DType.Int64 => v,
        _ => v,
    };

    /// <summary>Autograd's cast of a gradient to the dtype of the tensor it flows into (float64 → float32 rounds).</summary>
    private static T[] MrlToDType<T>(T[] v, DType type)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double) && type == DType.Float32)
        {
            var r = new T[v.Length];
            for (int i = 0; i < v.Length; i++)
            {
                r[i] = T.CreateTruncating((float)double.CreateTruncating(v[i]));
            }
            return r;
        }
        return v;
    }
}
