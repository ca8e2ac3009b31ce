using static Parity.Native.Ops.RegressionLoss;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.L1Loss"/>.</summary>
/// <param name="Input">∂loss/∂input, input-shaped, in input's dtype.</param>
/// <param name="Target">∂loss/∂target, target-shaped, in target's dtype.</param>
/// <param name="Weight">∂loss/∂weight when a weight was given, else null.</param>
public readonly record struct L1LossGrads(Tensor Input, Tensor Target, Tensor? Weight);

public static partial class Functional
{
    /// <summary><c>torch.nn.functional.l1_loss(input, target, reduction, weight)</c> (<c>nn.L1Loss</c>).</summary>
    /// <param name="input">The prediction, float32 or float64 (int64 for 'none'/'sum' without a weight, as libtorch).</param>
    /// <param name="target">The target; broadcast with input (with a warning when the sizes differ).</param>
    /// <param name="reduction"><see cref="Reduction.None"/>, <see cref="Reduction.Mean"/> or <see cref="Reduction.Sum"/>.</param>
    /// <param name="weight">Optional element weight, exactly input's size.</param>
    /// <returns>The loss: broadcast-shaped for 'none', else 0-D; dtype the promotion of input and target (and weight).</returns>
    /// <exception cref="TorchException">
    /// RuntimeError when input and target do not broadcast, or 'mean' of int64 values; ValueError for a weight whose
    /// size is not input's, or a reduction other than none/mean/sum.
    /// </exception>
    /// <remarks>
    /// <para>ℓᵢ = |xᵢ − yᵢ| after Python's <c>broadcast_tensors(input, target)</c> (warned about when the sizes differ:
    /// "Using a target size … is different to the input size …").</para>
    /// <para>Without a weight, 'mean' is Σℓ / n (n the broadcast element count; NaN when empty). With a weight, Python
    /// computes wᵢ·ℓᵢ itself and 'mean' is Σwᵢℓᵢ / Σwᵢ — not divided by n.</para>
    /// <para>Element values are exact; the sums follow libtorch's cascade order, so results are bit-identical
    /// (libtorch: <c>(input - target).abs()</c> then <c>mean()</c>/<c>sum()</c>).</para>
    /// </remarks>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, Tensor? weight = null)
    {
        int[] shape = L1Prologue(input, target, weight);
        DType p = Promote(input.DType, target.DType);
        if (p == DType.Int64)
        {
            return L1Int64(input, target, shape, reduction, weight);
        }
        double[] d = L1Abs(input, target, shape, p);
        if (weight is null)
        {
            CheckEnum(reduction);
            return ReduceLoss(d, shape, p, reduction);
        }
        return WeightedLoss.Forward(d, shape, p, weight, reduction, meanOverWeights: true);
    }

    /// <summary>The gradients of <see cref="L1Loss"/>.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <param name="weight">The forward weight.</param>
    /// <returns>
    /// Input: G·sgn(x − y) summed back over broadcast dimensions (G = g, g/n for 'mean', or (g/Σw)·w when weighted);
    /// target: the negation; weight: G·|x − y| (minus g·L/Σw for a weighted 'mean'). sgn(0) = 0.
    /// </returns>
    /// <exception cref="TorchException">As the forward; RuntimeError for an int64 input, target or weight (it cannot
    /// require a gradient) or a gradOutput of the wrong shape.</exception>
    public static L1LossGrads L1LossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean, Tensor? weight = null)
    {
        int[] shape = L1Prologue(input, target, weight);
        RequireFloat(input, target, weight);
        DType p = Promote(input.DType, target.DType);
        double[] diff = Load(input, shape, p);
        double[] y = Load(target, shape, p);
        var abs = new double[diff.Length];
        for (int i = 0; i < diff.Length; i++)
        {
            diff[i] = Rd(diff[i] - y[i], p);
            abs[i] = Math.Abs(diff[i]);
        }
        double[] gd;
        Tensor? gw = null;
        if (weight is null)
        {
            CheckEnum(reduction);
            gd = ElementGrad(gradOutput, shape, reduction, p);
        }
        else
        {
            (gd, gw) = WeightedLoss.Backward(gradOutput, abs, shape, p, weight, reduction, meanOverWeights: true);
        }
        for (int i = 0; i < gd.Length; i++)
        {
            gd[i] = Rd(gd[i] * Sgn(diff[i]), p);
        }
        return new L1LossGrads(SubGradSelf(gd, shape, input, p), SubGradOther(gd, shape, target, p), gw);
    }

    private static int[] L1Prologue(Tensor input, Tensor target, Tensor? weight)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        WarnTargetSize(input, target);
        int[] shape = InferSize(input.Shape, target.Shape);
        if (weight is not null)
        {
            CheckWeightSize(weight, input);
        }
        return shape;
    }

    private static double[] L1Abs(Tensor input, Tensor target, int[] shape, DType p)
    {
        double[] x = Load(input, shape, p);
        double[] y = Load(target, shape, p);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = Math.Abs(Rd(x[i] - y[i], p));
        }
        return x;
    }

    /// <summary>l1 on two int64 tensors: libtorch computes |x − y| in int64; 'sum' sums in int64, 'mean' has no int64 mean.</summary>
    private static Tensor L1Int64(Tensor input, Tensor target, int[] shape, Reduction reduction, Tensor? weight)
    {
        long[] x = ExpandInt64(input, shape);
        long[] y = ExpandInt64(target, shape);
        var d = new long[x.Length];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = Math.Abs(unchecked(x[i] - y[i]));
        }
        if (weight is not null && weight.DType.IsFloatingPoint())
        {
            var dd = new double[d.Length];
            for (int i = 0; i < d.Length; i++)
            {
                dd[i] = Rd(d[i], weight.DType);
            }
            return WeightedLoss.Forward(dd, shape, weight.DType, weight, reduction, meanOverWeights: true);
        }
        if (weight is not null)
        {
            long[] w = ExpandInt64(weight, shape);
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = unchecked(d[i] * w[i]);
            }
            return reduction switch
            {
                Reduction.None => Tensor.FromArray(d, shape),
                Reduction.Sum => Tensor.FromArray([LongSum(d)], []),
                // torch.sum(long) / torch.sum(long) is a true division: both sums cast to the default dtype, float32.
                Reduction.Mean => Tensor.FromArray([(float)LongSum(d) / (float)LongSum(weight.ToArray<long>())], []),
                _ => throw InvalidMode(reduction),
            };
        }
        CheckEnum(reduction);
        return reduction switch
        {
            Reduction.None => Tensor.FromArray(d, shape),
            Reduction.Sum => Tensor.FromArray([LongSum(d)], []),
            _ => throw Runtime("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long"),
        };
    }

    private static long LongSum(long[] v)
    {
        long s = 0;
        foreach (long x in v)
        {
            s = unchecked(s + x);
        }
        return s;
    }

    private static long[] ExpandInt64(Tensor t, int[] shape)
    {
        double[] v = Expand<double>(t, shape);
        long[] src = t.ToArray<long>();
        if (t.Shape.SequenceEqual(shape))
        {
            return src;
        }
        // Expand through indices so values beyond 2^53 stay exact.
        var idx = new double[t.Numel];
        for (int i = 0; i < idx.Length; i++)
        {
            idx[i] = i;
        }
        double[] where = Expand<double>(Tensor.FromDoubles(DType.Float64, idx, t.ShapeArray()), shape);
        var r = new long[v.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = src[(int)where[i]];
        }
        return r;
    }

    /// <summary>The dtype of <c>a * b</c> for tensors of the given dtypes and ranks (a 0-D operand does not promote a dimensioned one of its category).</summary>
    internal static DType ResultTypeOf(DType a, int rankA, DType b, int rankB)
    {
        if ((rankA == 0) == (rankB == 0))
        {
            return Promote(a, b);
        }
        (DType dimensioned, DType zeroDim) = rankA == 0 ? (b, a) : (a, b);
        return zeroDim.IsFloatingPoint() && !dimensioned.IsFloatingPoint() ? zeroDim : dimensioned;
    }

    /// <summary>The backward ops cannot run on integer tensors: autograd refuses them a gradient.</summary>
    internal static void RequireFloat(Tensor input, Tensor target, Tensor? weight)
    {
        // Only the input must be floating: autograd differentiates the floating tensors and leaves an integer target or
        // weight without a gradient (its entry is then computed in the promoted dtype and means nothing).
        _ = target;
        _ = weight;
        if (!input.DType.IsFloatingPoint())
        {
            throw IntegerGrad();
        }
    }

    /// <summary>The gradient of <c>a − b</c> for a: the broadcast gradient summed back to a's shape, in a's dtype.</summary>
    internal static Tensor SubGradSelf(double[] g, int[] shape, Tensor a, DType p)
    {
        DType t = a.DType.IsFloatingPoint() ? a.DType : p;
        double[] r = Rounded(g, t);
        return ToTensor(SumTo(r, shape, a.Shape, t), a.Shape, t);
    }

    /// <summary>The gradient of <c>a − b</c> for b: the negated gradient summed back to b's shape, in b's dtype.</summary>
    internal static Tensor SubGradOther(double[] g, int[] shape, Tensor b, DType p)
    {
        DType t = b.DType.IsFloatingPoint() ? b.DType : p;
        var r = new double[g.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = Rd(-g[i], t);
        }
        return ToTensor(SumTo(r, shape, b.Shape, t), b.Shape, t);
    }

    internal static double[] Rounded(double[] v, DType dtype)
    {
        var r = new double[v.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = Rd(v[i], dtype);
        }
        return r;
    }
}
