using Parity.Native;

namespace Parity.Native.Tests.Tensors;

/// <summary><see cref="DType.Int32"/>: storage, accessors, conversions and names.</summary>
public sealed class TensorInt32Tests
{
    [Fact]
    public void Storage_IsInt32_AndBytesAreLittleEndianInts()
    {
        var t = Tensor.FromArray(new[] { 1, -2, int.MaxValue, int.MinValue }, 2, 2);
        Assert.Equal(DType.Int32, t.DType);
        Assert.Equal(16, t.Bytes.Length);
        Assert.Equal(new byte[] { 0xFE, 0xFF, 0xFF, 0xFF }, t.Bytes[4..8].ToArray());
        Assert.Equal(int.MinValue, t.GetDouble(3));
        Assert.Equal("tensor is int32, not int64", Assert.Throws<InvalidOperationException>(() => t.Int64Span.Length).Message);
    }

    [Fact]
    public void SetDouble_TruncatesTowardZero()
    {
        var t = Tensor.Zeros(DType.Int32, 3);
        t.SetDouble(0, 2.9);
        t.SetDouble(1, -2.9);
        t.SetDouble(2, 7);
        Assert.Equal([2, -2, 7], t.ToArray<int>());
    }

    [Fact]
    public void To_Int64AndBack_KeepsValues_Int64ToInt32KeepsTheLow32Bits()
    {
        var t = Tensor.FromArray(new[] { 3, -4, int.MinValue }, 3);
        Assert.Equal([3L, -4L, int.MinValue], t.To(DType.Int64).ToArray<long>());
        Assert.Equal([3f, -4f, int.MinValue], t.To(DType.Float32).ToArray<float>());
        Assert.Equal([1, -1], Tensor.FromArray(new[] { (1L << 32) + 1, -1L }, 2).To(DType.Int32).ToArray<int>());
        Assert.True(t.BitEquals(t.To(DType.Int64).To(DType.Int32)));
    }

    [Fact]
    public void Names_AsPyTorch()
    {
        Assert.Equal("int32", DType.Int32.Name());
        Assert.Equal("Int", DType.Int32.TorchScalarName());
        Assert.Equal(DType.Int32, DTypes.Parse("int32"));
        Assert.Equal(DType.Int32, DTypes.Parse("int"));
        Assert.True(DType.Int32.IsIntegral());
        Assert.False(DType.Int32.IsFloatingPoint());
        Assert.Equal("tensor([ 1, -2], dtype=torch.int32)", Tensor.FromArray(new[] { 1, -2 }, 2).ToString());
    }
}
