using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class HuberLossTests
{
    private static double Ref(double a, double b, double delta)
    {
        double z = Math.Abs(a - b);
        return z < delta ? 0.5 * z * z : delta * (z - (0.5 * delta));
    }

    public class Forward
    {
        [Theory]
        [InlineData(1.0)]
        [InlineData(0.3)]
        [InlineData(2.5)]
        public void Float64_AllReductions_MatchPlainLoop_Broadcast(double delta)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 3, 1), y = Uniform(rng, -3, 3, 1, 4);
            double[] r = RegressionTestSupport.Elementwise(x, y, (a, b) => Ref(a, b, delta), out _);
            foreach (Reduction red in RegressionTestSupport.Reductions)
            {
                Tensor loss = null!;
                var w = RegressionTestSupport.Warnings(() => loss = Functional.HuberLoss(x, y, red, delta));
                Assert.Equal(RegressionTestSupport.SizeWarning34, Assert.Single(w).Message);
                RegressionTestSupport.AssertReduced(r, loss, red);
            }
        }

        [Fact]
        public void AtDelta_LinearPieceEqualsQuadratic()
        {
            // z = δ = 0.5: ½·0.25 = 0.125 = 0.5·(0.5 − 0.25); just inside and outside are continuous.
            Assert.Equal(0.125, Functional.HuberLoss(Tensor.Vector(0.5), Tensor.Vector(0.0), Reduction.None, 0.5).GetDouble(0));
        }

        [Fact]
        public void Float32_LibtorchValues()
        {
            // libtorch 2.10: huber_loss(x, y, mean, 0.3) printed 0.3540000319480896; its input gradient (mean) printed
            // [-0.06000000238418579, -0.06000000238418579, 0.06000000238418579, 0, -0.06000000238418579].
            Tensor x = Tensor.Vector(0.1f, -0.7f, 2.5f, 0.3f, -1.2f), y = Tensor.Vector(0.4f, 0.2f, -0.5f, 0.3f, 1.1f);
            Assert.Equal(0.3540000319480896f, Functional.HuberLoss(x, y, Reduction.Mean, 0.3).ToArray<float>()[0]);
            float[] g = Functional.HuberLossBackward(Tensor.Scalar(1, DType.Float32), x, y, Reduction.Mean, 0.3).Input.ToArray<float>();
            Assert.Equal(new[] { -0.06000000238418579f, -0.06000000238418579f, 0.06000000238418579f, 0f, -0.06000000238418579f }, g);
        }

        [Fact]
        public void Float32InputFloat64Target_ComputedInFloat64_StoredAsFloat32()
        {
            // libtorch 2.10: huber_loss(tensor([0.1]), tensor([0.7]).double(), none, 1.0) is Float32 0.17999999225139618
            // (all float32: 0.17999997735023499).
            Tensor r = Functional.HuberLoss(Tensor.Vector(0.1f), Tensor.Vector((double)0.7f), Reduction.None);
            Assert.Equal(DType.Float32, r.DType);
            Assert.Equal(0.17999999225139618f, r.ToArray<float>()[0]);
            Assert.Equal(0.17999997735023499f, Functional.HuberLoss(Tensor.Vector(0.1f), Tensor.Vector(0.7f), Reduction.None).ToArray<float>()[0]);
        }

        [Fact]
        public void Weighted_MeanDividesByCount()
        {
            Tensor x = Tensor.Vector(0.5, 3.0), y = Tensor.Vector(0.0, 0.0), w = Tensor.Vector(2.0, 0.5);
            // ℓ = [0.125, 2.5]; w·ℓ = [0.25, 1.25]; mean over 2 elements (not Σw).
            Assert.Equal(0.75, Functional.HuberLoss(x, y, Reduction.Mean, 1.0, w).GetDouble(0));
            Assert.Equal(1.5, Functional.HuberLoss(x, y, Reduction.Sum, 1.0, w).GetDouble(0));
        }

        [Fact]
        public void Empty_MeanNaN()
        {
            var e = Tensor.Zeros(DType.Float32, 0);
            Assert.True(float.IsNaN(Functional.HuberLoss(e, e).ToArray<float>()[0]));
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(Reduction.None, false, 1.0)]
        [InlineData(Reduction.Mean, false, 0.7)]
        [InlineData(Reduction.Sum, false, 1.3)]
        [InlineData(Reduction.None, true, 0.7)]
        [InlineData(Reduction.Mean, true, 1.0)]
        [InlineData(Reduction.Sum, true, 1.3)]
        public void AllArguments_MatchFiniteDifferences(Reduction red, bool weighted, double delta)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 4, 5), y = weighted ? Uniform(rng, -3, 3, 4, 5) : Uniform(rng, -3, 3, 5);
            Tensor? w = weighted ? Uniform(rng, 0.2, 2, 4, 5) : null;
            using var _ = TorchWarnings.Capture(out var __);
            RegressionTestSupport.AssertFd(xi => Functional.HuberLoss(xi, y, red, delta, w), (g, xi) => Functional.HuberLossBackward(g, xi, y, red, delta, w).Input, x);
            RegressionTestSupport.AssertFd(yi => Functional.HuberLoss(x, yi, red, delta, w), (g, yi) => Functional.HuberLossBackward(g, x, yi, red, delta, w).Target, y);
            if (w is not null)
            {
                RegressionTestSupport.AssertFd(wi => Functional.HuberLoss(x, y, red, delta, wi), (g, wi) => Functional.HuberLossBackward(g, x, y, red, delta, wi).Weight!, w);
            }
        }

        [Fact]
        public void VectorAndScalarPaths_RoundDifferently_AsLibtorch()
        {
            // 17 float32 elements, 'mean', δ = 0.3: elements 0–15 take libtorch's vector path, (c·±δ)·g; element 16 the
            // scalar path, (±c·g)·δ with the float64 δ. Both computed here by hand.
            var xs = new float[17];
            Array.Fill(xs, 2f);
            Tensor x = Tensor.FromArray(xs, 17), y = Tensor.Zeros(DType.Float32, 17);
            float c = (float)(1.0 / 17);
            // The first upstream gradient (of a fixed list) for which the two orders round differently.
            float g = new[] { 0.7f, 0.3f, 1.1f, 1.3f, 0.9f, 0.45f, 1.7f, 0.123f, 2.9f, 0.61f }
                .First(v => c * 0.3f * v != (float)((double)(c * v) * 0.3));
            float vec = c * 0.3f * g;
            float sca = (float)((double)(c * g) * 0.3);
            Assert.NotEqual(vec, sca);
            float[] r = Functional.HuberLossBackward(Tensor.Scalar(g, DType.Float32), x, y, Reduction.Mean, 0.3).Input.ToArray<float>();
            Assert.Equal(vec, r[0]);
            Assert.Equal(vec, r[15]);
            Assert.Equal(sca, r[16]);
        }
    }

    public class Errors
    {
        [Theory]
        [InlineData(0.0)]
        [InlineData(-1.0)]
        [InlineData(double.NaN)]
        public void NonPositiveDelta(double delta)
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "huber_loss does not support non-positive values for delta.",
                () => Functional.HuberLoss(Tensor.Vector(1f), Tensor.Vector(1f), Reduction.Mean, delta));
        }

        [Fact]
        public void Dtypes()
        {
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"huber_cpu\" not implemented for 'Long'", () => Functional.HuberLoss(Tensor.Vector(1L), Tensor.Vector(1L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "result type Float can't be cast to the desired output type Long", () => Functional.HuberLoss(Tensor.Vector(1L), Tensor.Vector(1f)));
            // libtorch's backward kernel does not promote: float32 input with a float64 target.
            AssertTorchError(TorchErrorKind.RuntimeError, "Found dtype Double but expected Float",
                () => Functional.HuberLossBackward(Tensor.Scalar(1, DType.Float32), Tensor.Vector(1f), Tensor.Vector(3.0)));
        }

        [Fact]
        public void Shapes_And_Reduction()
        {
            using var _ = TorchWarnings.Capture(out var __);
            AssertTorchError(TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0",
                () => Functional.HuberLoss(Tensor.Vector(1f, 2f, 3f), Tensor.Vector(1f, 2f, 3f, 4f)));
            AssertTorchError(TorchErrorKind.ValueError, "Weights and input must have the same size.",
                () => Functional.HuberLoss(Tensor.Vector(1f, 2f), Tensor.Vector(1f, 2f), Reduction.Mean, 1.0, Tensor.Vector(1f)));
            // Without a weight Python's get_enum runs before ATen's delta check; with one, the ATen call comes first.
            AssertTorchError(TorchErrorKind.ValueError, "batchmean is not a valid value for reduction",
                () => Functional.HuberLoss(Tensor.Vector(1f), Tensor.Vector(1f), Reduction.BatchMean, -1));
            AssertTorchError(TorchErrorKind.RuntimeError, "huber_loss does not support non-positive values for delta.",
                () => Functional.HuberLoss(Tensor.Vector(1f), Tensor.Vector(1f), Reduction.BatchMean, -1, Tensor.Vector(1f)));
            AssertTorchError(TorchErrorKind.ValueError, "Invalid reduction mode: batchmean. Expected one of 'none', 'mean', 'sum'.",
                () => Functional.HuberLoss(Tensor.Vector(1f), Tensor.Vector(1f), Reduction.BatchMean, 1, Tensor.Vector(1f)));
        }
    }
}
