using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.TripletMarginLoss"/> (and <see cref="Functional.TripletMarginWithDistanceLoss"/>).</summary>
/// <param name="Anchor">∂/∂anchor, shaped and typed as anchor.</param>
/// <param name="Positive">∂/∂positive, shaped and typed as positive.</param>
/// <param name="Negative">∂/∂negative, shaped and typed as negative.</param>
public readonly record struct TripletMarginLossGrads(Tensor Anchor, Tensor Positive, Tensor Negative);

public static partial class Functional
{
    /// <summary>
    /// <c>torch.nn.functional.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction)</c>
    /// (<c>nn.TripletMarginLoss</c>).
    /// </summary>
    /// <param name="anchor">(N, D) or (D); float32 or float64.</param>
    /// <param name="positive">Same rank as anchor; broadcast against it.</param>
    /// <param name="negative">Same rank as anchor; broadcast against it.</param>
    /// <param name="margin">Must be &gt; 0 (Python's check; libtorch itself accepts any margin).</param>
    /// <param name="p">The norm degree of <see cref="PairwiseDistance"/> (any real).</param>
    /// <param name="eps">Added to each difference before the norm.</param>
    /// <param name="swap">Use min(d(a, n), d(p, n)) as the negative distance.</param>
    /// <param name="reduction">The reduction.</param>
    /// <returns>'none': one loss per triplet; else 0-D.</returns>
    /// <exception cref="TorchException">
    /// ValueError when margin ≤ 0 (after the reduction check); RuntimeError when the ranks differ or shapes do not broadcast.
    /// </exception>
    /// <remarks>
    /// <para>ℓ = max((margin + d(a, p)) − d(a, n), 0) with d = pairwise_distance(·, ·, p, eps), whose ε is added to the
    /// difference. With swap, d(a, n) is replaced by the element-wise minimum with d(p, n) (NaN propagates); at a tie the
    /// minimum's gradient is split in half between the two distances, as libtorch's does.</para>
    /// <para>At ℓ's kink (margin + d(a, p) = d(a, n)) the gradient passes (the clamp's backward keeps x ≥ 0). 'mean' divides
    /// by the number of triplets (NaN when empty); the sums follow libtorch's cascade order. Mixed float32/float64 inputs
    /// are computed in float64.</para>
    /// </remarks>
    public static Tensor TripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin = 1.0, double p = 2.0, double eps = 1e-6, bool swap = false, Reduction reduction = Reduction.Mean)
    {
        TripletCheck(anchor, positive, negative, margin, reduction);
        return TripletDType(anchor, positive, negative) == DType.Float64
            ? TripletKernel<double>.Run(null, anchor, positive, negative, TripletKernel<double>.Pairwise(p, eps), margin, swap, reduction, out _)
            : TripletKernel<float>.Run(null, anchor, positive, negative, TripletKernel<float>.Pairwise(p, eps), margin, swap, reduction, out _);
    }

    /// <summary>The gradients of <see cref="TripletMarginLoss"/> with respect to anchor, positive and negative.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="anchor">The forward anchor.</param>
    /// <param name="positive">The forward positive.</param>
    /// <param name="negative">The forward negative.</param>
    /// <param name="margin">The forward margin.</param>
    /// <param name="p">The forward p.</param>
    /// <param name="eps">The forward eps.</param>
    /// <param name="swap">The forward swap.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>g (where the loss is ≥ 0) through d(a, p) with +, through the negative distance with −, then through
    /// <see cref="PairwiseDistanceBackward"/>; each tensor's contributions added.</returns>
    /// <exception cref="TorchException">As the forward; RuntimeError for int64 inputs or a gradOutput of the wrong shape.</exception>
    public static TripletMarginLossGrads TripletMarginLossBackward(Tensor gradOutput, Tensor anchor, Tensor positive, Tensor negative, double margin = 1.0, double p = 2.0, double eps = 1e-6, bool swap = false, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        TripletCheck(anchor, positive, negative, margin, reduction);
        return TripletDType(anchor, positive, negative) == DType.Float64
            ? TripletKernel<double>.Grads(gradOutput, anchor, positive, negative, TripletKernel<double>.Pairwise(p, eps), margin, swap, reduction)
            : TripletKernel<float>.Grads(gradOutput, anchor, positive, negative, TripletKernel<float>.Pairwise(p, eps), margin, swap, reduction);
    }

    /// <summary>Python's checks in order (reduction, margin), then the rank check (libtorch's or Python's, same text).</summary>
    private static void TripletCheck(Tensor anchor, Tensor positive, Tensor negative, double margin, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        ArgumentNullException.ThrowIfNull(positive);
        ArgumentNullException.ThrowIfNull(negative);
        CheckReduction(reduction);
        if (margin <= 0)
        {
            throw Value($"margin must be greater than 0, got {PythonFormat.Float(margin)}");
        }
        if (anchor.Dim != positive.Dim || positive.Dim != negative.Dim)
        {
            throw Runtime($"The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: anchor {I(anchor.Dim)}D, positive {I(positive.Dim)}D, and negative {I(negative.Dim)}D inputs");
        }
    }

    private static DType TripletDType(Tensor a, Tensor p, Tensor n)
    {
        DType dt = Promote(Promote(a.DType, p.DType), n.DType);
        return dt == DType.Float64 ? DType.Float64 : DType.Float32;
    }

    /// <summary>The triplet composite over a distance (forward and autograd backward).</summary>
    private static class TripletKernel<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public delegate T[] Distance(Tensor x, Tensor y, out int[] shape);

        /// <summary>The contributions a distance's backward adds into each input, in autograd's order.</summary>
        public delegate (T[][] G1, T[][] G2) DistanceGrad(T[] g, Tensor x, Tensor y);

        public static (Distance D, DistanceGrad G) Pairwise(double p, double eps) =>
            ((Tensor x, Tensor y, out int[] s) => DistanceKernels.PairDist<T>(x, y, p, eps, out s),
             (T[] g, Tensor x, Tensor y) =>
            {
                (T[] g1, T[] g2) = DistanceKernels.PairGrad(g, x, y, p, eps);
                return ([g1], [g2]);
            });

        public static (Distance D, DistanceGrad G) Cosine() =>
            ((Tensor x, Tensor y, out int[] s) =>
            {
                T[] c = CosineKernels.Forward<T>(x, y, 1, 1e-8, out s);
                for (int i = 0; i < c.Length; i++)
                {
                    c[i] = T.One - c[i];
                }
                return c;
            },
             (T[] g, Tensor x, Tensor y) =>
            {
                var ng = new T[g.Length];
                for (int i = 0; i < g.Length; i++)
                {
                    ng[i] = -g[i];
                }
                return CosineKernels.BackwardParts(ng, x, y, 1, 1e-8);
            });

        private static T Minimum(T x, T y) => T.IsNaN(x) || T.IsNaN(y) ? T.NaN : (y < x ? y : x);

        public static TripletMarginLossGrads Grads(Tensor gradOutput, Tensor a, Tensor p, Tensor n, (Distance D, DistanceGrad G) dist, double margin, bool swap, Reduction reduction)
        {
            if (!a.DType.IsFloatingPoint() || !p.DType.IsFloatingPoint() || !n.DType.IsFloatingPoint())
            {
                throw IntegerGrad();
            }
            Run(gradOutput, a, p, n, dist, margin, swap, reduction, out var g);
            return new TripletMarginLossGrads(
                DistanceKernels.ToDType(g.A, a.Shape, a.DType),
                DistanceKernels.ToDType(g.P, p.Shape, p.DType),
                DistanceKernels.ToDType(g.N, n.Shape, n.DType));
        }

        public static Tensor Run(Tensor? gradOutput, Tensor a, Tensor p, Tensor n, (Distance D, DistanceGrad G) dist, double margin, bool swap, Reduction reduction, out (T[] A, T[] P, T[] N) grads)
        {
            T[] dp = dist.D(a, p, out int[] sp);
            T[] dn0 = dist.D(a, n, out int[] sn0);
            T[] dn = dn0;
            int[] sn = sn0;
            T[] ds = [];
            int[] ss = [];
            if (swap)
            {
                ds = dist.D(p, n, out ss);
                sn = InferSize(sn0, ss);
                T[] x = Expand<T>(Make(dn0, sn0), sn), y = Expand<T>(Make(ds, ss), sn);
                dn = new T[x.Length];
                for (int i = 0; i < x.Length; i++)
                {
                    dn[i] = Minimum(x[i], y[i]);
                }
            }
            int[] so = InferSize(sp, sn);
            T[] dpo = Expand<T>(Make(dp, sp), so), dno = Expand<T>(Make(dn, sn), so);
            T mg = T.CreateTruncating(margin);
            var z = new T[dpo.Length];
            var loss = new T[z.Length];
            for (int i = 0; i < z.Length; i++)
            {
                z[i] = (dpo[i] + mg) - dno[i];
                loss[i] = T.IsNaN(z[i]) ? z[i] : (z[i] < T.Zero ? T.Zero : z[i]);
            }
            grads = default;
            if (gradOutput is null)
            {
                return Functional.Reduce(loss, so, reduction);
            }
            T[] g = GradValues<T>(gradOutput, ReducedShape(reduction, so));
            var gz = new T[z.Length];
            var gzn = new T[z.Length];
            for (int i = 0; i < z.Length; i++)
            {
                T gi = reduction == Reduction.None ? g[i] : reduction == Reduction.Mean ? g[0] / T.CreateTruncating(z.Length) : g[0];
                gz[i] = z[i] >= T.Zero ? gi : T.Zero;
                gzn[i] = -gz[i];
            }
            T[] gdp = DistanceKernels.SumTo(gz, so, sp);
            T[] gdn = DistanceKernels.SumTo(gzn, so, sn);
            T[] gdn0 = gdn;
            T[] gds = [];
            if (swap)
            {
                T[] x = Expand<T>(Make(dn0, sn0), sn), y = Expand<T>(Make(ds, ss), sn);
                var gx = new T[x.Length];
                var gy = new T[x.Length];
                T two = T.CreateTruncating(2);
                for (int i = 0; i < x.Length; i++)
                {
                    T share = x[i] == y[i] ? gdn[i] / two : gdn[i];
                    gx[i] = x[i] > y[i] ? T.Zero : share;
                    gy[i] = x[i] < y[i] ? T.Zero : share;
                }
                gdn0 = DistanceKernels.SumTo(gx, sn, sn0);
                gds = DistanceKernels.SumTo(gy, sn, ss);
            }
            // Autograd runs the distances' backwards from the last one built: d(p, n), then d(a, n), then d(a, p); each
            // input's buffer adds the contributions in that order.
            (T[][] ap1, T[][] ap2) = dist.G(gdp, a, p);
            (T[][] an1, T[][] an2) = dist.G(gdn0, a, n);
            T[] ga = CosineKernels.Accumulate<T>([.. an1, .. ap1]);
            T[] gpTotal, gnTotal;
            if (swap)
            {
                (T[][] pn1, T[][] pn2) = dist.G(gds, p, n);
                gpTotal = CosineKernels.Accumulate<T>([.. pn1, .. ap2]);
                gnTotal = CosineKernels.Accumulate<T>([.. pn2, .. an2]);
            }
            else
            {
                gpTotal = CosineKernels.Accumulate(ap2);
                gnTotal = CosineKernels.Accumulate(an2);
            }
            grads = (ga, gpTotal, gnTotal);
            return Functional.Reduce(loss, so, reduction);
        }
    }
}
