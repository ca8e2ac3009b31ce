using static Parity.Native.Ops.RegressionLoss;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.HuberLoss"/>.</summary>
/// <param name="Input">∂loss/∂input, input-shaped, in input's dtype.</param>
/// <param name="Target">∂loss/∂target, target-shaped, in target's dtype.</param>
/// <param name="Weight">∂loss/∂weight when a weight was given, else null.</param>
public readonly record struct HuberLossGrads(Tensor Input, Tensor Target, Tensor? Weight);

public static partial class Functional
{
    /// <summary><c>torch.nn.functional.huber_loss(input, target, reduction, delta, weight)</c> (<c>nn.HuberLoss</c>).</summary>
    /// <param name="input">The prediction, float32 or float64.</param>
    /// <param name="target">The target; broadcast with input (with a warning when the sizes differ).</param>
    /// <param name="reduction"><see cref="Reduction.None"/>, <see cref="Reduction.Mean"/> or <see cref="Reduction.Sum"/>.</param>
    /// <param name="delta">The threshold between the quadratic and the linear piece; must be positive.</param>
    /// <param name="weight">Optional element weight, exactly input's size.</param>
    /// <returns>The loss, in input's dtype (libtorch computes in the promoted dtype and stores in input's).</returns>
    /// <exception cref="TorchException">
    /// RuntimeError for delta ≤ 0 (or NaN), non-broadcastable shapes, or an int64 input; NotImplementedError
    /// ("huber_cpu") when both are int64; ValueError for a weight whose size is not input's, or a bad reduction.
    /// </exception>
    /// <remarks>
    /// <para>With z = |x − y|: ℓ = ½z² when z &lt; δ, else δ·(z − ½δ) (so the linear piece starts at z = δ; the two
    /// pieces and their slopes agree there).</para>
    /// <para>Unweighted 'mean' is Σℓ / n. With a weight Python computes wᵢ·ℓᵢ and — unlike l1/mse — 'mean' divides by
    /// the element count n, not by Σw.</para>
    /// <para>libtorch's forward kernel (<c>huber_cpu</c>, vectorised) rounds identically on its vector and scalar paths;
    /// the forward is bit-identical. Its backward kernel does not: outside [−δ, δ] the scalar path computes
    /// (±c·g)·δ and the vector path (c·±δ)·g (c = 1/n for 'mean', else 1); this follows TensorIterator's choice of path
    /// element by element (see <see cref="RegressionLoss.VectorPath"/>).</para>
    /// </remarks>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0, Tensor? weight = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        WarnTargetSize(input, target);
        int[] shape = InferSize(input.Shape, target.Shape);
        if (weight is null)
        {
            CheckEnum(reduction);
        }
        else
        {
            CheckWeightSize(weight, input);
        }
        double[] loss = HuberValues(input, target, shape, delta);
        return weight is null
            ? ReduceLoss(loss, shape, input.DType, reduction)
            : WeightedLoss.Forward(loss, shape, input.DType, weight, reduction, meanOverWeights: false);
    }

    /// <summary>The gradients of <see cref="HuberLoss"/>.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <param name="delta">The forward delta.</param>
    /// <param name="weight">The forward weight.</param>
    /// <returns>
    /// libtorch's <c>huber_loss_backward</c>: c·x·g inside (−δ, δ) and ±c·g·δ outside (x = input − target; target: the
    /// same with the two exchanged), summed back over broadcast dimensions; weighted: with g·w (g/n·w for 'mean')
    /// as upstream gradient, and weight: g·ℓ.
    /// </returns>
    /// <exception cref="TorchException">As the forward; RuntimeError "Found dtype … but expected …" when input and target
    /// dtypes differ (libtorch's backward kernel does not promote), for an integer tensor, or a gradOutput of the wrong shape.</exception>
    public static HuberLossGrads HuberLossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0, Tensor? weight = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        int[] shape = InferSize(input.Shape, target.Shape);
        if (weight is null)
        {
            CheckEnum(reduction);
        }
        else
        {
            CheckWeightSize(weight, input);
        }
        double[] loss = HuberValues(input, target, shape, delta);
        if (target.DType != input.DType && target.DType == DType.Int64 && input.DType.IsFloatingPoint())
        {
            // huber_loss_backward's TensorIterator does not promote; an int64 target fails there, before autograd would
            // refuse it a gradient.
            throw Runtime($"Found dtype {target.DType.TorchScalarName()} but expected {input.DType.TorchScalarName()}");
        }
        RequireFloat(input, target, weight);
        DType t = input.DType;
        double[] g;
        Tensor? gw = null;
        double norm = 1.0;
        bool scalarGrad = false;
        if (weight is null)
        {
            g = GradValues<double>(gradOutput, ReducedShape(reduction, shape));
            scalarGrad = reduction != Reduction.None;
            norm = reduction == Reduction.Mean ? 1.0 / loss.Length : 1.0;
        }
        else
        {
            (g, gw) = WeightedLoss.Backward(gradOutput, loss, shape, t, weight, reduction, meanOverWeights: false);
        }
        if (target.DType != t)
        {
            throw Runtime($"Found dtype {target.DType.TorchScalarName()} but expected {t.TorchScalarName()}");
        }
        double[] x = Load(input, shape, t);
        double[] y = Load(target, shape, t);
        bool[] vec = VectorPath(shape, t, input.ShapeArray(), target.ShapeArray(), scalarGrad ? [] : shape);
        double c = Rd(norm, t), dt = Rd(delta, t);
        var gx = new double[x.Length];
        var gy = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double gv = Rd(scalarGrad ? g[0] : g[i], t);
            gx[i] = HuberGrad(Rd(x[i] - y[i], t), gv, c, dt, delta, vec[i], t);
            gy[i] = HuberGrad(Rd(y[i] - x[i], t), gv, c, dt, delta, vec[i], t);
        }
        return new HuberLossGrads(
            ToTensor(SumTo(gx, shape, input.Shape, t), input.Shape, t),
            ToTensor(SumTo(gy, shape, target.Shape, t), target.Shape, t),
            gw);
    }

    /// <summary>One element of <c>huber_backward_cpu_kernel</c>, on its vector or its scalar path.</summary>
    /// <remarks>
    /// The vector path compares with and multiplies by delta rounded to the element type; the scalar path uses the
    /// float64 delta itself: x ≤ −δ is a float64 comparison and (−c·g)·δ a float64 product rounded back (different
    /// bits for float32 when δ is not a float32 value, e.g. 0.3).
    /// </remarks>
    private static double HuberGrad(double x, double g, double c, double deltaT, double delta, bool vector, DType t)
    {
        if (vector)
        {
            return Math.Abs(x) >= deltaT
                ? Rd(Rd(c * (x > 0 ? deltaT : -deltaT), t) * g, t)
                : Rd(Rd(c * x, t) * g, t);
        }
        if (x <= -delta)
        {
            return Rd(Rd(-c * g, t) * delta, t);
        }
        return x >= delta ? Rd(Rd(c * g, t) * delta, t) : Rd(Rd(c * x, t) * g, t);
    }

    /// <summary>ATen's <c>huber_loss</c> with reduction 'none': the delta check, the dtype checks, then the element values in input's dtype.</summary>
    private static double[] HuberValues(Tensor input, Tensor target, int[] shape, double delta)
    {
        if (!(delta > 0))
        {
            throw Runtime("huber_loss does not support non-positive values for delta.");
        }
        DType p = Promote(input.DType, target.DType);
        if (p == DType.Int64)
        {
            throw NotImplemented("huber_cpu", DType.Int64);
        }
        if (input.DType == DType.Int64)
        {
            throw CantCast(p, DType.Int64);
        }
        double[] x = Load(input, shape, p);
        double[] y = Load(target, shape, p);
        double dp = Rd(delta, p);
        double half = Rd(0.5 * dp, p);
        var loss = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double z = Math.Abs(Rd(x[i] - y[i], p));
            double v = z < dp ? Rd(Rd(0.5 * z, p) * z, p) : Rd(dp * Rd(z - half, p), p);
            loss[i] = Rd(v, input.DType);
        }
        return loss;
    }
}
