namespace Parity.Native;

/// <summary>Element type of a <see cref="Tensor"/>, named as PyTorch names them.</summary>
public enum DType
{
    /// <summary><c>torch.float32</c>.</summary>
    Float32,

    /// <summary><c>torch.float64</c>.</summary>
    Float64,

    /// <summary><c>torch.int64</c> (<c>torch.long</c>), used for class-index targets.</summary>
    Int64,

    /// <summary><c>torch.int32</c> (<c>torch.int</c>), e.g. ctc_loss's lengths and targets.</summary>
    Int32,
}

/// <summary>Helpers over <see cref="DType"/>.</summary>
public static class DTypes
{
    /// <summary>PyTorch's spelling of the dtype: <c>float32</c>, <c>float64</c>, <c>int64</c>, <c>int32</c>.</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int64 => "int64",
        DType.Int32 => "int32",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The name PyTorch uses in error messages: <c>Float</c>, <c>Double</c>, <c>Long</c>, <c>Int</c>.</summary>
    public static string TorchScalarName(this DType dtype) => dtype switch
    {
        DType.Float32 => "Float",
        DType.Float64 => "Double",
        DType.Int64 => "Long",
        DType.Int32 => "Int",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>Whether the dtype is a floating-point type.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>Whether the dtype is an integer type (<c>int64</c>, <c>int32</c>).</summary>
    public static bool IsIntegral(this DType dtype) => dtype is DType.Int64 or DType.Int32;

    /// <summary>Parses PyTorch's spelling (<c>float32</c>/<c>float</c>, <c>float64</c>/<c>double</c>, <c>int64</c>/<c>long</c>, <c>int32</c>/<c>int</c>).</summary>
    /// <exception cref="ArgumentException">The name is not a supported dtype.</exception>
    public static DType Parse(string name) => name switch
    {
        "float32" or "float" => DType.Float32,
        "float64" or "double" => DType.Float64,
        "int64" or "long" => DType.Int64,
        "int32" or "int" => DType.Int32,
        _ => throw new ArgumentException($"unknown dtype '{name}' (expected float32, float64, int64 or int32)", nameof(name)),
    };
}
