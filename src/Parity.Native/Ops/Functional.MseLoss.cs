using static Parity.Native.Ops.RegressionLoss;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.MseLoss"/>.</summary>
/// <param name="Input">∂loss/∂input, input-shaped, in input's dtype.</param>
/// <param name="Target">∂loss/∂target, target-shaped, in target's dtype.</param>
/// <param name="Weight">∂loss/∂weight when a weight was given, else null.</param>
public readonly record struct MseLossGrads(Tensor Input, Tensor Target, Tensor? Weight);

public static partial class Functional
{
    /// <summary><c>torch.nn.functional.mse_loss(input, target, reduction, weight)</c> (<c>nn.MSELoss</c>).</summary>
    /// <param name="input">The prediction, float32 or float64.</param>
    /// <param name="target">The target; broadcast with input (with a warning when the sizes differ); may be int64.</param>
    /// <param name="reduction"><see cref="Reduction.None"/>, <see cref="Reduction.Mean"/> or <see cref="Reduction.Sum"/>.</param>
    /// <param name="weight">Optional element weight, exactly input's size.</param>
    /// <returns>The loss: broadcast-shaped for 'none', else 0-D; dtype the promotion of input and target (and weight).</returns>
    /// <exception cref="TorchException">
    /// RuntimeError when input and target do not broadcast; NotImplementedError when both are int64 ("mse_cpu");
    /// ValueError for a weight whose size is not input's, or a reduction other than none/mean/sum.
    /// </exception>
    /// <remarks>
    /// <para>ℓᵢ = (xᵢ − yᵢ)² after Python's <c>broadcast_tensors(input, target)</c>. Without a weight, 'mean' is Σℓ / n;
    /// with one, Python computes wᵢ·ℓᵢ and 'mean' is Σwᵢℓᵢ / Σwᵢ.</para>
    /// <para>libtorch's kernel (<c>mse_cpu</c>, a vectorised TensorIterator loop) computes d·d, which the vector and the
    /// scalar paths round identically, and reduces with <c>at::sum</c>/<c>at::mean</c> (the cascade sum, then ÷ n):
    /// results are bit-identical.</para>
    /// </remarks>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, Tensor? weight = null)
    {
        int[] shape = L1Prologue(input, target, weight);
        DType p = Promote(input.DType, target.DType);
        if (weight is null)
        {
            CheckEnum(reduction);
        }
        if (p == DType.Int64)
        {
            if (weight is not null)
            {
                throw new NotSupportedException("mse_loss with int64 input and target and a weight is not implemented natively.");
            }
            throw NotImplemented("mse_cpu", DType.Int64);
        }
        double[] sq = MseSquares(input, target, shape, p, out _);
        return weight is null
            ? ReduceLoss(sq, shape, p, reduction)
            : WeightedLoss.Forward(sq, shape, p, weight, reduction, meanOverWeights: true);
    }

    /// <summary>The gradients of <see cref="MseLoss"/>.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <param name="weight">The forward weight.</param>
    /// <returns>
    /// Unweighted: libtorch's <c>mse_loss_backward</c>, (c·(x − y))·g with c = 2/n for 'mean' and 2 otherwise (target:
    /// the same with x and y exchanged), then summed back over broadcast dimensions. Weighted: G·w·(2d) with
    /// G = g, or g/Σw for 'mean'; weight: G·d² (minus g·L/Σw for 'mean').
    /// </returns>
    /// <exception cref="TorchException">As the forward; RuntimeError for an integer tensor (no gradient) or a gradOutput of the wrong shape.</exception>
    public static MseLossGrads MseLossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean, Tensor? weight = null)
    {
        int[] shape = L1Prologue(input, target, weight);
        if (weight is null && target.DType != input.DType)
        {
            // mse_loss_backward's TensorIterator does not promote: the target (an int64 one too) must have input's dtype.
            CheckEnum(reduction);
            throw Runtime($"Found dtype {target.DType.TorchScalarName()} but expected {input.DType.TorchScalarName()}");
        }
        RequireFloat(input, target, weight);
        DType p = Promote(input.DType, target.DType);
        double[] sq = MseSquares(input, target, shape, p, out double[] d);
        double[] x = Load(input, shape, p);
        double[] y = Load(target, shape, p);
        int n = d.Length;
        var gx = new double[n];
        var gy = new double[n];
        Tensor? gw = null;
        if (weight is null)
        {
            CheckEnum(reduction);
            double[] g = GradValues<double>(gradOutput, ReducedShape(reduction, shape));
            double norm = Rd(reduction == Reduction.Mean ? 2.0 / n : 2.0, p);
            for (int i = 0; i < n; i++)
            {
                double gv = Rd(reduction == Reduction.None ? g[i] : g[0], p);
                gx[i] = Rd(Rd(Rd(norm * d[i], p) * gv, p), input.DType);
                // mse_loss_backward(grad, target, input): y − x, so a zero difference stays +0.
                gy[i] = Rd(Rd(Rd(norm * Rd(y[i] - x[i], p), p) * gv, p), target.DType);
            }
        }
        else
        {
            (double[] gl, gw) = WeightedLoss.Backward(gradOutput, sq, shape, p, weight, reduction, meanOverWeights: true);
            for (int i = 0; i < n; i++)
            {
                // pow(d, 2)'s backward: grad · (2 · d); then the subtraction's: +, −.
                double gd = Rd(gl[i] * Rd(2 * d[i], p), p);
                gx[i] = Rd(gd, input.DType);
                gy[i] = Rd(-gd, TargetGradType(target, p));
            }
        }
        return new MseLossGrads(
            ToTensor(SumTo(gx, shape, input.Shape, input.DType), input.Shape, input.DType),
            ToTensor(SumTo(gy, shape, target.Shape, TargetGradType(target, p)), target.Shape, TargetGradType(target, p)),
            gw);
    }

    /// <summary>The dtype of the target's gradient entry: its own, or the promoted one for an integer target (which autograd does not differentiate).</summary>
    private static DType TargetGradType(Tensor target, DType promoted) => target.DType.IsFloatingPoint() ? target.DType : promoted;

    private static double[] MseSquares(Tensor input, Tensor target, int[] shape, DType p, out double[] diff)
    {
        diff = Load(input, shape, p);
        double[] y = Load(target, shape, p);
        var sq = new double[diff.Length];
        for (int i = 0; i < sq.Length; i++)
        {
            diff[i] = Rd(diff[i] - y[i], p);
            sq[i] = Rd(diff[i] * diff[i], p);
        }
        return sq;
    }
}
