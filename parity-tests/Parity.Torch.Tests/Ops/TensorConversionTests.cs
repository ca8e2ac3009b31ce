using Parity.Native;
using TorchSharp;
using NativeTensor = Parity.Native.Tensor;

namespace Parity.Torch.Tests.Ops;

/// <summary>
/// <see cref="TensorConversion"/>: bits survive both directions, and libtorch sees the values where it should
/// (checked element by element through libtorch's own indexing, not only by a round trip).
/// </summary>
public sealed class TensorConversionTests
{
    private static readonly float[] SpecialFloats =
    [
        0f, -0f, 1f, -1.5f, float.Epsilon, -float.Epsilon, 1.17549421e-38f /* largest subnormal */, float.MaxValue, float.MinValue,
        float.PositiveInfinity, float.NegativeInfinity, float.NaN,
        BitConverter.Int32BitsToSingle(0x7FC0_1234) /* quiet NaN with payload */, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC0_0001)) /* negative NaN */,
        0.1f, 3.14159274f,
    ];

    private static readonly double[] SpecialDoubles =
    [
        0d, -0d, 1d, -1.5, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue,
        double.PositiveInfinity, double.NegativeInfinity, double.NaN,
        BitConverter.Int64BitsToDouble(0x7FF8_0000_DEAD_BEEF), BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8_0000_0000_0001)),
        0.1, Math.PI, 2.2250738585072009e-308 /* largest subnormal */,
    ];

    private static readonly long[] SpecialLongs = [0, 1, -1, long.MaxValue, long.MinValue, -100, 1L << 53, (1L << 53) + 1, 42, -7, 3, 5, 1000, -1000, 9, 10];

    public sealed class RoundTrip
    {
        [Theory]
        [InlineData(new int[0])]
        [InlineData(new[] { 16 })]
        [InlineData(new[] { 4, 4 })]
        [InlineData(new[] { 2, 2, 4 })]
        [InlineData(new[] { 2, 1, 2, 4 })]
        [InlineData(new[] { 1, 2, 1, 2, 4 })]
        public void Float32_SpecialValues_BitExact(int[] shape)
        {
            TorchAvailability.RequireTorch();
            var native = NativeTensor.FromArray(SpecialFloats[..NativeTensor.NumelOf(shape)], shape);
            using var t = TensorConversion.ToTorch(native);
            Assert.True(native.BitEquals(TensorConversion.FromTorch(t)));
        }

        [Theory]
        [InlineData(new int[0])]
        [InlineData(new[] { 16 })]
        [InlineData(new[] { 2, 8 })]
        [InlineData(new[] { 2, 2, 2, 2 })]
        public void Float64_SpecialValues_BitExact(int[] shape)
        {
            TorchAvailability.RequireTorch();
            var native = NativeTensor.FromArray(SpecialDoubles[..NativeTensor.NumelOf(shape)], shape);
            using var t = TensorConversion.ToTorch(native);
            Assert.True(native.BitEquals(TensorConversion.FromTorch(t)));
        }

        [Theory]
        [InlineData(new int[0])]
        [InlineData(new[] { 16 })]
        [InlineData(new[] { 4, 2, 2 })]
        public void Int64_Extremes_Exact(int[] shape)
        {
            TorchAvailability.RequireTorch();
            var native = NativeTensor.FromArray(SpecialLongs[..NativeTensor.NumelOf(shape)], shape);
            using var t = TensorConversion.ToTorch(native);
            Assert.True(native.BitEquals(TensorConversion.FromTorch(t)));
        }

        [Fact]
        public void Int32_Extremes_Exact()
        {
            TorchAvailability.RequireTorch();
            var native = NativeTensor.FromArray(new[] { 0, 1, -1, int.MaxValue, int.MinValue, 65536, -7 }, 7);
            using var t = TensorConversion.ToTorch(native);
            Assert.Equal(torch.ScalarType.Int32, t.dtype);
            Assert.Equal(int.MinValue, t[4].item<int>());
            Assert.True(native.BitEquals(TensorConversion.FromTorch(t)));
        }

        [Theory]
        [InlineData(DType.Int32, new[] { 3, 0 })]
        [InlineData(DType.Float32, new[] { 0 })]
        [InlineData(DType.Float64, new[] { 2, 0, 3 })]
        [InlineData(DType.Int64, new[] { 0, 5 })]
        public void Empty_KeepsShapeAndDType(DType dtype, int[] shape)
        {
            TorchAvailability.RequireTorch();
            var native = NativeTensor.Zeros(dtype, shape);
            using var t = TensorConversion.ToTorch(native);
            Assert.Equal(shape.Select(s => (long)s), t.shape);
            Assert.Equal(TensorConversion.ToScalarType(dtype), t.dtype);
            var back = TensorConversion.FromTorch(t);
            Assert.Equal(dtype, back.DType);
            Assert.Equal(shape, back.ShapeArray());
        }
    }

    public sealed class ToTorch
    {
        [Fact]
        public void Float32_EachElement_SeenByLibtorchAtItsIndex()
        {
            TorchAvailability.RequireTorch();
            var native = NativeTensor.FromArray(SpecialFloats, 2, 2, 4);
            using var t = TensorConversion.ToTorch(native);
            Assert.Equal(new long[] { 2, 2, 4 }, t.shape);
            Assert.Equal(torch.ScalarType.Float32, t.dtype);
            for (int i = 0; i < 2; i++)
            {
                for (int j = 0; j < 2; j++)
                {
                    for (int k = 0; k < 4; k++)
                    {
                        using var element = t[i, j, k];
                        float expected = SpecialFloats[(((i * 2) + j) * 4) + k];
                        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(element.item<float>()));
                    }
                }
            }
        }

        [Fact]
        public void Scalar_IsZeroDimensional()
        {
            TorchAvailability.RequireTorch();
            using var t = TensorConversion.ToTorch(NativeTensor.Scalar(-2.5, DType.Float64));
            Assert.Equal(0, t.Dimensions);
            Assert.Equal(-2.5, t.item<double>());
        }

        [Fact]
        public void RequiresGrad_MakesALeafThatRecords()
        {
            TorchAvailability.RequireTorch();
            using var t = TensorConversion.ToTorch(NativeTensor.Vector(1f, 2f), requiresGrad: true);
            Assert.True(t.requires_grad);
            Assert.True(t.is_leaf);
        }

        [Fact]
        public void Copy_DoesNotAliasNativeStorage()
        {
            TorchAvailability.RequireTorch();
            var native = NativeTensor.Vector(1f, 2f, 3f);
            using var t = TensorConversion.ToTorch(native);
            native.Float32Span[0] = 99f;
            Assert.Equal(1f, t[0].item<float>());
        }
    }

    public sealed class FromTorch
    {
        [Fact]
        public void Transposed_ReadInLogicalOrder()
        {
            TorchAvailability.RequireTorch();
            using var source = torch.arange(6, dtype: torch.float32).reshape(2, 3);
            using var transposed = source.t();
            Assert.False(transposed.is_contiguous());
            var native = TensorConversion.FromTorch(transposed);
            Assert.Equal(new[] { 3, 2 }, native.ShapeArray());
            Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, native.ToArray<float>());
        }

        [Fact]
        public void RequiresGrad_Detached()
        {
            TorchAvailability.RequireTorch();
            using var t = torch.tensor(new double[] { 0.25, -0.5 }, requires_grad: true);
            var native = TensorConversion.FromTorch(t);
            Assert.Equal(new[] { 0.25, -0.5 }, native.ToArray<double>());
        }

        [Fact]
        public void Int16_NotSupported()
        {
            TorchAvailability.RequireTorch();
            using var t = torch.zeros(2, dtype: torch.int16);
            var e = Assert.Throws<NotSupportedException>(() => TensorConversion.FromTorch(t));
            Assert.Equal("torch dtype Int16 has no native counterpart (float32, float64, int64, int32 only)", e.Message);
        }
    }
}
