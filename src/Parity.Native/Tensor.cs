using System.Globalization;
using System.Runtime.InteropServices;

namespace Parity.Native;

/// <summary>
/// A minimal dense tensor: a shape, a dtype and contiguous row-major storage.
/// Enough for the losses and the random generator; there is no broadcasting engine and no views.
/// </summary>
/// <remarks>
/// Storage is a <see cref="float"/>[], <see cref="double"/>[], <see cref="long"/>[] or <see cref="int"/>[] according to <see cref="DType"/>.
/// A 0-dimensional tensor (a scalar) has an empty shape and one element.
/// </remarks>
public sealed class Tensor
{
    private readonly int[] _shape;
    private readonly Array _data;

    private Tensor(DType dtype, int[] shape, Array data)
    {
        DType = dtype;
        _shape = shape;
        _data = data;
    }

    /// <summary>Creates a zero-filled tensor.</summary>
    /// <param name="dtype">Element type.</param>
    /// <param name="shape">Sizes of each dimension; empty for a scalar.</param>
    /// <exception cref="ArgumentException">A size is negative.</exception>
    public static Tensor Zeros(DType dtype, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long n = NumelOf(shape);
        Array data = dtype switch
        {
            DType.Float32 => new float[n],
            DType.Float64 => new double[n],
            DType.Int64 => new long[n],
            DType.Int32 => new int[n],
            _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
        };
        return new Tensor(dtype, (int[])shape.Clone(), data);
    }

    /// <summary>Wraps a copy of <paramref name="values"/> as a float32 tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static Tensor FromArray(float[] values, params int[] shape) => Create(DType.Float32, values, shape);

    /// <summary>Wraps a copy of <paramref name="values"/> as a float64 tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static Tensor FromArray(double[] values, params int[] shape) => Create(DType.Float64, values, shape);

    /// <summary>Wraps a copy of <paramref name="values"/> as an int64 tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static Tensor FromArray(long[] values, params int[] shape) => Create(DType.Int64, values, shape);

    /// <summary>Wraps a copy of <paramref name="values"/> as an int32 tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static Tensor FromArray(int[] values, params int[] shape) => Create(DType.Int32, values, shape);

    /// <summary>A 1-D float32 tensor.</summary>
    public static Tensor Vector(params float[] values) => FromArray(values, values.Length);

    /// <summary>A 1-D float64 tensor.</summary>
    public static Tensor Vector(params double[] values) => FromArray(values, values.Length);

    /// <summary>A 1-D int64 tensor.</summary>
    public static Tensor Vector(params long[] values) => FromArray(values, values.Length);

    /// <summary>A 0-dimensional tensor holding one value, converted to <paramref name="dtype"/>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32)
    {
        var t = Zeros(dtype);
        t.SetDouble(0, value);
        return t;
    }

    /// <summary>Builds a tensor of <paramref name="dtype"/> from doubles, converting each element.</summary>
    /// <exception cref="ArgumentException">The element count does not match the shape.</exception>
    public static Tensor FromDoubles(DType dtype, ReadOnlySpan<double> values, params int[] shape)
    {
        var t = Zeros(dtype, shape);
        if (values.Length != t.Numel)
        {
            throw new ArgumentException($"{values.Length} values do not fill shape {ShapeString(shape)} ({t.Numel} elements)", nameof(values));
        }
        for (int i = 0; i < values.Length; i++)
        {
            t.SetDouble(i, values[i]);
        }
        return t;
    }

    private static Tensor Create<T>(DType dtype, T[] values, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        long n = NumelOf(shape);
        if (values.Length != n)
        {
            throw new ArgumentException($"{values.Length} values do not fill shape {ShapeString(shape)} ({n} elements)", nameof(values));
        }
        return new Tensor(dtype, (int[])shape.Clone(), (T[])values.Clone());
    }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The sizes of each dimension (a copy is not made; do not mutate).</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The shape as a fresh array.</summary>
    public int[] ShapeArray() => (int[])_shape.Clone();

    /// <summary>Number of dimensions; 0 for a scalar.</summary>
    public int Dim => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Numel => _data.Length;

    /// <summary>Size of dimension <paramref name="dim"/>; negative values count from the end.</summary>
    public int Size(int dim) => _shape[dim < 0 ? dim + _shape.Length : dim];

    /// <summary>The float32 storage.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not float32.</exception>
    public Span<float> Float32Span => _data as float[] ?? throw WrongType(DType.Float32);

    /// <summary>The float64 storage.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not float64.</exception>
    public Span<double> Float64Span => _data as double[] ?? throw WrongType(DType.Float64);

    /// <summary>The int64 storage.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not int64.</exception>
    public Span<long> Int64Span => _data as long[] ?? throw WrongType(DType.Int64);

    /// <summary>The int32 storage.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not int32.</exception>
    public Span<int> Int32Span => _data as int[] ?? throw WrongType(DType.Int32);

    /// <summary>The storage as a span of <typeparamref name="T"/>, which must match the dtype.</summary>
    /// <exception cref="InvalidOperationException">T does not match the dtype.</exception>
    public Span<T> AsSpan<T>() => _data as T[] ?? throw new InvalidOperationException($"tensor is {DType.Name()}, not {typeof(T).Name}");

    /// <summary>The raw bytes of the storage (little-endian on x86-64), for digests and bit comparisons.</summary>
    public ReadOnlySpan<byte> Bytes => DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes<float>((float[])_data),
        DType.Float64 => MemoryMarshal.AsBytes<double>((double[])_data),
        DType.Int32 => MemoryMarshal.AsBytes<int>((int[])_data),
        _ => MemoryMarshal.AsBytes<long>((long[])_data),
    };

    /// <summary>Element <paramref name="index"/> in row-major order, widened to double.</summary>
    public double GetDouble(int index) => _data switch
    {
        float[] f => f[index],
        double[] d => d[index],
        long[] l => l[index],
        int[] n => n[index],
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Sets element <paramref name="index"/> (row-major), converting from double (truncation toward zero for the integer types).</summary>
    public void SetDouble(int index, double value)
    {
        switch (_data)
        {
            case float[] f: f[index] = (float)value; break;
            case double[] d: d[index] = value; break;
            case long[] l: l[index] = (long)value; break;
            case int[] n: n[index] = (int)value; break;
        }
    }

    /// <summary>Element at a multi-dimensional index, widened to double.</summary>
    public double this[params int[] index] => GetDouble(FlatIndex(index));

    /// <summary>Row-major offset of a multi-dimensional index.</summary>
    /// <exception cref="IndexOutOfRangeException">An index is out of range or the count is wrong.</exception>
    public int FlatIndex(ReadOnlySpan<int> index)
    {
        if (index.Length != _shape.Length)
        {
            throw new IndexOutOfRangeException($"expected {_shape.Length} indices, got {index.Length}");
        }
        int flat = 0;
        for (int d = 0; d < index.Length; d++)
        {
            int i = index[d] < 0 ? index[d] + _shape[d] : index[d];
            if ((uint)i >= (uint)_shape[d])
            {
                throw new IndexOutOfRangeException($"index {index[d]} is out of bounds for dimension {d} with size {_shape[d]}");
            }
            flat = (flat * _shape[d]) + i;
        }
        return flat;
    }

    /// <summary>All elements widened to double, row-major.</summary>
    public double[] ToDoubleArray()
    {
        var r = new double[Numel];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = GetDouble(i);
        }
        return r;
    }

    /// <summary>A copy of the storage as <typeparamref name="T"/>[] (T must match the dtype).</summary>
    public T[] ToArray<T>() => AsSpan<T>().ToArray();

    /// <summary>A deep copy.</summary>
    public Tensor Clone() => new(DType, (int[])_shape.Clone(), (Array)_data.Clone());

    /// <summary>A copy with another shape of the same element count.</summary>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    public Tensor Reshape(params int[] shape)
    {
        if (NumelOf(shape) != Numel)
        {
            throw new ArgumentException($"shape '{ShapeString(shape)}' is invalid for input of size {Numel}", nameof(shape));
        }
        return new Tensor(DType, (int[])shape.Clone(), (Array)_data.Clone());
    }

    /// <summary>
    /// A copy converted to another dtype (conversion to an integer type truncates toward zero, as <c>.to(torch.long)</c>;
    /// int64 → int32 keeps the low 32 bits, as a C++ cast does).
    /// </summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType)
        {
            return Clone();
        }
        var t = Zeros(dtype, _shape);
        if (_data is long[] longs && dtype == DType.Int32)
        {
            var ints = t.Int32Span;
            for (int i = 0; i < longs.Length; i++)
            {
                ints[i] = unchecked((int)longs[i]);
            }
            return t;
        }
        for (int i = 0; i < Numel; i++)
        {
            t.SetDouble(i, GetDouble(i));
        }
        return t;
    }

    /// <summary>Whether shape, dtype and every bit of the storage are equal (NaN payloads included).</summary>
    public bool BitEquals(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.DType == DType && Shape.SequenceEqual(other.Shape) && Bytes.SequenceEqual(other.Bytes);
    }

    /// <summary>PyTorch's spelling of a shape: <c>[2, 3]</c>.</summary>
    public static string ShapeString(ReadOnlySpan<int> shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }
        return "[" + string.Join(", ", parts) + "]";
    }

    /// <summary>Element count of a shape.</summary>
    /// <exception cref="ArgumentException">A size is negative or the count overflows.</exception>
    public static int NumelOf(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int s in shape)
        {
            if (s < 0)
            {
                throw new ArgumentException($"negative dimension {s}", nameof(shape));
            }
            n *= s;
            if (n > Array.MaxLength)
            {
                throw new ArgumentException("tensor too large", nameof(shape));
            }
        }
        return (int)n;
    }

    /// <summary>Prints like PyTorch: <c>tensor([ 1.2372, -0.9604,  1.5415])</c>.</summary>
    public override string ToString() => TensorFormatter.Format(this);

    private InvalidOperationException WrongType(DType wanted) =>
        new($"tensor is {DType.Name()}, not {wanted.Name()}");
}
