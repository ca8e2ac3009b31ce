using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class BinaryCrossEntropyWithLogitsTests
{
    /// <summary>−w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x))) in float64 for moderate logits, σ written with tanh.</summary>
    private static double Reference(double x, double y, double w, double p)
    {
        double s = 0.5 * (1 + Math.Tanh(x / 2));
        return -w * ((p * y * Math.Log(s)) + ((1 - y) * Math.Log(1 - s)));
    }

    public class Forward
    {
        [Theory]
        [InlineData(Reduction.None)]
        [InlineData(Reduction.Mean)]
        [InlineData(Reduction.Sum)]
        public void Float64_MatchesDefinition_WithWeightAndPosWeightPerClass(Reduction reduction)
        {
            var rng = new System.Random(Seed);
            int n = 4, c = 3;
            Tensor x = Uniform(rng, -6, 6, n, c);
            Tensor y = Uniform(rng, 0, 1, n, c);
            Tensor w = Uniform(rng, 0.1, 2, n, 1);
            Tensor p = Uniform(rng, 0.5, 3, c);
            var reference = new double[n * c];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < c; j++)
                {
                    reference[(i * c) + j] = Reference(x[i, j], y[i, j], w[i, 0], p[j]);
                }
            }
            Tensor r = Functional.BinaryCrossEntropyWithLogits(x, y, w, p, reduction);
            switch (reduction)
            {
                case Reduction.None:
                    AssertClose(reference, r.ToDoubleArray(), 1e-15, 1e-12);
                    break;
                case Reduction.Sum:
                    AssertClose(reference.Sum(), r, 1e-12);
                    break;
                default:
                    AssertClose(reference.Sum() / (n * c), r, 1e-12);
                    break;
            }
        }

        [Fact]
        public void HugeLogits_StayFinite()
        {
            Tensor r = Functional.BinaryCrossEntropyWithLogits(
                Tensor.Vector(1e4f, -1e4f, 1e4f, -1e4f, 100f),
                Tensor.Vector(0f, 1f, 1f, 0f, 0f),
                reduction: Reduction.None);
            Assert.Equal(new float[] { 1e4f, 1e4f, 0f, 0f, 100f }, r.ToArray<float>());
        }

        [Fact]
        public void NaNLogit_PropagatesToItsElementAndTheMean()
        {
            var x = Tensor.Vector(float.NaN, 0f);
            var y = Tensor.Vector(1f, 1f);
            float[] none = Functional.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.None).ToArray<float>();
            Assert.True(float.IsNaN(none[0]));
            Assert.Equal((float)Math.Log(2), none[1]);
            Assert.True(double.IsNaN(Functional.BinaryCrossEntropyWithLogits(x, y).GetDouble(0)));
        }

        [Fact]
        public void Float32InputFloat64Target_GivesFloat64()
        {
            Tensor r = Functional.BinaryCrossEntropyWithLogits(Tensor.Vector(0f), Tensor.Vector(1.0), reduction: Reduction.None);
            Assert.Equal(DType.Float64, r.DType);
            Assert.Equal((double)(float)Math.Log(2), r.GetDouble(0));
        }

        [Fact]
        public void TargetOutsideUnitInterval_IsAccepted()
        {
            // ℓ(0, 2) = (1 − 2)·0 − 1·log σ(0) = log 2
            AssertClose(Math.Log(2), Functional.BinaryCrossEntropyWithLogits(Tensor.Vector(0.0), Tensor.Vector(1.0)), 1e-15);
            AssertClose(Math.Log(2), Functional.BinaryCrossEntropyWithLogits(Tensor.Vector(0.0), Tensor.Vector(2.0)), 1e-15);
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, false, false)]
        [InlineData(Reduction.Mean, false, false)]
        [InlineData(Reduction.Sum, false, false)]
        [InlineData(Reduction.None, true, true)]
        [InlineData(Reduction.Mean, true, true)]
        [InlineData(Reduction.Sum, true, true)]
        [InlineData(Reduction.Mean, false, true)]
        public void MatchesFiniteDifferences(Reduction reduction, bool weighted, bool posWeighted)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -8, 8, 3, 4);
            Tensor y = Uniform(rng, 0, 1, 3, 4);
            Tensor? w = weighted ? Uniform(rng, 0.1, 2, 3, 4) : null;
            Tensor? p = posWeighted ? Uniform(rng, 0.2, 4, 4) : null;
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.BinaryCrossEntropyWithLogits(xi, y, w, p, reduction),
                (g, xi) => Functional.BinaryCrossEntropyWithLogitsBackward(g, xi, y, w, p, reduction),
                x,
                rng);
        }

        [Fact]
        public void HugeLogits_GradientIsSigmoidMinusTarget()
        {
            Tensor g = Functional.BinaryCrossEntropyWithLogitsBackward(Tensor.Vector(1.0, 1.0), Tensor.Vector(1e4, -1e4), Tensor.Vector(0.0, 0.0), reduction: Reduction.None);
            Assert.Equal(new double[] { 1, 0 }, g.ToArray<double>());
        }
    }

    public class Errors
    {
        private static readonly Tensor X23 = Tensor.Zeros(DType.Float32, 2, 3);

        [Fact]
        public void TargetSize_ValueError()
        {
            AssertTorchError(TorchErrorKind.ValueError, "Target size (torch.Size([6])) must be the same as input size (torch.Size([2, 3]))", () => Functional.BinaryCrossEntropyWithLogits(X23, Tensor.Zeros(DType.Float32, 6)));
        }

        [Fact]
        public void IntegerTarget_CannotBeCast()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "result type Float can't be cast to the desired output type Long", () => Functional.BinaryCrossEntropyWithLogits(X23, Tensor.Zeros(DType.Int64, 2, 3)));
        }

        [Fact]
        public void IntegerInput_NotImplemented()
        {
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"log_sigmoid_cpu\" not implemented for 'Long'", () => Functional.BinaryCrossEntropyWithLogits(Tensor.Zeros(DType.Int64, 2, 3), X23));
        }

        [Fact]
        public void PosWeightAndWeightBroadcast_RuntimeErrors()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1", () => Functional.BinaryCrossEntropyWithLogits(X23, X23, null, Tensor.Vector(1f, 2f)));
            AssertTorchError(TorchErrorKind.RuntimeError, "output with shape [2, 3] doesn't match the broadcast shape [2, 2, 3]", () => Functional.BinaryCrossEntropyWithLogits(X23, X23, null, Tensor.Zeros(DType.Float32, 2, 2, 3)));
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1", () => Functional.BinaryCrossEntropyWithLogits(X23, X23, Tensor.Vector(1f, 2f)));
        }
    }
}
