namespace Parity.Native.Tests.Tensors;

/// <summary>Tensor.ToString against PyTorch's printed text (default print options), character for character.</summary>
public sealed class TensorFormatterTests
{
    public sealed class Modes
    {
        [Fact]
        public void WholeFloats_IntegerModeWithDot() =>
            Assert.Equal("tensor([1., 0., 1.])", Tensor.Vector(1f, 0f, 1f).ToString());

        [Fact]
        public void FourDecimals_SharedWidth() =>
            Assert.Equal("tensor([ 1.2372, -0.9604,  1.5415])", Tensor.Vector(1.2372f, -0.9604f, 1.5415f).ToString());

        [Fact]
        public void Float64_HasDtypeSuffix() =>
            Assert.Equal("tensor([1.5000, 2.0000], dtype=torch.float64)", Tensor.Vector(1.5, 2.0).ToString());

        [Fact]
        public void Int64_PrintsIntegersWithoutSuffix() =>
            Assert.Equal("tensor([ 1, -2, 30])", Tensor.Vector(1L, -2L, 30L).ToString());

        [Fact]
        public void WideRange_ScientificMode() =>
            Assert.Equal("tensor([1.0000e-05, 1.0000e+00])", Tensor.Vector(1e-5f, 1f).ToString());

        [Fact]
        public void WholeFloatsWideRange_ScientificMode() =>
            Assert.Equal("tensor([1.0000e+00, 2.0000e+03])", Tensor.Vector(1f, 2000f).ToString());

        [Fact]
        public void NegativeZero_DoesNotWidenIntegerMode() =>
            Assert.Equal("tensor([-0., 1.])", Tensor.Vector(-0f, 1f).ToString());

        [Fact]
        public void NonFinite_PaddedToWidth() =>
            Assert.Equal("tensor([1.5000,    nan,   -inf])", Tensor.Vector(1.5f, float.NaN, float.NegativeInfinity).ToString());

        [Fact]
        public void OnlyZerosAndInf_IntegerModeWidthOne() =>
            Assert.Equal("tensor([0., inf])", Tensor.Vector(0f, float.PositiveInfinity).ToString());

        [Fact]
        public void TieAtFourthDecimal_RoundsToEvenAsPython() =>
            Assert.Equal("tensor([0.0312, 0.0938])", Tensor.Vector(0.03125f, 0.09375f).ToString());
    }

    public sealed class Shapes
    {
        [Fact]
        public void Scalar_NoBrackets() => Assert.Equal("tensor(0.2576)", Tensor.Scalar(0.2576).ToString());

        [Fact]
        public void ScalarFloat64_Suffix() =>
            Assert.Equal("tensor(0.2576, dtype=torch.float64)", Tensor.Scalar(0.2576, DType.Float64).ToString());

        [Fact]
        public void Empty1D() => Assert.Equal("tensor([])", Tensor.Zeros(DType.Float32, 0).ToString());

        [Fact]
        public void Empty2D_ShowsSize() => Assert.Equal("tensor([], size=(0, 3))", Tensor.Zeros(DType.Float32, 0, 3).ToString());

        [Fact]
        public void EmptyInt64_ShowsDtype() => Assert.Equal("tensor([], dtype=torch.int64)", Tensor.Zeros(DType.Int64, 0).ToString());

        [Fact]
        public void Matrix_RowsAlignedUnderFirst() =>
            Assert.Equal("tensor([[1.5000, 2.0000],\n        [3.0000, 4.2500]])",
                Tensor.FromArray(new[] { 1.5f, 2f, 3f, 4.25f }, 2, 2).ToString());

        [Fact]
        public void ThreeDims_BlankLineBetweenMatrices() =>
            Assert.Equal("tensor([[[1., 2.]],\n\n        [[3., 4.]]])",
                Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, 2, 1, 2).ToString());
    }

    public sealed class Wrapping
    {
        [Fact]
        public void LongVector_WrapsAt80Columns()
        {
            // torch.arange(30.): width 3, (80 − 7) / 5 = 14 per line, continuation lines indented by 8.
            var t = Tensor.FromDoubles(DType.Float32, Enumerable.Range(0, 30).Select(i => (double)i).ToArray(), 30);
            Assert.Equal(
                "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n" +
                "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n" +
                "        28., 29.])",
                t.ToString());
        }

        [Fact]
        public void OverThousandElements_Summarized()
        {
            // torch.arange(2000.): the format comes from the edge items only (0, 1, 2, 1997, 1998, 1999): max/min > 1000.
            var t = Tensor.FromDoubles(DType.Float32, Enumerable.Range(0, 2000).Select(i => (double)i).ToArray(), 2000);
            Assert.Equal(
                "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n" +
                "        1.9990e+03])",
                t.ToString());
        }
    }
}
