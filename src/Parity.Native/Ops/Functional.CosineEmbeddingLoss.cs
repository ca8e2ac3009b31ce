using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.CosineEmbeddingLoss"/>.</summary>
/// <param name="Input1">∂/∂input1, shaped and typed as input1.</param>
/// <param name="Input2">∂/∂input2, shaped and typed as input2.</param>
public readonly record struct CosineEmbeddingLossGrads(Tensor Input1, Tensor Input2);

public static partial class Functional
{
    /// <summary>The ε of cosine_embedding_loss's squared magnitudes: the float constant 1e-12, converted to the element type.</summary>
    internal const float CosineEmbeddingEpsilon = 1e-12f;

    /// <summary><c>torch.nn.functional.cosine_embedding_loss(input1, input2, target, margin, reduction)</c> (<c>nn.CosineEmbeddingLoss</c>).</summary>
    /// <param name="input1">(N, D) with a (N) target, or (D) with a 0-D target; float32 or float64.</param>
    /// <param name="input2">Same rank as input1; broadcast against it.</param>
    /// <param name="target">1 (similar) or −1 (dissimilar), any dtype; any other value contributes 0. Broadcast against the cosines.</param>
    /// <param name="margin">The margin of the dissimilar term.</param>
    /// <param name="reduction">The reduction.</param>
    /// <returns>'none': one loss per pair (the broadcast of target and the cosines); else 0-D.</returns>
    /// <exception cref="TorchException">
    /// RuntimeError when target is not 0-D/1-D, the inputs' ranks do not fit the target's, or shapes do not broadcast.
    /// </exception>
    /// <remarks>
    /// <para>cos = Σx1·x2 / √((Σx1² + ε)(Σx2² + ε)) along the last dimension, with ε the float 1e-12 (9.99999996e-13 in
    /// float64). ℓ = 1 − cos where y = 1, max(0, cos − margin) where y = −1, 0 elsewhere.</para>
    /// <para>The three sums follow libtorch's cascade order; 'mean' divides by the number of losses (NaN when empty),
    /// 'sum' adds them (0 when empty).</para>
    /// <para>At cos = margin the dissimilar term passes its gradient (the clamp's backward keeps x ≥ 0).
    /// With mixed float32/float64 inputs each Σx² + ε is formed in its input's dtype, the rest in float64, as in libtorch.</para>
    /// <para>Not always bit-identical: libtorch's <c>sqrt_</c> goes through its vector math library (<c>at::vml::vsqrt</c>),
    /// which on this build is not correctly rounded (about 15% of float32 and 1% of float64 square roots differ in the
    /// last bit from the correctly rounded value used here), so δ, and what follows from it, can differ by an ulp.</para>
    /// </remarks>
    public static Tensor CosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, double margin = 0.0, Reduction reduction = Reduction.Mean)
    {
        CosineEmbeddingCheck(input1, input2, target, reduction);
        return ResultType(input1, input2) == DType.Float64
            ? CosineEmbeddingKernel<double>.Run(null, input1, input2, target, margin, reduction, out _)
            : CosineEmbeddingKernel<float>.Run(null, input1, input2, target, margin, reduction, out _);
    }

    /// <summary>The gradients of <see cref="CosineEmbeddingLoss"/> with respect to input1 and input2.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input1">The forward input1.</param>
    /// <param name="input2">The forward input2.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="margin">The forward margin.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>
    /// libtorch's autograd of the forward graph: with c = cos, P = Σx1·x2, δ = √(m1·m2) and ∂ℓ/∂c = −g (y = 1) or g
    /// (y = −1, c − margin ≥ 0): ∂/∂x1 = 2·x1·(∂ℓ/∂δ)·m2/(2δ) + x2·(∂ℓ/∂c)/δ with ∂ℓ/∂δ = −(∂ℓ/∂c)·c/δ; likewise for x2.
    /// </returns>
    /// <exception cref="TorchException">As the forward; RuntimeError for int64 inputs or a gradOutput of the wrong shape.</exception>
    public static CosineEmbeddingLossGrads CosineEmbeddingLossBackward(Tensor gradOutput, Tensor input1, Tensor input2, Tensor target, double margin = 0.0, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        CosineEmbeddingCheck(input1, input2, target, reduction);
        if (!input1.DType.IsFloatingPoint() || !input2.DType.IsFloatingPoint())
        {
            throw IntegerGrad();
        }
        if (ResultType(input1, input2) == DType.Float64)
        {
            CosineEmbeddingKernel<double>.Run(gradOutput, input1, input2, target, margin, reduction, out var g64);
            return new CosineEmbeddingLossGrads(DistanceKernels.ToDType(g64.G1, input1.Shape, input1.DType), DistanceKernels.ToDType(g64.G2, input2.Shape, input2.DType));
        }
        CosineEmbeddingKernel<float>.Run(gradOutput, input1, input2, target, margin, reduction, out var g32);
        return new CosineEmbeddingLossGrads(DistanceKernels.ToDType(g32.G1, input1.Shape, input1.DType), DistanceKernels.ToDType(g32.G2, input2.Shape, input2.DType));
    }

    private static void CosineEmbeddingCheck(Tensor input1, Tensor input2, Tensor target, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input1);
        ArgumentNullException.ThrowIfNull(input2);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        if (target.Dim > 1)
        {
            throw Runtime("0D or 1D target tensor expected, multi-target not supported");
        }
        if (target.Dim == 1 && (input1.Dim != 2 || input2.Dim != 2))
        {
            throw Runtime($"1D target tensor expects 2D input tensors, but found inputs with sizes {S(input1.Shape)} and {S(input2.Shape)}.");
        }
        if (target.Dim == 0 && (input1.Dim != 1 || input2.Dim != 1))
        {
            throw Runtime($"0D target tensor expects 1D input tensors, but found inputs with sizes {S(input1.Shape)} and {S(input2.Shape)}.");
        }
        int[] shape = InferSize(input1.Shape, input2.Shape);
        InferSize(target.Shape, shape.AsSpan(0, shape.Length - 1));
    }

    /// <summary>The composite of Loss.cpp, forward and (when a gradient is given) its autograd backward.</summary>
    private static class CosineEmbeddingKernel<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Tensor Run(Tensor? gradOutput, Tensor x1t, Tensor x2t, Tensor target, double margin, Reduction reduction, out (T[] G1, T[] G2) grads)
        {
            int[] shape = InferSize(x1t.Shape, x2t.Shape);
            int dim = shape.Length - 1;
            int d = shape[dim];
            int[] cShape = shape[..dim];
            int rows = Tensor.NumelOf(cShape);
            int[] oShape = InferSize(target.Shape, cShape);
            int no = Tensor.NumelOf(oShape);
            int[] s1 = x1t.ShapeArray(), s2 = x2t.ShapeArray();
            int[] m1Shape = s1[..dim], m2Shape = s2[..dim];
            // Each input's own last dimension (1 when it is broadcast against the other's, which may even be 0).
            int d1 = s1[dim], d2 = s2[dim];
            bool ints = x1t.DType == DType.Int64 && x2t.DType == DType.Int64;
            T[] x1 = Expand<T>(x1t, s1), x2 = Expand<T>(x2t, s2);
            T[] a = Expand<T>(x1t, shape), b = Expand<T>(x2t, shape);
            T eps = T.CreateTruncating((double)CosineEmbeddingEpsilon);

            // prod_sum, mag_square1, mag_square2: the sums along the last dimension, each of its own broadcast shape.
            var ab = new T[a.Length];
            for (int i = 0; i < ab.Length; i++)
            {
                ab[i] = a[i] * b[i];
            }
            T[] prod = RowSum(ab, rows, d, ints);
            T[] m1 = OwnMagSquare(x1t, x1, Tensor.NumelOf(m1Shape), d1, eps, ints);
            T[] m2 = OwnMagSquare(x2t, x2, Tensor.NumelOf(m2Shape), d2, eps, ints);
            T[] m1e = Expand<T>(Make(m1, m1Shape), cShape), m2e = Expand<T>(Make(m2, m2Shape), cShape);
            var denom = new T[rows];
            var cos = new T[rows];
            for (int r = 0; r < rows; r++)
            {
                denom[r] = T.Sqrt(m1e[r] * m2e[r]);
                cos[r] = prod[r] / denom[r];
            }
            T mg = T.CreateTruncating(margin);
            T[] cosO = Expand<T>(Make(cos, cShape), oShape);
            double[] y = Expand<double>(target, oShape);
            var loss = new T[no];
            for (int i = 0; i < no; i++)
            {
                T pos = y[i] == 1 ? T.One - cosO[i] : T.Zero;
                T z = cosO[i] - mg;
                T neg = y[i] == -1 ? (T.IsNaN(z) ? z : (z < T.Zero ? T.Zero : z)) : T.Zero;
                loss[i] = pos + neg;
            }
            grads = default;
            if (gradOutput is null)
            {
                return Functional.Reduce(loss, oShape, reduction);
            }

            T[] g = GradValues<T>(gradOutput, ReducedShape(reduction, oShape));
            var gPos = new T[no];
            var gNeg = new T[no];
            for (int i = 0; i < no; i++)
            {
                T gi = reduction == Reduction.None ? g[i] : reduction == Reduction.Mean ? g[0] / T.CreateTruncating(no) : g[0];
                T z = cosO[i] - mg;
                gPos[i] = y[i] == 1 ? gi : T.Zero;
                gNeg[i] = y[i] == -1 && z >= T.Zero ? gi : T.Zero;
            }
            T[] gp = DistanceKernels.SumTo(gPos, oShape, cShape);
            T[] gn = DistanceKernels.SumTo(gNeg, oShape, cShape);
            var gProd = new T[rows];
            var gmm = new T[rows];
            for (int r = 0; r < rows; r++)
            {
                T gc = gn[r] + (-gp[r]);
                gProd[r] = gc / denom[r];
                T gDenom = -gc * (cos[r] / denom[r]);
                gmm[r] = gDenom / (T.CreateTruncating(2) * denom[r]);
            }
            var gm1 = new T[rows];
            var gm2 = new T[rows];
            for (int r = 0; r < rows; r++)
            {
                gm1[r] = gmm[r] * m2e[r];
                gm2[r] = gmm[r] * m1e[r];
            }
            gm1 = DistanceKernels.SumTo(gm1, cShape, m1Shape);
            gm2 = DistanceKernels.SumTo(gm2, cShape, m2Shape);
            var gpa = new T[a.Length];
            var gpb = new T[a.Length];
            for (int i = 0; i < a.Length; i++)
            {
                T gpi = gProd[i / d];
                gpa[i] = gpi * b[i];
                gpb[i] = gpi * a[i];
            }
            T[] g1p = DistanceKernels.SumTo(gpa, shape, s1);
            T[] g2p = DistanceKernels.SumTo(gpb, shape, s2);
            var g1 = new T[x1.Length];
            var g2 = new T[x2.Length];
            for (int i = 0; i < g1.Length; i++)
            {
                T t = gm1[i / d1] * x1[i];
                g1[i] = (t + t) + g1p[i];
            }
            for (int i = 0; i < g2.Length; i++)
            {
                T t = gm2[i / d2] * x2[i];
                g2[i] = (t + t) + g2p[i];
            }
            grads = (g1, g2);
            return Functional.Reduce(loss, oShape, reduction);
        }

        private static T[] RowSum(T[] v, int rows, int d, bool ints)
        {
            if (ints)
            {
                // An int64 product sums exactly in int64 before the float32 arithmetic.
                var r = new T[rows];
                for (int i = 0; i < rows; i++)
                {
                    long s = 0;
                    for (int k = 0; k < d; k++)
                    {
                        s += long.CreateTruncating(v[(i * d) + k]);
                    }
                    r[i] = T.CreateTruncating(s);
                }
                return r;
            }
            return CascadeSum.AlongDim<T>(v, rows, d, 1);
        }

        /// <summary>Σx² + ε in the input's own dtype (a float32 input next to a float64 one squares and sums in float32).</summary>
        private static T[] OwnMagSquare(Tensor xt, T[] x, int rows, int d, T eps, bool ints)
        {
            if (typeof(T) == typeof(double) && xt.DType == DType.Float32)
            {
                float[] f = CosineEmbeddingKernel<float>.MagSquare(xt.ToArray<float>(), rows, d, CosineEmbeddingEpsilon, false);
                var r = new T[f.Length];
                for (int i = 0; i < f.Length; i++)
                {
                    r[i] = T.CreateTruncating(f[i]);
                }
                return r;
            }
            return MagSquare(x, rows, d, eps, ints);
        }

        internal static T[] MagSquare(T[] x, int rows, int d, T eps, bool ints)
        {
            var sq = new T[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                sq[i] = x[i] * x[i];
            }
            T[] s = RowSum(sq, rows, d, ints);
            for (int i = 0; i < s.Length; i++)
            {
                s[i] += eps;
            }
            return s;
        }
    }
}
