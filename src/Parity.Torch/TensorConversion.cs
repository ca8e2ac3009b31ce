using System.Runtime.InteropServices;
using Parity.Native;
using TorchSharp;
using NativeTensor = Parity.Native.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Parity.Torch;

/// <summary>
/// Copies tensors between the native <see cref="NativeTensor"/> and libtorch's <c>torch.Tensor</c>, keeping every bit:
/// NaN payloads, signed zeros and subnormals survive both directions.
/// </summary>
/// <remarks>
/// <para>Supported dtypes are those of <see cref="DType"/>: <c>torch.float32</c>, <c>torch.float64</c>, <c>torch.int64</c>, <c>torch.int32</c>.
/// Any rank is accepted, including 0-D (a scalar, empty shape, one element) and empty tensors (a zero-size dimension).</para>
/// <para>Both directions copy: the torch tensor never aliases the native storage, and the native tensor never aliases
/// libtorch memory, so either side may be mutated or disposed freely afterwards.</para>
/// <para>Call <see cref="PInvoke.LibTorchLoader.EnsureAvailable"/> (or check <see cref="PInvoke.LibTorchLoader.Status"/>)
/// before the first conversion.</para>
/// </remarks>
public static class TensorConversion
{
    /// <summary>Creates a CPU <c>torch.Tensor</c> with the same dtype, shape and bits as <paramref name="tensor"/>.</summary>
    /// <param name="tensor">The native tensor to copy.</param>
    /// <param name="requiresGrad">Whether the new leaf tensor records gradients (floating-point dtypes only).</param>
    /// <returns>A new, contiguous tensor owned by the caller (dispose it, or create it inside a dispose scope).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    public static TorchTensor ToTorch(NativeTensor tensor, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ReadOnlySpan<int> shape = tensor.Shape;
        var dims = new long[shape.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = shape[i];
        }
        TorchTensor result = tensor.DType switch
        {
            DType.Float32 => torch.tensor(tensor.ToArray<float>(), dims, torch.float32),
            DType.Float64 => torch.tensor(tensor.ToArray<double>(), dims, torch.float64),
            DType.Int64 => torch.tensor(tensor.ToArray<long>(), dims, torch.int64),
            DType.Int32 => torch.tensor(tensor.ToArray<int>(), dims, torch.int32),
            _ => throw new ArgumentOutOfRangeException(nameof(tensor), tensor.DType, "unsupported dtype"),
        };
        if (requiresGrad)
        {
            result.requires_grad_(true);
        }
        return result;
    }

    /// <summary>Copies a CPU <c>torch.Tensor</c> (any layout; it is made contiguous first) into a native tensor.</summary>
    /// <param name="tensor">A float32, float64, int64 or int32 tensor on the CPU.</param>
    /// <returns>A native tensor with the same dtype, shape and bits.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    /// <exception cref="NotSupportedException">The dtype is not float32, float64, int64 or int32, or the tensor is not on the CPU.</exception>
    public static NativeTensor FromTorch(TorchTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.device_type != DeviceType.CPU)
        {
            throw new NotSupportedException($"only CPU tensors convert; this one is on {tensor.device}");
        }
        DType dtype = ToDType(tensor.dtype);
        var shape = new int[tensor.Dimensions];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = checked((int)tensor.shape[i]);
        }
        var result = NativeTensor.Zeros(dtype, shape);
        if (result.Numel == 0)
        {
            return result;
        }
        using var detached = tensor.detach();
        using var contiguous = detached.contiguous();
        ReadOnlySpan<byte> source = contiguous.bytes;
        Span<byte> destination = dtype switch
        {
            DType.Float32 => MemoryMarshal.AsBytes(result.Float32Span),
            DType.Float64 => MemoryMarshal.AsBytes(result.Float64Span),
            DType.Int32 => MemoryMarshal.AsBytes(result.Int32Span),
            _ => MemoryMarshal.AsBytes(result.Int64Span),
        };
        source.CopyTo(destination);
        return result;
    }

    /// <summary>The native dtype for a libtorch scalar type.</summary>
    /// <exception cref="NotSupportedException">The type has no native counterpart.</exception>
    public static DType ToDType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => DType.Float32,
        torch.ScalarType.Float64 => DType.Float64,
        torch.ScalarType.Int64 => DType.Int64,
        torch.ScalarType.Int32 => DType.Int32,
        _ => throw new NotSupportedException($"torch dtype {type} has no native counterpart (float32, float64, int64, int32 only)"),
    };

    /// <summary>The libtorch scalar type for a native dtype.</summary>
    public static torch.ScalarType ToScalarType(DType dtype) => dtype switch
    {
        DType.Float32 => torch.ScalarType.Float32,
        DType.Float64 => torch.ScalarType.Float64,
        DType.Int64 => torch.ScalarType.Int64,
        DType.Int32 => torch.ScalarType.Int32,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}
