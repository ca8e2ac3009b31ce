using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary>
    /// <c>torch.nn.functional.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)</c>
    /// (<c>nn.BCEWithLogitsLoss</c>).
    /// </summary>
    /// <param name="input">Logits, float32 or float64, any values.</param>
    /// <param name="target">Targets of the same shape (not range-checked, as in PyTorch).</param>
    /// <param name="weight">Optional weight, broadcast to the input's shape.</param>
    /// <param name="posWeight">Optional weight of the positive term (PyTorch's <c>pos_weight</c>), broadcast against the
    /// target from the last dimension, typically one value per class.</param>
    /// <param name="reduction">The reduction.</param>
    /// <returns>The loss: input-shaped for 'none', else 0-D.</returns>
    /// <exception cref="TorchException">
    /// ValueError when target's size differs from input's; RuntimeError when weight/pos_weight do not broadcast or the
    /// target is an integer tensor; NotImplementedError for an int64 input.
    /// </exception>
    /// <remarks>
    /// <para>With ls(x) = log σ(x) = min(x, 0) − log1p(exp(−|x|)) and lw = (p − 1)·y + 1 (lw = 1 without pos_weight),
    /// ℓ = w · ((1 − y)·x − lw·ls(x)). Writing log σ that way never evaluates exp of a positive number, so the loss is
    /// finite for any finite logit, however large.</para>
    /// <para>'mean' divides the sum by the element count. Each step is rounded to the dtype PyTorch gives it: when the
    /// target is float64 and the input float32, the loss is float64.</para>
    /// </remarks>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean)
    {
        var plan = PlanBceLogits(input, target, weight, posWeight, reduction);
        double[] x = input.ToDoubleArray();
        double[] y = target.ToDoubleArray();
        double[] ls = LogSigmoidRounded(input);
        int n = x.Length;
        if (posWeight is not null)
        {
            double[] lw = LogWeight(posWeight, target, plan.LogWeightShape!, plan.LogWeightType);
            double[] lwAtInput = ExpandDoubles(lw, plan.LogWeightShape!, input.Shape);
            for (int i = 0; i < n; i++)
            {
                ls[i] = R(input.DType, ls[i] * lwAtInput[i]);
            }
        }
        DType lt = target.DType;
        var loss = new double[n];
        for (int i = 0; i < n; i++)
        {
            double l = R(lt, R(lt, 1.0 - y[i]) * x[i]);
            loss[i] = R(lt, l - ls[i]);
        }
        if (weight is not null)
        {
            // loss.mul_(weight): a 0-D weight next to a loss with dimensions is first converted to the loss's dtype.
            DType wt = InPlaceOperandType(lt, input.Dim, weight);
            double[] w = ExpandDoubles(weight.ToDoubleArray(), weight.Shape, input.Shape);
            for (int i = 0; i < n; i++)
            {
                loss[i] = R(lt, loss[i] * R(wt, w[i]));
            }
        }
        return lt == DType.Float32
            ? Reduce(Array.ConvertAll(loss, v => (float)v), input.Shape, reduction)
            : Reduce(loss, input.Shape, reduction);
    }

    /// <summary>The gradient of <see cref="BinaryCrossEntropyWithLogits"/> with respect to input.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="weight">The forward weight.</param>
    /// <param name="posWeight">The forward pos_weight.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>
    /// ∂ℓ/∂x = g·w·((p·y + 1 − y)·σ(x) − p·y), which is g·w·(σ(x) − y) without pos_weight; divided by the element
    /// count for 'mean'. Input-shaped, in the input's dtype.
    /// </returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    public static Tensor BinaryCrossEntropyWithLogitsBackward(Tensor gradOutput, Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean)
    {
        var plan = PlanBceLogits(input, target, weight, posWeight, reduction);
        ArgumentNullException.ThrowIfNull(gradOutput);
        int[] outShape = ReducedShape(reduction, input.Shape);
        _ = GradValues<double>(gradOutput, outShape);
        double[] g = gradOutput.ToDoubleArray();
        double[] y = target.ToDoubleArray();
        double[] sig = input.DType == DType.Float32
            ? Array.ConvertAll(SigmoidCore(input.ToArray<float>()), v => (double)v)
            : SigmoidCore(input.ToArray<double>());
        int n = y.Length;
        var gi = new double[n];
        // libtorch's binary_cross_entropy_with_logits_backward runs with grad mode off, so it takes its in-place
        // branch: every step after the first product is written into that product's tensor, whose dtype is
        // result_type(pos_weight, target) with pos_weight (t = pos_weight·target), else the input's (sigmoid(input)).
        DType cur;
        if (posWeight is not null)
        {
            DType tt = ResultType(posWeight, target);
            double[] p = ExpandDoubles(posWeight.ToDoubleArray(), posWeight.Shape, input.Shape);
            cur = tt;
            for (int i = 0; i < n; i++)
            {
                double t = R(tt, R(tt, p[i]) * R(tt, y[i]));
                double a = R(tt, R(tt, t + 1.0) - R(tt, y[i]));
                a = R(tt, a * sig[i]);
                gi[i] = R(tt, a - t);
            }
        }
        else
        {
            cur = input.DType;
            for (int i = 0; i < n; i++)
            {
                gi[i] = R(cur, sig[i] - y[i]);
            }
        }
        // grad_input.mul_(grad) and .mul_(weight): a 0-D operand next to a grad_input with dimensions is first
        // converted to grad_input's dtype.
        DType gt = InPlaceOperandType(cur, input.Dim, gradOutput);
        for (int i = 0; i < n; i++)
        {
            gi[i] = R(cur, gi[i] * R(gt, reduction == Reduction.None ? g[i] : g[0]));
        }
        if (weight is not null)
        {
            DType wt = InPlaceOperandType(cur, input.Dim, weight);
            double[] w = ExpandDoubles(weight.ToDoubleArray(), weight.Shape, input.Shape);
            for (int i = 0; i < n; i++)
            {
                gi[i] = R(cur, gi[i] * R(wt, w[i]));
            }
        }
        if (reduction == Reduction.Mean)
        {
            for (int i = 0; i < n; i++)
            {
                gi[i] = R(cur, gi[i] / n);
            }
        }
        return input.DType == DType.Float32
            ? Tensor.FromArray(Array.ConvertAll(gi, v => (float)v), input.ShapeArray())
            : Tensor.FromArray(gi, input.ShapeArray());
    }

    private sealed record BceLogitsPlan(int[]? LogWeightShape, DType LogWeightType);

    private static BceLogitsPlan PlanBceLogits(Tensor input, Tensor target, Tensor? weight, Tensor? posWeight, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        if (!target.Shape.SequenceEqual(input.Shape))
        {
            throw Value($"Target size (torch.Size({S(target.Shape)})) must be the same as input size (torch.Size({S(input.Shape)}))");
        }
        if (input.DType == DType.Int64)
        {
            throw NotImplemented("log_sigmoid_cpu", input.DType);
        }
        int[]? lwShape = null;
        DType lwType = input.DType;
        if (posWeight is not null)
        {
            lwShape = InferSize(posWeight.Shape, target.Shape);
            // (pos_weight - 1).mul(target): a 0-D pos_weight does not widen a float32 target.
            lwType = ResultType(posWeight, target);
            CheckInPlaceBroadcast(input.Shape, lwShape);
        }
        // (1 - target).mul_(input): the loss lives in the target's dtype.
        CheckInPlaceType(target.DType, input.DType);
        if (weight is not null)
        {
            CheckInPlaceBroadcast(input.Shape, weight.Shape);
            CheckInPlaceType(target.DType, weight.DType);
        }
        return new BceLogitsPlan(lwShape, lwType);
    }

    /// <summary>log σ(x) = min(x, 0) − log1p(exp(−|x|)) in the input's dtype, widened to double.</summary>
    private static double[] LogSigmoidRounded(Tensor input)
    {
        if (input.DType == DType.Float32)
        {
            float[] x = input.ToArray<float>();
            var r = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                r[i] = LogSigmoid(x[i]);
            }
            return r;
        }
        double[] xd = input.ToArray<double>();
        var rd = new double[xd.Length];
        for (int i = 0; i < xd.Length; i++)
        {
            rd[i] = LogSigmoid(xd[i]);
        }
        return rd;
    }

    /// <summary>log σ(x) = min(x, 0) − log1p(exp(−|x|)).</summary>
    internal static T LogSigmoid<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T neg = T.IsNaN(x) ? x : T.Min(x, T.Zero);
        return neg - VecReduce.VecLog1p(VecReduce.VecExp(-T.Abs(x)));
    }

    /// <summary>(pos_weight − 1)·target + 1 with each step in its PyTorch dtype, in the broadcast shape.</summary>
    private static double[] LogWeight(Tensor posWeight, Tensor target, int[] shape, DType type)
    {
        double[] p = ExpandDoubles(posWeight.ToDoubleArray(), posWeight.Shape, shape);
        double[] y = ExpandDoubles(target.ToDoubleArray(), target.Shape, shape);
        var r = new double[p.Length];
        for (int i = 0; i < r.Length; i++)
        {
            double pm1 = R(posWeight.DType, p[i] - 1.0);
            r[i] = R(type, R(type, R(type, pm1) * R(type, y[i])) + 1.0);
        }
        return r;
    }

    /// <summary>
    /// The dtype <paramref name="operand"/> is converted to in an in-place op <c>self.op_(operand)</c> on a tensor of
    /// <paramref name="selfType"/> and <paramref name="selfDim"/> dimensions: the common dtype of the two (with the 0-D
    /// rule of <see cref="ResultType"/>). Only a 0-D operand next to a self with dimensions can be narrowed.
    /// </summary>
    private static DType InPlaceOperandType(DType selfType, int selfDim, Tensor operand) =>
        operand.Dim == 0 && selfDim > 0 && operand.DType.IsFloatingPoint() ? selfType : Promote(selfType, operand.DType);

    /// <summary>Rounds a double result to the dtype the PyTorch op writes it in (exact emulation for +, −, ×, ÷).</summary>
    private static double R(DType dtype, double v) => dtype == DType.Float32 ? (float)v : v;

    private static double[] ExpandDoubles(double[] values, ReadOnlySpan<int> from, ReadOnlySpan<int> to) =>
        Expand<double>(Tensor.FromArray(values, from.ToArray()), to);
}
