using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>
/// One intermediate tensor of a composite loss (poisson_nll_loss, gaussian_nll_loss, multilabel_soft_margin_loss,
/// hinge_embedding_loss): values widened to double, a shape and the dtype PyTorch gives the op that produced it.
/// </summary>
/// <remarks>
/// <para>Those losses are sequences of ATen element-wise ops (CompositeImplicitAutograd in ATen, or Python code). Each
/// step here is one such op with libtorch's broadcasting and type promotion; the result is computed in double and
/// rounded to the step's dtype, which gives the float32 result bit for bit for +, −, ×, ÷ (double has more than
/// 2·24 + 2 bits). exp and log are evaluated in the element type with glibc's functions (<see cref="MathF"/> and
/// <see cref="Math"/> on Linux). libtorch's float32 exp/log kernels go through MKL's vector math library in its x86
/// builds, so those two can differ from libtorch by an ulp; everything else is exact.</para>
/// <para>Int64 values are held exactly (|v| &lt; 2^53). The backward helpers follow autograd: a gradient reaching a
/// tensor is first summed over its broadcast dimensions (<see cref="SumTo"/>), then cast to its dtype.</para>
/// </remarks>
internal sealed class PointwiseChain
{
    private PointwiseChain(double[] values, int[] shape, DType dtype)
    {
        V = values;
        Shape = shape;
        DType = dtype;
    }

    /// <summary>The values, widened to double (row-major).</summary>
    public double[] V { get; }

    /// <summary>The shape.</summary>
    public int[] Shape { get; }

    /// <summary>The dtype the producing op writes.</summary>
    public DType DType { get; }

    public int Dim => Shape.Length;

    public int Numel => V.Length;

    public static PointwiseChain Of(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new(t.ToDoubleArray(), t.ShapeArray(), t.DType);
    }

    public static PointwiseChain Of(double[] values, int[] shape, DType dtype) => new(values, shape, dtype);

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/> rounded to <paramref name="dtype"/>.</summary>
    public static PointwiseChain Full(int[] shape, double value, DType dtype)
    {
        var v = new double[Tensor.NumelOf(shape)];
        Array.Fill(v, Round(dtype, value));
        return new(v, shape, dtype);
    }

    /// <summary>Rounds a double to what <paramref name="dtype"/> stores (truncation toward zero for Int64, as a C++ cast).</summary>
    public static double Round(DType dtype, double v) => dtype switch
    {
        DType.Float32 => (float)v,
        DType.Int64 or DType.Int32 => double.IsFinite(v) ? Math.Truncate(v) : v,
        _ => v,
    };

    /// <summary>The result dtype of <c>tensor op python-float</c>: an integer tensor becomes float32 (the default dtype).</summary>
    public static DType WithFloatScalar(DType t) => t.IsIntegral() ? DType.Float32 : t;

    public Tensor ToTensor()
    {
        Tensor r = Tensor.Zeros(DType, Shape);
        for (int i = 0; i < V.Length; i++)
        {
            r.SetDouble(i, V[i]);
        }
        return r;
    }

    public PointwiseChain Cast(DType dtype)
    {
        if (dtype == DType)
        {
            return this;
        }
        var r = new double[V.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = Round(dtype, V[i]);
        }
        return new(r, Shape, dtype);
    }

    /// <summary>The values broadcast to <paramref name="shape"/> (the caller has checked the shapes broadcast).</summary>
    public double[] ExpandTo(int[] shape) =>
        Shape.AsSpan().SequenceEqual(shape) ? V : Expand<double>(Tensor.FromArray(V, Shape), shape);

    /// <summary>A tensor-tensor op with broadcasting and PyTorch's type promotion (0-D operands included).</summary>
    public static PointwiseChain Binary(PointwiseChain a, PointwiseChain b, Func<double, double, double> op)
    {
        int[] shape = InferSize(a.Shape, b.Shape);
        DType dtype = ResultTypeOf(a, b);
        double[] x = a.Cast(dtype).ExpandTo(shape);
        double[] y = b.Cast(dtype).ExpandTo(shape);
        var r = new double[x.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = Round(dtype, op(x[i], y[i]));
        }
        return new(r, shape, dtype);
    }

    /// <summary>A tensor-scalar op <c>t op s</c> for a Python float s (s rounded to the result dtype first).</summary>
    public PointwiseChain Scalar(double s, Func<double, double, double> op)
    {
        DType dtype = WithFloatScalar(DType);
        double sv = Round(dtype, s);
        var r = new double[V.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = Round(dtype, op(Round(dtype, V[i]), sv));
        }
        return new(r, Shape, dtype);
    }

    /// <summary>A tensor-scalar op <c>t op n</c> for a Python int n (the tensor keeps its dtype).</summary>
    public PointwiseChain IntScalar(long n, Func<double, double, double> op)
    {
        var r = new double[V.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = Round(DType, op(V[i], n));
        }
        return new(r, Shape, DType);
    }

    public static PointwiseChain operator +(PointwiseChain a, PointwiseChain b) => Binary(a, b, static (x, y) => x + y);

    public static PointwiseChain operator -(PointwiseChain a, PointwiseChain b) => Binary(a, b, static (x, y) => x - y);

    public static PointwiseChain operator *(PointwiseChain a, PointwiseChain b) => Binary(a, b, static (x, y) => x * y);

    public static PointwiseChain operator /(PointwiseChain a, PointwiseChain b) =>
        Binary(a.DType.IsIntegral() && b.DType.IsIntegral() ? a.Cast(DType.Float32) : a, b, static (x, y) => x / y);

    public static PointwiseChain operator -(PointwiseChain a) => a.Map(a.DType, static v => -v);

    /// <summary>An element-wise map whose result has <paramref name="dtype"/>.</summary>
    public PointwiseChain Map(DType dtype, Func<double, double> f)
    {
        var r = new double[V.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = Round(dtype, f(V[i]));
        }
        return new(r, Shape, dtype);
    }

    /// <summary>A floating unary op (exp, log, …): an integer tensor gives float32; float32 uses the float function.</summary>
    public PointwiseChain Unary(Func<float, float> f32, Func<double, double> f64)
    {
        DType dtype = WithFloatScalar(DType);
        return dtype == DType.Float32
            ? Map(dtype, v => f32((float)v))
            : Map(dtype, f64);
    }

    public PointwiseChain Exp() => Unary(MathF.Exp, Math.Exp);

    public PointwiseChain Log() => Unary(MathF.Log, Math.Log);

    /// <summary>A boolean mask of this tensor's shape.</summary>
    public bool[] Mask(Func<double, bool> predicate)
    {
        var r = new bool[V.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = predicate(V[i]);
        }
        return r;
    }

    /// <summary><c>torch.where(mask, a, b)</c> with a mask of shape <paramref name="maskShape"/>, broadcast over all three.</summary>
    public static PointwiseChain Where(bool[] mask, int[] maskShape, PointwiseChain a, PointwiseChain b)
    {
        int[] shape = InferSize(InferSize(maskShape, a.Shape), b.Shape);
        DType dtype = ResultTypeOf(a, b);
        double[] m = Expand<double>(Tensor.FromArray(Array.ConvertAll(mask, v => v ? 1.0 : 0.0), maskShape), shape);
        double[] x = a.Cast(dtype).ExpandTo(shape);
        double[] y = b.Cast(dtype).ExpandTo(shape);
        var r = new double[m.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = m[i] != 0 ? x[i] : y[i];
        }
        return new(r, shape, dtype);
    }

    /// <summary><c>t.masked_fill(mask, value)</c> for a mask of this tensor's shape.</summary>
    public PointwiseChain MaskedFill(bool[] mask, double value)
    {
        var r = (double[])V.Clone();
        double fill = Round(DType, value);
        for (int i = 0; i < r.Length; i++)
        {
            if (mask[i])
            {
                r[i] = fill;
            }
        }
        return new(r, Shape, DType);
    }

    /// <summary>
    /// <c>self.add_(other)</c>: other must broadcast into self's shape; computed in the promoted type and rounded to self's.
    /// </summary>
    public PointwiseChain AddInPlace(PointwiseChain other)
    {
        CheckInPlaceBroadcast(Shape, other.Shape);
        DType common = ResultTypeOf(this, other);
        CheckInPlaceType(DType, common);
        double[] y = other.Cast(common).ExpandTo(Shape);
        var r = new double[V.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = Round(DType, Round(common, V[i] + y[i]));
        }
        return new(r, Shape, DType);
    }

    /// <summary><c>t.sum()</c> in libtorch's cascade order (float accumulates in float).</summary>
    public PointwiseChain SumAll() => DType.IsIntegral()
        ? new([V.Sum()], [], DType)
        : new([Typed(DType, V, static (f, _) => CascadeSum.All<float>(f), static (d, _) => CascadeSum.All<double>(d), 0)], [], DType);

    /// <summary><c>t.mean()</c>: the cascade sum divided by the element count (NaN when empty).</summary>
    public PointwiseChain MeanAll() => new([Typed(DType, V, static (f, _) => CascadeSum.Mean<float>(f), static (d, _) => CascadeSum.Mean<double>(d), 0)], [], DType);

    /// <summary><c>t.sum(dim)</c> (keepdim false) in libtorch's order for a contiguous tensor.</summary>
    public PointwiseChain SumDim(int dim)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++)
        {
            outer *= Shape[d];
        }
        for (int d = dim + 1; d < Shape.Length; d++)
        {
            inner *= Shape[d];
        }
        int reduced = Shape[dim];
        int[] shape = [.. Shape[..dim], .. Shape[(dim + 1)..]];
        double[] r = AlongDim(DType, V, outer, reduced, inner);
        return new(r, shape, DType);
    }

    /// <summary>
    /// <c>at::sum_to(grad, shape)</c>, as autograd reduces a gradient to the shape of a broadcast operand: the sum over
    /// the leading dimensions and over the dimensions where <paramref name="shape"/> has size 1.
    /// </summary>
    /// <remarks>
    /// When the reduced dimensions form one run (leading dimensions, or one block of dimensions) the sum follows
    /// libtorch's order exactly; other patterns follow libtorch's multi-block order (<see cref="CascadeSum.Reduce"/>) for
    /// floating dtypes and row-major order for integer ones.
    /// </remarks>
    public PointwiseChain SumTo(int[] shape)
    {
        if (Shape.AsSpan().SequenceEqual(shape))
        {
            return this;
        }
        var plan = Ops.SumTo.Plan.Of(Shape, shape);
        double[] r;
        if (!plan.Any)
        {
            r = (double[])V.Clone();
        }
        else if (plan.OneBlock)
        {
            r = AlongDim(DType, V, plan.Outer, plan.Reduced, plan.Inner);
        }
        else if (DType is DType.Float32 or DType.Float64)
        {
            r = RegressionLoss.ReduceBlocks(V, Shape, plan.Reduce, DType);
        }
        else
        {
            r = PlainSumTo(plan.Reduce);
        }
        return new(r, shape, DType);
    }

    private double[] PlainSumTo(bool[] reduce)
    {
        int rank = Shape.Length;
        var outStrides = new int[rank];
        int s = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            outStrides[d] = reduce[d] ? 0 : s;
            s *= reduce[d] ? 1 : Shape[d];
        }
        var acc = new double[s];
        var idx = new int[rank];
        for (int i = 0; i < V.Length; i++)
        {
            int o = 0;
            for (int d = 0; d < rank; d++)
            {
                o += idx[d] * outStrides[d];
            }
            acc[o] = Round(DType, acc[o] + V[i]);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++idx[d] < Shape[d])
                {
                    break;
                }
                idx[d] = 0;
            }
        }
        return acc;
    }

    /// <summary>A gradient arriving at a tensor of <paramref name="shape"/> and <paramref name="dtype"/>: sum_to, then cast.</summary>
    public PointwiseChain Edge(int[] shape, DType dtype) => SumTo(shape).Cast(dtype);

    private static double[] AlongDim(DType dtype, double[] v, int outer, int reduced, int inner)
    {
        if (dtype == DType.Float32)
        {
            float[] f = Array.ConvertAll(v, x => (float)x);
            return Array.ConvertAll(CascadeSum.AlongDim<float>(f, outer, reduced, inner), x => (double)x);
        }
        if (dtype == DType.Float64)
        {
            return CascadeSum.AlongDim<double>(v, outer, reduced, inner);
        }
        var r = new double[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                double acc = 0;
                for (int k = 0; k < reduced; k++)
                {
                    acc += v[(((o * reduced) + k) * inner) + j];
                }
                r[(o * inner) + j] = acc;
            }
        }
        return r;
    }

    private static double Typed(DType dtype, double[] v, Func<float[], int, float> f32, Func<double[], int, double> f64, int arg)
    {
        if (dtype == DType.Float32)
        {
            return f32(Array.ConvertAll(v, x => (float)x), arg);
        }
        if (dtype == DType.Float64)
        {
            return f64(v, arg);
        }
        throw Runtime("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long");
    }

    /// <summary>
    /// The string Python would hold for <paramref name="reduction"/> (<c>batchmean</c> for <see cref="Reduction.BatchMean"/>,
    /// the number for a value outside the enum), for the frontends' own "is not valid" messages.
    /// </summary>
    public static string PythonReductionName(Reduction reduction) =>
        Enum.IsDefined(reduction) ? reduction.Name() : I((int)reduction);

    /// <summary>
    /// Applies a reduction to a finished loss (<c>apply_loss_reduction</c> in ATen, the same three branches in Python):
    /// 'mean' is the cascade sum over the element count, 'sum' the cascade sum, 'none' the loss itself.
    /// </summary>
    public PointwiseChain Reduce(Reduction reduction) => reduction switch
    {
        Reduction.Mean => MeanAll(),
        Reduction.Sum => SumAll(),
        _ => this,
    };

    /// <summary>
    /// The gradient autograd hands to the unreduced loss of <paramref name="shape"/>: gradOutput itself for 'none';
    /// the 0-D gradient expanded for 'sum'; expanded and divided by the element count for 'mean' (<c>mean_backward</c>).
    /// </summary>
    public static PointwiseChain ReduceBackward(Tensor gradOutput, Reduction reduction, int[] shape, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        int[] outShape = ReducedShape(reduction, shape);
        if (!gradOutput.Shape.SequenceEqual(outShape))
        {
            throw Runtime($"Mismatch in shape: grad_output[0] has a shape of torch.Size({S(gradOutput.Shape)}) and output[0] has a shape of torch.Size({S(outShape)}).");
        }
        PointwiseChain g = Of(gradOutput).Cast(dtype);
        if (reduction == Reduction.None)
        {
            return g;
        }
        int n = Tensor.NumelOf(shape);
        double v = reduction == Reduction.Mean ? Round(dtype, g.V[0] / Round(dtype, n)) : g.V[0];
        return Full(shape, v, dtype);
    }

    /// <summary>The result dtype of a tensor-tensor op (PyTorch's promotion with the 0-D rule).</summary>
    public static DType ResultTypeOf(PointwiseChain a, PointwiseChain b)
    {
        if ((a.Dim == 0) == (b.Dim == 0))
        {
            return Promote(a.DType, b.DType);
        }
        (PointwiseChain dimensioned, PointwiseChain zeroDim) = a.Dim == 0 ? (b, a) : (a, b);
        return zeroDim.DType.IsFloatingPoint() && !dimensioned.DType.IsFloatingPoint() ? zeroDim.DType : dimensioned.DType;
    }
}
