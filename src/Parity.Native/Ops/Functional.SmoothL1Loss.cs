using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.SmoothL1Loss"/>.</summary>
/// <param name="Input">∂/∂input, input-shaped in the input's dtype; null when input is an integer tensor (autograd cannot differentiate it).</param>
/// <param name="Target">∂/∂target, target-shaped in the target's dtype; null when target is an integer tensor.</param>
public readonly record struct SmoothL1LossGrads(Tensor? Input, Tensor? Target);

public static partial class Functional
{
    /// <summary><c>torch.nn.functional.smooth_l1_loss(input, target, reduction, beta)</c> (<c>nn.SmoothL1Loss</c>).</summary>
    /// <param name="input">Predictions, float32 or float64 (int64 only with beta = 0, see remarks).</param>
    /// <param name="target">Targets; broadcast against input (with a warning when the sizes differ, as in PyTorch).</param>
    /// <param name="reduction">The reduction.</param>
    /// <param name="beta">The width of the quadratic zone, ≥ 0; 0 gives <c>l1_loss</c> (Python's frontend reroutes it).</param>
    /// <returns>The loss: broadcast-shaped for 'none', else 0-D; in the promoted dtype of input and target.</returns>
    /// <exception cref="TorchException">
    /// RuntimeError when the shapes do not broadcast, when beta is negative or NaN, or (beta = 0, int64 operands) for
    /// 'mean'; NotImplementedError for two int64 operands with beta ≠ 0.
    /// </exception>
    /// <remarks>
    /// <para>With z = |x − y|: ℓ = 0.5·z·z/β when z &lt; β, else z − 0.5·β (the linear branch includes z = β). β is first
    /// rounded to the element type. libtorch's kernel evaluates both forms in the same order in its vector and scalar
    /// paths, so the values are bit-identical candidates.</para>
    /// <para>As <c>torch.nn.functional.smooth_l1_loss</c> does, a target of another size issues the "Using a target
    /// size …" UserWarning, both tensors are broadcast (<c>torch.broadcast_tensors</c>), and β == 0 (−0 included) calls
    /// <c>l1_loss</c>: ℓ = |x − y|, whose gradient at x = y is 0 (ATen's smooth_l1 kernel would give −1 there).</para>
    /// <para>'mean' divides libtorch's cascade sum by the element count (NaN when empty); 'sum' is that sum.</para>
    /// </remarks>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        int[] shape = Sl1Plan(input, target, reduction, beta, out DType type);
        bool l1 = beta == 0.0;
        if (type == DType.Int64)
        {
            return Sl1IntegerL1(input, target, shape, reduction);
        }
        return type == DType.Float32
            ? Sl1Forward<float>(input, target, shape, reduction, beta, l1)
            : Sl1Forward<double>(input, target, shape, reduction, beta, l1);
    }

    /// <summary>The gradients of <see cref="SmoothL1Loss"/> with respect to input and target.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <param name="beta">The forward beta.</param>
    /// <returns>
    /// With x − y = d and norm = 1/numel for 'mean' (else 1), rounded to the element type: ∂/∂x = −norm·g for d ≤ −β,
    /// norm·g for d ≥ β, norm·d·g/β between; ∂/∂y is the same kernel with x and y swapped. For β = 0 (l1_loss):
    /// ∂/∂x = (g/numel for 'mean')·sgn(d), ∂/∂y = −∂/∂x. Summed over broadcast dimensions back to each shape.
    /// </returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    /// <remarks>libtorch's backward kernel rounds differently in its vector lanes ((norm·(d/β))·g) and its scalar
    /// tail (((norm·d)·g)/β, where that scalar lambda compares with and divides by β as a double, so a float32 result is rounded once from double); both are reproduced, element by element, as libtorch assigns them.</remarks>
    public static SmoothL1LossGrads SmoothL1LossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        int[] shape = Sl1Plan(input, target, reduction, beta, out DType type);
        if (type == DType.Int64)
        {
            // Nothing to differentiate; the forward's errors still apply.
            _ = SmoothL1Loss(input, target, reduction, beta);
            _ = GradValues<double>(gradOutput, ReducedShape(reduction, shape));
            return new SmoothL1LossGrads(null, null);
        }
        bool l1 = beta == 0.0;
        return type == DType.Float32
            ? Sl1Backward<float>(gradOutput, input, target, shape, reduction, beta, l1)
            : Sl1Backward<double>(gradOutput, input, target, shape, reduction, beta, l1);
    }

    /// <summary>Python's frontend steps and ATen's checks; returns the broadcast shape and the computation dtype.</summary>
    private static int[] Sl1Plan(Tensor input, Tensor target, Reduction reduction, double beta, out DType type)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        // torch/nn/functional.py smooth_l1_loss: warn, broadcast_tensors, then l1_loss for beta == 0.0.
        RegressionLoss.WarnTargetSize(input, target);
        int[] shape = InferSize(input.Shape, target.Shape);
        type = Promote(input.DType, target.DType);
        if (beta == 0.0)
        {
            if (type == DType.Int64 && reduction == Reduction.Mean)
            {
                throw Runtime("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long");
            }
            return shape;
        }
        // ATen's smooth_l1_loss meta function (NaN fails the check too), then the kernel's dtype dispatch.
        if (!(beta >= 0))
        {
            throw Runtime("smooth_l1_loss does not support negative values for beta.");
        }
        if (type == DType.Int64)
        {
            throw NotImplemented("smooth_l1_cpu", DType.Int64);
        }
        return shape;
    }

    private static Tensor Sl1IntegerL1(Tensor input, Tensor target, int[] shape, Reduction reduction)
    {
        long[] x = ExpandLong(input, shape);
        long[] y = ExpandLong(target, shape);
        var loss = new long[x.Length];
        for (int i = 0; i < loss.Length; i++)
        {
            long d = unchecked(x[i] - y[i]);
            loss[i] = d < 0 ? unchecked(-d) : d;
        }
        if (reduction == Reduction.None)
        {
            return Tensor.FromArray(loss, shape);
        }
        long s = 0;
        foreach (long v in loss)
        {
            s = unchecked(s + v);
        }
        return Tensor.FromArray([s]);
    }

    private static long[] ExpandLong(Tensor t, int[] shape)
    {
        long[] src = t.ToArray<long>();
        double[] idx = Expand<double>(Tensor.FromArray(Enumerable.Range(0, src.Length).Select(i => (double)i).ToArray(), t.ShapeArray()), shape);
        return Array.ConvertAll(idx, i => src[(int)i]);
    }

    private static Tensor Sl1Forward<T>(Tensor input, Tensor target, int[] shape, Reduction reduction, double beta, bool l1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Expand<T>(input, shape);
        T[] y = Expand<T>(target, shape);
        var loss = new T[x.Length];
        T b = T.CreateTruncating(beta);
        T half = T.CreateTruncating(0.5);
        for (int i = 0; i < loss.Length; i++)
        {
            T z = T.Abs(x[i] - y[i]);
            loss[i] = l1 ? z : z < b ? half * z * z / b : z - (half * b);
        }
        return Reduce(loss, shape, reduction);
    }

    private static SmoothL1LossGrads Sl1Backward<T>(Tensor gradOutput, Tensor input, Tensor target, int[] shape, Reduction reduction, double beta, bool l1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] g = GradValues<T>(gradOutput, ReducedShape(reduction, shape));
        T[] x = Expand<T>(input, shape);
        T[] y = Expand<T>(target, shape);
        int n = x.Length;
        T[] gx, gy;
        if (l1)
        {
            // l1_loss is composite: (x − y).abs() then mean/sum; autograd gives abs' = grad·sgn(d), sub' = (grad, −grad).
            gx = new T[n];
            gy = new T[n];
            for (int i = 0; i < n; i++)
            {
                T gv = reduction switch
                {
                    Reduction.None => g[i],
                    Reduction.Mean => g[0] / T.CreateTruncating(n),
                    _ => g[0],
                };
                T d = x[i] - y[i];
                T sgn = d > T.Zero ? T.One : d < T.Zero ? -T.One : T.Zero;
                gx[i] = gv * sgn;
                gy[i] = -gx[i];
            }
        }
        else
        {
            T norm = T.CreateTruncating(reduction == Reduction.Mean ? 1.0 / n : 1.0);
            T b = T.CreateTruncating(beta);
            int[]? gShape = reduction == Reduction.None ? shape : null;
            int[] xs = BroadcastView(input.Shape, shape), ys = BroadcastView(target.Shape, shape);
            int lanes = VecReduce.Lanes<T>();
            bool[] vec = SumTo.VectorLanes(shape, [xs, ys, gShape], lanes);
            gx = Sl1BackwardKernel(x, y, g, vec, norm, b, beta, reduction == Reduction.None);
            gy = Sl1BackwardKernel(y, x, g, SumTo.VectorLanes(shape, [ys, xs, gShape], lanes), norm, b, beta, reduction == Reduction.None);
        }
        Tensor? ix = input.DType == DType.Int64 ? null : Sl1Cast(SumTo.Reduce(gx, shape, input.Shape), input);
        Tensor? iy = target.DType == DType.Int64 ? null : Sl1Cast(SumTo.Reduce(gy, shape, target.Shape), target);
        return new SmoothL1LossGrads(ix, iy);
    }

    /// <summary>smooth_l1_backward_cpu_kernel: the vector form for lanes, the scalar form for the tail.</summary>
    private static T[] Sl1BackwardKernel<T>(T[] x, T[] y, T[] g, bool[] vec, T norm, T b, double beta, bool elementwise)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new T[x.Length];
        for (int i = 0; i < r.Length; i++)
        {
            T gv = elementwise ? g[i] : g[0];
            T d = x[i] - y[i];
            if (vec[i])
            {
                T sign = d > T.Zero ? T.One : -T.One;
                T o = T.Abs(d) >= b ? sign : d / b;
                r[i] = norm * o * gv;
            }
            else
            {
                // The scalar lambda compares with and divides by the double beta (not the rounded one).
                double dd = double.CreateTruncating(d);
                r[i] = dd <= -beta ? -norm * gv : dd >= beta ? norm * gv : T.CreateTruncating(double.CreateTruncating(norm * d * gv) / beta);
            }
        }
        return r;
    }

    /// <summary>A shape written against <paramref name="full"/>'s rank (leading 1s), as the broadcast view sees it.</summary>
    private static int[] BroadcastView(ReadOnlySpan<int> own, int[] full)
    {
        var r = new int[full.Length];
        int lead = full.Length - own.Length;
        for (int i = 0; i < full.Length; i++)
        {
            r[i] = i < lead ? 1 : own[i - lead];
        }
        return r;
    }

    /// <summary>The gradient converted to the dtype of the tensor it belongs to (autograd's final cast).</summary>
    private static Tensor Sl1Cast<T>(T[] grad, Tensor like)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor t = Make(grad, like.Shape);
        return t.DType == like.DType ? t : t.To(like.DType);
    }
}
