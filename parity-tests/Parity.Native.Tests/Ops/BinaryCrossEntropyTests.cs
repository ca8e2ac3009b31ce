using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class BinaryCrossEntropyTests
{
    /// <summary>−w·(y·log x + (1 − y)·log(1 − x)) in float64, the textbook form.</summary>
    private static double[] Reference(Tensor x, Tensor y, double[] w)
    {
        var r = new double[x.Numel];
        for (int i = 0; i < r.Length; i++)
        {
            double xi = x.GetDouble(i), yi = y.GetDouble(i);
            r[i] = -w[i] * ((yi * Math.Log(xi)) + ((1 - yi) * Math.Log(1 - xi)));
        }
        return r;
    }

    public class Forward
    {
        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void Float64_MatchesTextbookFormula_WithBroadcastWeight(Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, 0.01, 0.99, 4, 3);
            Tensor y = Uniform(rng, 0, 1, 4, 3);
            Tensor w = Uniform(rng, 0.1, 2, 3);
            double[] wexp = Enumerable.Range(0, 12).Select(i => w.GetDouble(i % 3)).ToArray();
            double[] reference = Reference(x, y, wexp);
            Tensor r = Functional.BinaryCrossEntropy(x, y, w, reduction);
            switch (reduction)
            {
                case Reduction.None:
                    AssertClose(reference, r.ToDoubleArray(), 0, F64RelTol);
                    break;
                case Reduction.Sum:
                    AssertClose(reference.Sum(), r);
                    break;
                default:
                    AssertClose(reference.Sum() / 12, r);
                    break;
            }
        }

        [Fact]
        public void ZeroInputOneTarget_ClampsLogAt100()
        {
            Tensor r = Functional.BinaryCrossEntropy(Tensor.Vector(0f, 1f), Tensor.Vector(1f, 0f), reduction: Reduction.None);
            Assert.Equal(new float[] { 100, 100 }, r.ToArray<float>());
        }

        [Fact]
        public void OneInputOneTarget_IsNegativeZero()
        {
            float v = Functional.BinaryCrossEntropy(Tensor.Vector(1f), Tensor.Vector(1f), reduction: Reduction.None).ToArray<float>()[0];
            Assert.Equal(0f, v);
            Assert.True(float.IsNegative(v));
        }

        [Fact]
        public void HalfInputZeroTarget_IsLn2ToTheUlp()
        {
            float v = Functional.BinaryCrossEntropy(Tensor.Vector(0.5f), Tensor.Vector(0f), reduction: Reduction.None).ToArray<float>()[0];
            Assert.Equal((float)Math.Log(2), v);
        }

        [Fact]
        public void EmptyInput_MeanNaN_SumZero()
        {
            var e = Tensor.Zeros(DType.Float32, 0);
            Assert.True(double.IsNaN(Functional.BinaryCrossEntropy(e, e).GetDouble(0)));
            Assert.Equal(0.0, Functional.BinaryCrossEntropy(e, e, reduction: Reduction.Sum).GetDouble(0));
        }

        [Fact]
        public void Mean_DividesByElementCountNotWeights()
        {
            var x = Tensor.Vector(0.5, 0.5);
            var y = Tensor.Vector(0.0, 0.0);
            var w = Tensor.Vector(3.0, 0.0);
            AssertClose(3 * Math.Log(2) / 2, Functional.BinaryCrossEntropy(x, y, w));
        }

        [Fact]
        public void Float32WithFloat64Weight_StaysFloat32()
        {
            Tensor r = Functional.BinaryCrossEntropy(Tensor.Vector(0.5f), Tensor.Vector(0f), Tensor.Vector(2.0), Reduction.None);
            Assert.Equal(DType.Float32, r.DType);
            Assert.Equal((float)(2 * (double)(float)Math.Log(2)), r.ToArray<float>()[0]);
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, false)]
        [InlineData(Reduction.Mean, false)]
        [InlineData(Reduction.Sum, false)]
        [InlineData(Reduction.None, true)]
        [InlineData(Reduction.Mean, true)]
        [InlineData(Reduction.Sum, true)]
        public void MatchesFiniteDifferences(Reduction reduction, bool weighted)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, 0.05, 0.95, 3, 4);
            Tensor y = Uniform(rng, 0, 1, 3, 4);
            Tensor? w = weighted ? Uniform(rng, 0.1, 2, 4) : null;
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.BinaryCrossEntropy(xi, y, w, reduction),
                (g, xi) => Functional.BinaryCrossEntropyBackward(g, xi, y, w, reduction),
                x,
                rng);
        }

        [Fact]
        public void ZeroInputOneTarget_GuardedByFloatEpsilon()
        {
            Tensor g32 = Functional.BinaryCrossEntropyBackward(Tensor.Vector(1f, 1f), Tensor.Vector(0f, 0f), Tensor.Vector(1f, 0f), reduction: Reduction.None);
            Assert.Equal(new float[] { -1f / 1e-12f, 0f }, g32.ToArray<float>());
            Tensor g64 = Functional.BinaryCrossEntropyBackward(Tensor.Vector(1.0), Tensor.Vector(0.0), Tensor.Vector(1.0), reduction: Reduction.None);
            Assert.Equal(-1.0 / (double)1e-12f, g64.ToArray<double>()[0]);
        }

        [Fact]
        public void GradOutputShape_MustMatchLoss()
        {
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([]).",
                () => Functional.BinaryCrossEntropyBackward(Tensor.Vector(1f, 1f), Tensor.Vector(0.5f, 0.5f), Tensor.Vector(1f, 0f)));
        }
    }

    public class Errors
    {
        private static readonly Tensor X22 = Tensor.FromArray(new float[] { 0.2f, 0.5f, 0.7f, 0.1f }, 2, 2);

        [Fact]
        public void TargetSize_ValueError()
        {
            AssertTorchError(
                TorchErrorKind.ValueError,
                "Using a target size (torch.Size([4])) that is different to the input size (torch.Size([2, 2])) is deprecated. Please ensure they have the same size.",
                () => Functional.BinaryCrossEntropy(X22, Tensor.Vector(0.1f, 0.2f, 0.3f, 0.4f)));
        }

        [Fact]
        public void OutOfRange_InputFirstThenTarget_NaNIncluded()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "all elements of input should be between 0 and 1", () => Functional.BinaryCrossEntropy(Tensor.Vector(1.5f), Tensor.Vector(0.5f)));
            AssertTorchError(TorchErrorKind.RuntimeError, "all elements of input should be between 0 and 1", () => Functional.BinaryCrossEntropy(Tensor.Vector(float.NaN), Tensor.Vector(0.5f)));
            AssertTorchError(TorchErrorKind.RuntimeError, "all elements of target should be between 0 and 1", () => Functional.BinaryCrossEntropy(Tensor.Vector(0.5f), Tensor.Vector(-0.5f)));
        }

        [Fact]
        public void WeightBroadcast_RuntimeErrors()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1", () => Functional.BinaryCrossEntropy(X22, X22, Tensor.Vector(1f, 2f, 3f)));
            AssertTorchError(TorchErrorKind.RuntimeError, "output with shape [2, 2] doesn't match the broadcast shape [2, 2, 2]", () => Functional.BinaryCrossEntropy(X22, X22, Tensor.Zeros(DType.Float32, 2, 2, 2)));
        }

        [Fact]
        public void Dtypes()
        {
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"binary_cross_entropy\" not implemented for 'Long'", () => Functional.BinaryCrossEntropy(Tensor.Vector(1L), Tensor.Vector(1L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "Found dtype Double but expected Float", () => Functional.BinaryCrossEntropy(Tensor.Vector(0.5f), Tensor.Vector(0.5)));
        }
    }
}
