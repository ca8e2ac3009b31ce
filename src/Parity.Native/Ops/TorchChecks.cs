using System.Globalization;
using System.Numerics;

namespace Parity.Native.Ops;

/// <summary>
/// The one place where the ops raise PyTorch's errors and do the shape and dtype bookkeeping that libtorch's
/// TensorIterator does for them (broadcasting, in-place result types).
/// </summary>
internal static class TorchChecks
{
    /// <summary>PyTorch's spelling of a shape in messages: <c>[2, 3]</c>.</summary>
    public static string S(ReadOnlySpan<int> shape) => Tensor.ShapeString(shape);

    public static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    public static TorchException Runtime(string message) => new(TorchErrorKind.RuntimeError, message);

    public static TorchException Value(string message) => new(TorchErrorKind.ValueError, message);

    public static TorchException Index(string message) => new(TorchErrorKind.IndexError, message);

    /// <summary><c>AT_DISPATCH_*</c>'s message for a dtype the kernel has no instance for.</summary>
    public static TorchException NotImplemented(string kernel, DType dtype) =>
        new(TorchErrorKind.NotImplementedError, $"\"{kernel}\" not implemented for '{dtype.TorchScalarName()}'");

    /// <summary><c>data_ptr&lt;T&gt;()</c>'s check: <c>expected scalar type Long but found Float</c>.</summary>
    public static TorchException ExpectedScalarType(DType expected, DType found) =>
        Runtime($"expected scalar type {expected.TorchScalarName()} but found {found.TorchScalarName()}");

    /// <summary>The in-place type-promotion error: <c>result type Double can't be cast to the desired output type Float</c>.</summary>
    public static TorchException CantCast(DType result, DType output) =>
        Runtime($"result type {result.TorchScalarName()} can't be cast to the desired output type {output.TorchScalarName()}");

    /// <summary>Autograd's message for asking a gradient of an integer tensor.</summary>
    public static TorchException IntegerGrad() =>
        Runtime("only Tensors of floating point and complex dtype can require gradients");

    /// <summary>Type promotion between two dtypes as PyTorch does it for tensor-tensor ops.</summary>
    public static DType Promote(DType a, DType b)
    {
        if (a == DType.Float64 || b == DType.Float64)
        {
            return DType.Float64;
        }
        if (a == DType.Float32 || b == DType.Float32)
        {
            return DType.Float32;
        }
        return a == DType.Int32 && b == DType.Int32 ? DType.Int32 : DType.Int64;
    }

    /// <summary>
    /// The result dtype of a tensor-tensor op <c>a.op(b)</c> with PyTorch's rule for 0-D tensors: a 0-D operand next to
    /// an operand with dimensions decides the dtype only when its category is higher (floating next to integer); a
    /// float64 0-D tensor times a float32 (N) tensor is float32.
    /// </summary>
    public static DType ResultType(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if ((a.Dim == 0) == (b.Dim == 0))
        {
            return Promote(a.DType, b.DType);
        }
        (Tensor dimensioned, Tensor zeroDim) = a.Dim == 0 ? (b, a) : (a, b);
        return zeroDim.DType.IsFloatingPoint() && !dimensioned.DType.IsFloatingPoint() ? zeroDim.DType : dimensioned.DType;
    }

    /// <summary>
    /// Checks an in-place op <c>self.op_(other)</c>: the promoted type must be castable to self's type. Only a
    /// floating result into an integer tensor is refused (a float64 result is rounded into a float32 tensor).
    /// </summary>
    public static void CheckInPlaceType(DType self, DType other)
    {
        DType result = Promote(self, other);
        if (self.IsIntegral() && result.IsFloatingPoint())
        {
            throw CantCast(result, self);
        }
    }

    /// <summary>
    /// <c>self.mul_(other)</c> on an already expanded operand: computed in the promoted type and rounded back,
    /// which differs from a float multiply only when other is float64 and self float32.
    /// </summary>
    public static void MulInPlace<T>(T[] self, Tensor other, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && other.DType == DType.Float64)
        {
            double[] w = Expand<double>(other, shape);
            var f = (float[])(object)self;
            for (int i = 0; i < f.Length; i++)
            {
                f[i] = (float)(f[i] * w[i]);
            }
            return;
        }
        T[] v = Expand<T>(other, shape);
        for (int i = 0; i < self.Length; i++)
        {
            self[i] *= v[i];
        }
    }

    /// <summary>
    /// <c>at::infer_size(a, b)</c>: the broadcast shape, or PyTorch's message naming the rightmost mismatching dimension.
    /// </summary>
    public static int[] InferSize(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int dims = Math.Max(a.Length, b.Length);
        var result = new int[dims];
        for (int i = dims - 1; i >= 0; i--)
        {
            int offset = dims - 1 - i;
            int dimA = a.Length - 1 - offset;
            int dimB = b.Length - 1 - offset;
            int sizeA = dimA >= 0 ? a[dimA] : 1;
            int sizeB = dimB >= 0 ? b[dimB] : 1;
            if (sizeA != sizeB && sizeA != 1 && sizeB != 1)
            {
                throw Runtime($"The size of tensor a ({I(sizeA)}) must match the size of tensor b ({I(sizeB)}) at non-singleton dimension {I(i)}");
            }
            result[i] = sizeA == 1 ? sizeB : sizeA;
        }
        return result;
    }

    /// <summary>
    /// The shape check of an in-place binary op <c>self.op_(other)</c>: other must broadcast to self's shape without growing it.
    /// </summary>
    public static void CheckInPlaceBroadcast(ReadOnlySpan<int> self, ReadOnlySpan<int> other)
    {
        int[] shape = InferSize(self, other);
        if (!shape.AsSpan().SequenceEqual(self))
        {
            throw Runtime($"output with shape {S(self)} doesn't match the broadcast shape {S(shape)}");
        }
    }

    /// <summary>Wraps a negative dim and checks its range (PyTorch's IndexError text).</summary>
    public static int WrapDim(int dim, int rank)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
        {
            throw Index($"Dimension out of range (expected to be in range of [{I(-r)}, {I(r - 1)}], but got {I(dim)})");
        }
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>The elements of <paramref name="t"/> converted to <typeparamref name="T"/> (a copy).</summary>
    public static T[] Values<T>(Tensor t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t.DType == DTypeOf<T>())
        {
            return t.ToArray<T>();
        }
        var r = new T[t.Numel];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = T.CreateTruncating(t.GetDouble(i));
        }
        return r;
    }

    /// <summary>The values of <paramref name="t"/> broadcast (expanded) to <paramref name="shape"/>, row-major.</summary>
    /// <remarks>The caller has checked that t's shape broadcasts to <paramref name="shape"/>.</remarks>
    public static T[] Expand<T>(Tensor t, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] src = Values<T>(t);
        if (t.Shape.SequenceEqual(shape))
        {
            return src;
        }
        int n = Tensor.NumelOf(shape);
        var r = new T[n];
        int rank = shape.Length;
        var strides = new int[rank];
        int s = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            int td = d - (rank - t.Dim);
            if (td >= 0)
            {
                strides[d] = t.Shape[td] == 1 ? 0 : s;
                s *= t.Shape[td];
            }
        }
        var idx = new int[rank];
        for (int i = 0; i < n; i++)
        {
            int off = 0;
            for (int d = 0; d < rank; d++)
            {
                off += idx[d] * strides[d];
            }
            r[i] = src[off];
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++idx[d] < shape[d])
                {
                    break;
                }
                idx[d] = 0;
            }
        }
        return r;
    }

    /// <summary>The dtype of <typeparamref name="T"/>.</summary>
    public static DType DTypeOf<T>() => typeof(T) == typeof(float) ? DType.Float32 : DType.Float64;

    /// <summary>Wraps an array as a tensor of the matching dtype.</summary>
    public static Tensor Make<T>(T[] data, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] sh = shape.ToArray();
        return typeof(T) == typeof(float)
            ? Tensor.FromArray((float[])(object)data, sh)
            : Tensor.FromArray((double[])(object)data, sh);
    }

    /// <summary>
    /// Checks an upstream gradient against the output it belongs to (autograd's message) and returns its values.
    /// </summary>
    public static T[] GradValues<T>(Tensor gradOutput, ReadOnlySpan<int> outputShape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        if (!gradOutput.Shape.SequenceEqual(outputShape))
        {
            throw Runtime($"Mismatch in shape: grad_output[0] has a shape of torch.Size({S(gradOutput.Shape)}) and output[0] has a shape of torch.Size({S(outputShape)}).");
        }
        return Values<T>(gradOutput);
    }

    /// <summary>The shape of a reduced loss: 0-D for mean/sum, else <paramref name="none"/>.</summary>
    public static int[] ReducedShape(Reduction reduction, ReadOnlySpan<int> none) =>
        reduction == Reduction.None ? none.ToArray() : [];

    /// <summary>Checks a reduction value.</summary>
    public static void CheckReduction(Reduction reduction)
    {
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw Value($"{I((int)reduction)} is not a valid value for reduction");
        }
    }
}
