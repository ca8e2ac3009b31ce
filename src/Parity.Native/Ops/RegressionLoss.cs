using Parity.Native.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>
/// The bookkeeping shared by l1_loss, mse_loss, huber_loss, kl_div and soft_margin_loss: Python's checks and
/// warnings, and element arithmetic in a given dtype.
/// </summary>
/// <remarks>
/// Values are carried as float64 and rounded to float32 after every operation libtorch performs in float32. For
/// +, −, ×, ÷ of float32 operands this gives exactly the float32 result (float64 holds more than 2·24 + 2 bits, so
/// the double rounding is harmless); transcendental functions call the float32 routine itself, and sums run
/// <see cref="CascadeSum"/> on a float32 array. This lets one code path follow libtorch's type promotion
/// (float32 with float64 computes in float64; some results are then stored as float32).
/// </remarks>
internal static class RegressionLoss
{
    /// <summary>Bytes of one vector in libtorch's element-wise kernels on this build (AVX2).</summary>
    public const int VectorBytes = 32;

    /// <summary>Python's spelling of a size in messages: <c>torch.Size([2, 3])</c>.</summary>
    public static string TorchSize(ReadOnlySpan<int> shape) => $"torch.Size({S(shape)})";

    /// <summary>The reduction as Python would have spelled it (its number when it has no name).</summary>
    public static string Name(Reduction reduction) =>
        reduction is Reduction.None or Reduction.Mean or Reduction.Sum or Reduction.BatchMean ? reduction.Name() : I((int)reduction);

    /// <summary><c>_Reduction.get_enum</c>: ValueError "… is not a valid value for reduction" unless none, mean or sum.</summary>
    public static void CheckEnum(Reduction reduction)
    {
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw Value($"{Name(reduction)} is not a valid value for reduction");
        }
    }

    /// <summary>The weighted paths' own ValueError for a reduction other than none, mean, sum.</summary>
    public static TorchException InvalidMode(Reduction reduction) =>
        Value($"Invalid reduction mode: {Name(reduction)}. Expected one of 'none', 'mean', 'sum'.");

    /// <summary>The UserWarning l1/mse/huber issue when target's size differs from input's (before broadcasting).</summary>
    public static void WarnTargetSize(Tensor input, Tensor target)
    {
        if (!target.Shape.SequenceEqual(input.Shape))
        {
            TorchWarnings.Warn($"Using a target size ({TorchSize(target.Shape)}) that is different to the input size ({TorchSize(input.Shape)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.");
        }
    }

    /// <summary>The weighted paths' check, against the un-broadcast input size.</summary>
    public static void CheckWeightSize(Tensor weight, Tensor input)
    {
        if (!weight.Shape.SequenceEqual(input.Shape))
        {
            throw Value("Weights and input must have the same size.");
        }
    }

    /// <summary>Rounds a float64-carried value to <paramref name="dtype"/> (float32 rounding; float64 unchanged).</summary>
    public static double Rd(double v, DType dtype) => dtype == DType.Float32 ? (float)v : v;

    /// <summary>Values of <paramref name="t"/> broadcast to <paramref name="shape"/>, as float64, rounded to <paramref name="dtype"/>.</summary>
    public static double[] Load(Tensor t, ReadOnlySpan<int> shape, DType dtype)
    {
        double[] v = Expand<double>(t, shape);
        if (t.DType != dtype && dtype == DType.Float32)
        {
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = (float)v[i];
            }
        }
        return v;
    }

    /// <summary>The tensor of <paramref name="dtype"/> holding <paramref name="v"/> (already representable in it).</summary>
    public static Tensor ToTensor(double[] v, ReadOnlySpan<int> shape, DType dtype) =>
        Tensor.FromDoubles(dtype, v, shape.ToArray());

    /// <summary>glibc's exp/expf (what .NET calls on Linux).</summary>
    /// <remarks>libtorch's <c>at::exp</c> on float32/float64 goes to MKL VML (<c>vsExp</c>/<c>vdExp</c>), which rounds
    /// about 1 % of results differently (1 ulp): exp-based values are close, not bit-identical.</remarks>
    public static double Exp(double v, DType dtype) => dtype == DType.Float32 ? MathF.Exp((float)v) : Math.Exp(v);

    /// <summary>glibc's log/logf, as libtorch's scalar kernels (xlogy) call them.</summary>
    public static double Log(double v, DType dtype) => dtype == DType.Float32 ? MathF.Log((float)v) : Math.Log(v);

    /// <summary>SLEEF's u10 log1p: libtorch's <c>at::log1p</c> maps every element (the tail too) through the vector routine.</summary>
    public static double Log1pVec(double v, DType dtype) => dtype == DType.Float32 ? SleefFloat.Log1p((float)v) : SleefDouble.Log1p(v);

    /// <summary><c>tensor.sum()</c> in <paramref name="dtype"/> (libtorch's cascade order).</summary>
    public static double Sum(double[] v, DType dtype)
    {
        if (dtype == DType.Float32)
        {
            var f = new float[v.Length];
            for (int i = 0; i < f.Length; i++)
            {
                f[i] = (float)v[i];
            }
            return CascadeSum.All<float>(f);
        }
        return CascadeSum.All<double>(v);
    }

    /// <summary><c>tensor.mean()</c> in <paramref name="dtype"/>: the cascade sum divided by the count (NaN when empty).</summary>
    public static double Mean(double[] v, DType dtype) => Rd(Sum(v, dtype) / v.Length, dtype);

    /// <summary><c>apply_loss_reduction</c>: mean, sum, or the values themselves (any other value).</summary>
    public static Tensor ReduceLoss(double[] v, ReadOnlySpan<int> shape, DType dtype, Reduction reduction) => reduction switch
    {
        Reduction.Mean => ToTensor([Mean(v, dtype)], [], dtype),
        Reduction.Sum => ToTensor([Sum(v, dtype)], [], dtype),
        _ => ToTensor(v, shape, dtype),
    };

    /// <summary>
    /// The upstream gradient of each element of a loss of <paramref name="shape"/>: gradOutput itself for 'none', its
    /// single value for 'sum', and that value divided by the element count for 'mean' (autograd's MeanBackward:
    /// <c>grad.expand(shape) / numel</c>).
    /// </summary>
    public static double[] ElementGrad(Tensor gradOutput, ReadOnlySpan<int> shape, Reduction reduction, DType dtype)
    {
        double[] g = GradValues<double>(gradOutput, ReducedShape(reduction, shape));
        if (reduction == Reduction.None)
        {
            for (int i = 0; i < g.Length; i++)
            {
                g[i] = Rd(g[i], dtype);
            }
            return g;
        }
        int n = Tensor.NumelOf(shape);
        double v = Rd(g[0], dtype);
        if (reduction == Reduction.Mean)
        {
            v = Rd(v / n, dtype);
        }
        var r = new double[n];
        Array.Fill(r, v);
        return r;
    }

    /// <summary>
    /// <c>at::sum_to(grad, shape)</c>: the gradient of a broadcast (expand) — sums over the leading dimensions and over
    /// the dimensions where <paramref name="to"/> is 1, in <paramref name="dtype"/>.
    /// </summary>
    /// <remarks>
    /// When the summed dimensions are adjacent (one block, the usual case: a leading batch dimension, or a trailing
    /// size-1 dimension) this is libtorch's <c>sum(dims)</c> order exactly (<see cref="CascadeSum.AlongDim"/>).
    /// Summed dimensions separated by kept ones follow libtorch's multi-block order (<see cref="CascadeSum.Reduce"/>).
    /// </remarks>
    public static double[] SumTo(double[] g, ReadOnlySpan<int> from, ReadOnlySpan<int> to, DType dtype)
    {
        var plan = Ops.SumTo.Plan.Of(from, to);
        if (!plan.Any)
        {
            return g;
        }
        if (plan.OneBlock)
        {
            return AlongDim(g, plan.Outer, plan.Reduced, plan.Inner, dtype);
        }
        var reduce = plan.Reduce;
        if (dtype is DType.Float32 or DType.Float64)
        {
            return ReduceBlocks(g, from, reduce, dtype);
        }
        // Integer dtypes, several blocks: one sum per block, innermost first.
        int[] shape = from.ToArray();
        double[] cur = g;
        for (int hi = shape.Length - 1; hi >= 0; hi--)
        {
            if (!reduce[hi])
            {
                continue;
            }
            int lo = hi;
            while (lo > 0 && (reduce[lo - 1] || shape[lo - 1] == 1))
            {
                lo--;
            }
            int outer = 1, red = 1, inner = 1;
            for (int d = 0; d < lo; d++)
            {
                outer *= shape[d];
            }
            for (int d = lo; d <= hi; d++)
            {
                red *= shape[d];
                shape[d] = 1;
            }
            for (int d = hi + 1; d < shape.Length; d++)
            {
                inner *= shape[d];
            }
            cur = AlongDim(cur, outer, red, inner, dtype);
            hi = lo;
        }
        return cur;
    }

    /// <summary><see cref="CascadeSum.Reduce"/> in <paramref name="dtype"/> (float32 or float64) over doubles.</summary>
    internal static double[] ReduceBlocks(double[] v, ReadOnlySpan<int> shape, ReadOnlySpan<bool> reduce, DType dtype)
    {
        if (dtype == DType.Float32)
        {
            float[] f = Array.ConvertAll(v, x => (float)x);
            return Array.ConvertAll(CascadeSum.Reduce<float>(f, shape, reduce), x => (double)x);
        }
        return CascadeSum.Reduce<double>(v, shape, reduce);
    }

    private static double[] AlongDim(double[] v, int outer, int reduced, int inner, DType dtype)
    {
        if (dtype == DType.Float32)
        {
            var f = new float[v.Length];
            for (int i = 0; i < f.Length; i++)
            {
                f[i] = (float)v[i];
            }
            float[] rf = CascadeSum.AlongDim<float>(f, outer, reduced, inner);
            var r = new double[rf.Length];
            for (int i = 0; i < r.Length; i++)
            {
                r[i] = rf[i];
            }
            return r;
        }
        return CascadeSum.AlongDim<double>(v, outer, reduced, inner);
    }

    /// <summary>
    /// Which elements of an element-wise TensorIterator kernel (<c>cpu_kernel_vec</c> over inputs of the given
    /// shapes broadcast to <paramref name="shape"/>, writing a contiguous result) run on the vector path rather than the
    /// scalar one.
    /// </summary>
    /// <remarks>
    /// TensorIterator coalesces the innermost dimensions into rows while every operand's strides stay contiguous; a row
    /// is vectorised when every input is contiguous along it, or all but one are and that one has stride 0 (a
    /// broadcast scalar), in blocks of two vectors from the row start; the rest of the row is a scalar loop.
    /// </remarks>
    public static bool[] VectorPath(ReadOnlySpan<int> shape, DType dtype, params int[][] inputs)
    {
        int n = Tensor.NumelOf(shape);
        var mask = new bool[n];
        if (n == 0)
        {
            return mask;
        }
        int k = inputs.Length;
        int[][] strides = new int[k][];
        for (int j = 0; j < k; j++)
        {
            strides[j] = ExpandedStrides(shape, inputs[j]);
        }
        int row = 1;
        int[]? inner = null;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 1)
            {
                continue;
            }
            if (inner is null)
            {
                inner = new int[k];
                for (int j = 0; j < k; j++)
                {
                    inner[j] = strides[j][d];
                }
                row = shape[d];
                continue;
            }
            bool merge = true;
            for (int j = 0; j < k; j++)
            {
                merge &= strides[j][d] == inner[j] * row;
            }
            if (!merge)
            {
                break;
            }
            row *= shape[d];
        }
        int zeros = 0, ones = 0;
        for (int j = 0; j < k; j++)
        {
            int s = inner is null ? 1 : inner[j];
            zeros += s == 0 ? 1 : 0;
            ones += s == 1 ? 1 : 0;
        }
        if (ones + zeros != k || zeros > 1)
        {
            return mask;
        }
        int lanes = dtype == DType.Float32 ? VectorBytes / sizeof(float) : VectorBytes / sizeof(double);
        int block = 2 * lanes;
        int vectorised = row / block * block;
        for (int start = 0; start < n; start += row)
        {
            for (int i = 0; i < vectorised; i++)
            {
                mask[start + i] = true;
            }
        }
        return mask;
    }

    /// <summary>Element strides of a contiguous tensor of shape <paramref name="t"/> expanded to <paramref name="shape"/> (0 on broadcast dimensions).</summary>
    private static int[] ExpandedStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> t)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            int td = d - (shape.Length - t.Length);
            if (td >= 0)
            {
                strides[d] = t[td] == 1 && shape[d] != 1 ? 0 : s;
                s *= t[td];
            }
        }
        return strides;
    }

    /// <summary>ATen's <c>sgn</c> of a real value, (0 &lt; v) − (v &lt; 0): −1, 0 or 1, and 0 for NaN (verified on libtorch 2.10).</summary>
    public static double Sgn(double v) => v > 0 ? 1 : v < 0 ? -1 : 0;
}

/// <summary>The weighted paths Python's l1_loss, mse_loss and huber_loss compute themselves (functional.py).</summary>
internal static class WeightedLoss
{
    /// <summary>
    /// <c>weighted = loss * weight</c>, then 'none' → weighted, 'sum' → <c>torch.sum(weighted)</c>, 'mean' →
    /// <c>torch.sum(weighted) / torch.sum(weight)</c> (l1, mse) or <c>weighted.mean()</c> (huber), any other value → ValueError.
    /// </summary>
    public static Tensor Forward(double[] loss, int[] shape, DType lossType, Tensor weight, Reduction reduction, bool meanOverWeights)
    {
        DType pw = Functional.ResultTypeOf(lossType, shape.Length, weight.DType, weight.Dim);
        double[] w = RegressionLoss.Load(weight, shape, pw);
        var wl = new double[loss.Length];
        for (int i = 0; i < wl.Length; i++)
        {
            wl[i] = RegressionLoss.Rd(loss[i] * w[i], pw);
        }
        switch (reduction)
        {
            case Reduction.None:
                return RegressionLoss.ToTensor(wl, shape, pw);
            case Reduction.Sum:
                return RegressionLoss.ToTensor([RegressionLoss.Sum(wl, pw)], [], pw);
            case Reduction.Mean when meanOverWeights:
                {
                    DType rt = TorchChecks.Promote(pw, weight.DType);
                    double s = RegressionLoss.Sum(wl, pw);
                    double ws = RegressionLoss.Sum(weight.ToDoubleArray(), weight.DType);
                    return RegressionLoss.ToTensor([RegressionLoss.Rd(s / ws, rt)], [], rt);
                }
            case Reduction.Mean:
                return RegressionLoss.ToTensor([RegressionLoss.Mean(wl, pw)], [], pw);
            default:
                throw RegressionLoss.InvalidMode(reduction);
        }
    }

    /// <summary>
    /// The backward of <see cref="Forward"/>: the upstream gradient of each unweighted loss element (in
    /// <paramref name="lossType"/>) and the gradient of the weight.
    /// </summary>
    public static (double[] LossGrad, Tensor WeightGrad) Backward(Tensor gradOutput, double[] loss, int[] shape, DType lossType, Tensor weight, Reduction reduction, bool meanOverWeights)
    {
        DType pw = Functional.ResultTypeOf(lossType, shape.Length, weight.DType, weight.Dim);
        double[] w = RegressionLoss.Load(weight, shape, pw);
        int n = loss.Length;
        double[] g;
        double[]? divGrad = null;
        switch (reduction)
        {
            case Reduction.None:
            case Reduction.Sum:
                g = RegressionLoss.ElementGrad(gradOutput, shape, reduction, pw);
                break;
            case Reduction.Mean when meanOverWeights:
                {
                    DType rt = TorchChecks.Promote(pw, weight.DType);
                    double g0 = RegressionLoss.Rd(TorchChecks.GradValues<double>(gradOutput, [])[0], rt);
                    var wl = new double[n];
                    for (int i = 0; i < n; i++)
                    {
                        wl[i] = RegressionLoss.Rd(loss[i] * w[i], pw);
                    }
                    double s = RegressionLoss.Sum(wl, pw);
                    double ws = RegressionLoss.Sum(weight.ToDoubleArray(), weight.DType);
                    // DivBackward: self gets grad / other; other gets −grad · ((self / other) / other).
                    double gs = RegressionLoss.Rd(RegressionLoss.Rd(g0 / ws, rt), pw);
                    double q = RegressionLoss.Rd(RegressionLoss.Rd(s / ws, rt) / ws, rt);
                    double gws = RegressionLoss.Rd(RegressionLoss.Rd(-g0 * q, rt), weight.DType);
                    g = new double[n];
                    Array.Fill(g, gs);
                    divGrad = new double[weight.Numel];
                    Array.Fill(divGrad, gws);
                    break;
                }
            case Reduction.Mean:
                g = RegressionLoss.ElementGrad(gradOutput, shape, reduction, pw);
                break;
            default:
                throw RegressionLoss.InvalidMode(reduction);
        }
        var gl = new double[n];
        var gwFull = new double[n];
        for (int i = 0; i < n; i++)
        {
            gl[i] = RegressionLoss.Rd(RegressionLoss.Rd(g[i] * w[i], pw), lossType);
            gwFull[i] = RegressionLoss.Rd(g[i] * loss[i], pw);
        }
        double[] gw = RegressionLoss.SumTo(gwFull, shape, weight.Shape, pw);
        for (int i = 0; i < gw.Length; i++)
        {
            gw[i] = RegressionLoss.Rd(gw[i], weight.DType);
            if (divGrad is not null)
            {
                gw[i] = RegressionLoss.Rd(gw[i] + divGrad[i], weight.DType);
            }
        }
        return (gl, RegressionLoss.ToTensor(gw, weight.Shape, weight.DType));
    }
}
