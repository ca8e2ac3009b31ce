using static Parity.Native.Ops.TorchChecks;
using P = Parity.Native.Ops.PointwiseChain;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.GaussianNllLoss(Tensor, Tensor, Tensor, bool, double, Reduction)"/>.</summary>
/// <param name="Input">d loss / d input (input's shape and dtype); null for an integer input.</param>
/// <param name="Target">d loss / d target (target's shape and dtype); null for an integer target.</param>
/// <param name="Var">d loss / d var (var's shape and dtype); null when var is a number (the float overload) or an integer tensor.</param>
public readonly record struct GaussianNllLossGrads(Tensor? Input, Tensor? Target, Tensor? Var);

public static partial class Functional
{
    /// <summary>½·log(2π) as Python computes it (<c>0.5 * math.log(2 * math.pi)</c>, a double).</summary>
    private const double HalfLogTwoPi = 0.91893853320467267;

    /// <summary>
    /// <c>torch.nn.functional.gaussian_nll_loss(input, target, var, full, eps, reduction)</c> (<c>nn.GaussianNLLLoss</c>):
    /// the negative log likelihood of target under a normal distribution with mean input and variance var.
    /// </summary>
    /// <param name="input">The expectations.</param>
    /// <param name="target">The samples; broadcast with input and var (only var's shape is checked).</param>
    /// <param name="var">
    /// The variances: input's shape; input's shape without its last dimension (unsqueezed there); or input's rank with
    /// exactly one mismatching dimension whose size is 1 (PyTorch 2.10's rule). Must be non-negative.
    /// </param>
    /// <param name="full">Whether to add the constant ½·log(2π) (default false).</param>
    /// <param name="eps">The floor var is clamped to, in place, without autograd (default 1e-6).</param>
    /// <param name="reduction"><see cref="Reduction.None"/>, <see cref="Reduction.Mean"/> or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss: the broadcast shape of input, target and var for 'none', else 0-D.</returns>
    /// <exception cref="TorchException">
    /// In Python's order: ValueError <c>var has negative entry/entries</c>; ValueError <c>var is of incorrect size</c>;
    /// ValueError <c>… is not valid</c> for a bad reduction; RuntimeError when var is an int64 tensor (the in-place clamp
    /// cannot write a float into it) or when the shapes do not broadcast.
    /// </exception>
    /// <remarks>
    /// <para>ℓ = ½·(log v + (x − t)² / v) with v = max(var, eps) (NaN kept), plus ½·log(2π) when full. eps is a clamp,
    /// not an addition. The clamp is done on a clone of var under no_grad, so the gradient reaches var as if var had not
    /// been clamped: it is the gradient with respect to v, evaluated at v, also where var &lt; eps.</para>
    /// <para>The steps are Python's (torch/nn/functional.py, gaussian_nll_loss), one ATen op each: sub, pow 2 (x·x),
    /// div, log, add, mul 0.5, add the constant. 'mean' divides the cascade sum of the broadcast loss by its element
    /// count (NaN when empty). Arithmetic is bit-identical with libtorch; float32 log goes through MKL there and can differ
    /// by an ulp.</para>
    /// </remarks>
    public static Tensor GaussianNllLoss(Tensor input, Tensor target, Tensor var, bool full = false, double eps = 1e-6, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(var);
        return GaussianForward(input, target, P.Of(var), var.DType, full, eps, reduction).Loss.Reduce(reduction).ToTensor();
    }

    /// <summary>
    /// <c>gaussian_nll_loss</c> with a Python float <paramref name="var"/>: a negative value is a ValueError, otherwise var
    /// becomes <c>var * torch.ones_like(input)</c>.
    /// </summary>
    /// <param name="input">The expectations.</param>
    /// <param name="target">The samples.</param>
    /// <param name="var">One variance for every element.</param>
    /// <param name="full">Whether to add ½·log(2π).</param>
    /// <param name="eps">The clamp floor of var.</param>
    /// <param name="reduction">The reduction.</param>
    /// <returns>As <see cref="GaussianNllLoss(Tensor, Tensor, Tensor, bool, double, Reduction)"/>.</returns>
    /// <exception cref="TorchException">As the tensor overload.</exception>
    public static Tensor GaussianNllLoss(Tensor input, Tensor target, double var, bool full = false, double eps = 1e-6, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (var < 0)
        {
            throw Value("var has negative entry/entries");
        }
        return GaussianForward(input, target, FloatVar(input, var), null, full, eps, reduction).Loss.Reduce(reduction).ToTensor();
    }

    /// <summary>The gradients of the tensor-var <see cref="GaussianNllLoss(Tensor, Tensor, Tensor, bool, double, Reduction)"/>.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss (0-D for mean/sum).</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="var">The forward var.</param>
    /// <param name="full">The forward full.</param>
    /// <param name="eps">The forward eps.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>
    /// With d = x − t and v = max(var, eps): d/dx = g·2d·½/v, d/dt = −(that), d/dvar = −½g·(d²/v)/v + ½g/v, each summed
    /// over its broadcast dimensions (var's over the unsqueezed one too).
    /// </returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    public static GaussianNllLossGrads GaussianNllLossBackward(Tensor gradOutput, Tensor input, Tensor target, Tensor var, bool full = false, double eps = 1e-6, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(var);
        return GaussianBackward(gradOutput, input, target, P.Of(var), var, full, eps, reduction);
    }

    /// <summary>The gradients of the float-var <see cref="GaussianNllLoss(Tensor, Tensor, double, bool, double, Reduction)"/> (Var is null).</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="var">The forward var.</param>
    /// <param name="full">The forward full.</param>
    /// <param name="eps">The forward eps.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>The input and target gradients.</returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    public static GaussianNllLossGrads GaussianNllLossBackward(Tensor gradOutput, Tensor input, Tensor target, double var, bool full = false, double eps = 1e-6, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (var < 0)
        {
            throw Value("var has negative entry/entries");
        }
        return GaussianBackward(gradOutput, input, target, FloatVar(input, var), null, full, eps, reduction);
    }

    /// <summary><c>var * torch.ones_like(input)</c>: an input-shaped tensor of var in input's dtype (float32 for an int64 input).</summary>
    private static P FloatVar(Tensor input, double var) =>
        P.Full(input.ShapeArray(), 1, input.DType).Scalar(var, static (a, b) => a * b);

    private sealed record GaussianSteps(P Loss, P Var, int[] VarShape, P Diff, P Square, P Ratio, P LogVar);

    /// <summary>torch/nn/functional.py, gaussian_nll_loss (2.10), step for step.</summary>
    private static GaussianSteps GaussianForward(Tensor input, Tensor target, P var, DType? varTensorType, bool full, double eps, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        // Entries of a var tensor must be non-negative (torch.any(var < 0); NaN passes).
        if (varTensorType is not null && Array.Exists(var.V, static v => v < 0))
        {
            throw Value("var has negative entry/entries");
        }
        int[] varShape = var.Shape;
        int[] inShape = input.ShapeArray();
        if (!varShape.AsSpan().SequenceEqual(inShape))
        {
            if (inShape.Length > 0 && inShape.AsSpan(0, inShape.Length - 1).SequenceEqual(varShape))
            {
                // var is input's shape without the last dimension: unsqueeze(-1).
                var = P.Of(var.V, [.. varShape, 1], var.DType);
            }
            else if (!OneMismatchOfSizeOne(inShape, varShape))
            {
                throw Value("var is of incorrect size");
            }
        }
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw Value($"{P.PythonReductionName(reduction)} is not valid");
        }
        // var = var.clone(); with torch.no_grad(): var.clamp_(min=eps)
        if (var.DType == DType.Int64)
        {
            throw Runtime("result type Float can't be cast to the desired output type long int");
        }
        double floor = P.Round(var.DType, eps);
        P v = var.Map(var.DType, x => x < floor ? floor : x);
        P x = P.Of(input), t = P.Of(target);
        P diff = x - t;
        P square = diff * diff;
        P ratio = square / v;
        P logVar = v.Log();
        P loss = (logVar + ratio).Scalar(0.5, static (a, b) => a * b);
        if (full)
        {
            loss = loss.Scalar(HalfLogTwoPi, static (a, b) => a + b);
        }
        return new GaussianSteps(loss, v, varShape, diff, square, ratio, logVar);
    }

    /// <summary>
    /// 2.10's second accepted case: the same rank as input, and the sizes of var at the dimensions where it differs
    /// from input sum to 1 (<c>sum(y for x, y in zip(input.size(), var.size()) if x != y) == 1</c>): one mismatching
    /// dimension, of size 1 in var.
    /// </summary>
    private static bool OneMismatchOfSizeOne(int[] input, int[] var)
    {
        if (input.Length != var.Length)
        {
            return false;
        }
        long sum = 0;
        for (int d = 0; d < input.Length; d++)
        {
            if (input[d] != var[d])
            {
                sum += var[d];
            }
        }
        return sum == 1;
    }

    private static GaussianNllLossGrads GaussianBackward(Tensor gradOutput, Tensor input, Tensor target, P var, Tensor? varTensor, bool full, double eps, Reduction reduction)
    {
        GaussianSteps s = GaussianForward(input, target, var, varTensor?.DType, full, eps, reduction);
        P g = P.ReduceBackward(gradOutput, reduction, s.Loss.Shape, s.Loss.DType);
        // loss = 0.5 * (log v + d²/v) [+ const]: the add passes g·0.5 to both terms; the division (newer) runs first.
        P h = g.Scalar(0.5, static (a, b) => a * b);
        P hRatio = h.Edge(s.Ratio.Shape, s.Ratio.DType);
        P gSquare = (hRatio / s.Var).Edge(s.Square.Shape, s.Square.DType);
        P varFromRatio = (-hRatio * ((s.Square / s.Var) / s.Var)).Edge(s.Var.Shape, s.Var.DType);
        // pow(d, 2) backward: grad · (2 · d.pow(1)).
        P gDiff = (gSquare * s.Diff.Scalar(2, static (a, b) => a * b)).Edge(s.Diff.Shape, s.Diff.DType);
        P gx = gDiff.Edge(input.ShapeArray(), input.DType);
        P gt = (-gDiff).Edge(target.ShapeArray(), target.DType);
        P hLog = h.Edge(s.LogVar.Shape, s.LogVar.DType);
        P varFromLog = (hLog / s.Var).Edge(s.Var.Shape, s.Var.DType);
        Tensor? gv = null;
        if (varTensor is not null && varTensor.DType.IsFloatingPoint())
        {
            P sum = (varFromRatio + varFromLog).Cast(s.Var.DType);
            gv = P.Of(sum.V, s.VarShape, sum.DType).ToTensor();
        }
        return new GaussianNllLossGrads(
            input.DType.IsFloatingPoint() ? gx.ToTensor() : null,
            target.DType.IsFloatingPoint() ? gt.ToTensor() : null,
            gv);
    }
}
