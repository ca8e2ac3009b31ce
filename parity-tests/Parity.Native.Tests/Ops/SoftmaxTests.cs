using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class SigmoidTests
{
    public class Forward
    {
        [Fact]
        public void Float64_MatchesTanhForm()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -20, 20, 50);
            double[] expected = x.ToDoubleArray().Select(v => 0.5 * (1 + Math.Tanh(v / 2))).ToArray();
            AssertClose(expected, Functional.Sigmoid(x).ToDoubleArray(), 1e-16, 1e-14);
        }

        [Fact]
        public void Extremes_SaturateAndNaNPropagates()
        {
            float[] y = Functional.Sigmoid(Tensor.Vector(-1000f, 1000f, float.NegativeInfinity, float.PositiveInfinity, float.NaN, 0f)).ToArray<float>();
            Assert.Equal(new float[] { 0, 1, 0, 1 }, y[..4]);
            Assert.True(float.IsNaN(y[4]));
            Assert.Equal(0.5f, y[5]);
        }

        [Fact]
        public void Int64Input_GivesFloat32()
        {
            Tensor y = Functional.Sigmoid(Tensor.Vector(0L, 1L));
            Assert.Equal(DType.Float32, y.DType);
            Assert.Equal(0.5f, y.ToArray<float>()[0]);
        }
    }

    public class Gradient
    {
        [Fact]
        public void MatchesFiniteDifferences()
        {
            var rng = new System.Random(Seed);
            AssertGradientMatchesFiniteDifferences(Functional.Sigmoid, Functional.SigmoidBackward, Uniform(rng, -6, 6, 3, 5), rng);
        }
    }
}

public class SoftmaxTests
{
    public class Forward
    {
        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(-1)]
        [InlineData(2)]
        public void Float64_MatchesExpOverSum(int dim)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -5, 5, 3, 4, 5);
            int d = dim < 0 ? dim + 3 : dim;
            Tensor y = Functional.Softmax(x, dim);
            int[] idx = new int[3];
            for (int i = 0; i < x.Numel; i++)
            {
                idx[0] = i / 20;
                idx[1] = i / 5 % 4;
                idx[2] = i % 5;
                double s = 0;
                int[] j = (int[])idx.Clone();
                for (int c = 0; c < x.Size(d); c++)
                {
                    j[d] = c;
                    s += Math.Exp(x[j]);
                }
                Assert.True(Math.Abs((Math.Exp(x[idx]) / s) - y[idx]) <= 1e-15, $"element {i}");
            }
        }

        [Fact]
        public void LargeLogits_NoOverflow()
        {
            double[] y = Functional.Softmax(Tensor.Vector(1000.0, 1000.0), 0).ToArray<double>();
            Assert.Equal(new double[] { 0.5, 0.5 }, y);
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(1)]
        [InlineData(0)]
        public void MatchesFiniteDifferences(int dim)
        {
            var rng = new System.Random(Seed);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.Softmax(xi, dim),
                (g, xi) => Functional.SoftmaxBackward(g, xi, dim),
                Uniform(rng, -3, 3, 4, 6),
                rng);
        }
    }

    public class Errors
    {
        [Fact]
        public void DimOutOfRange_IndexError()
        {
            AssertTorchError(TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)", () => Functional.Softmax(Tensor.Zeros(DType.Float32, 2, 3), 2));
        }

        [Fact]
        public void IntegerInput_NotImplemented()
        {
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'", () => Functional.Softmax(Tensor.Zeros(DType.Int64, 2, 3), 1));
        }
    }
}

public class LogSoftmaxTests
{
    public class Forward
    {
        [Theory]
        [InlineData(1, 3)]
        [InlineData(1, 8)]
        [InlineData(1, 17)]
        [InlineData(1, 40)]
        [InlineData(0, 5)]
        public void Float64_MatchesReference(int dim, int classes)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -8, 8, 6, classes);
            Tensor y = Functional.LogSoftmax(x, dim);
            var expected = new double[x.Numel];
            if (dim == 1)
            {
                for (int i = 0; i < 6; i++)
                {
                    RefLogSoftmaxRow(x.ToDoubleArray().AsSpan(i * classes, classes)).CopyTo(expected, i * classes);
                }
            }
            else
            {
                for (int j = 0; j < classes; j++)
                {
                    double[] col = Enumerable.Range(0, 6).Select(i => x[i, j]).ToArray();
                    double[] r = RefLogSoftmaxRow(col);
                    for (int i = 0; i < 6; i++)
                    {
                        expected[(i * classes) + j] = r[i];
                    }
                }
            }
            AssertClose(expected, y.ToDoubleArray(), 1e-14, 1e-14);
        }

        [Fact]
        public void Float32_WithinAFewUlpOfFloat64Reference()
        {
            var rng = new System.Random(Seed);
            Tensor x64 = Uniform(rng, -8, 8, 10, 33);
            Tensor x32 = x64.To(DType.Float32);
            double[] y = Functional.LogSoftmax(x32, 1).ToDoubleArray();
            double[] x = x32.ToDoubleArray();
            for (int i = 0; i < 10; i++)
            {
                double[] r = RefLogSoftmaxRow(x.AsSpan(i * 33, 33));
                // float32 rounding of x − max and of log Σ: a few ulp of the largest magnitude involved.
                AssertClose(r, y.AsSpan(i * 33, 33).ToArray(), 4e-6, 1e-6);
            }
        }

        [Fact]
        public void Float32_EveryRowLengthAcrossVectorWidths_WithinUlpsOfReference()
        {
            var rng = new Random(Seed);
            for (int c = 1; c <= 40; c++)
            {
                Tensor x32 = Uniform(rng, -10, 10, 3, c).To(DType.Float32);
                double[] x = x32.ToDoubleArray();
                double[] y = Functional.LogSoftmax(x32, 1).ToDoubleArray();
                double[] p = Functional.Softmax(x32, 1).ToDoubleArray();
                for (int i = 0; i < 3; i++)
                {
                    double[] r = RefLogSoftmaxRow(x.AsSpan(i * c, c));
                    AssertClose(r, y.AsSpan(i * c, c).ToArray(), 8e-6, 1e-6);
                    AssertClose(r.Select(Math.Exp).ToArray(), p.AsSpan(i * c, c).ToArray(), 1e-7, 1e-6);
                }
            }
        }

        [Fact]
        public void RowMaxShift_KeepsEveryRowFinite()
        {
            var x = Tensor.FromArray(new double[] { 1000, 0, 0, -1000 }, 2, 2);
            Assert.Equal(new double[] { 0, -1000, 0, -1000 }, Functional.LogSoftmax(x, 1).ToArray<double>());
        }

        [Fact]
        public void NaNPoisonsOnlyItsRow()
        {
            var x = Tensor.FromArray(new float[] { float.NaN, 1, 0, 0 }, 2, 2);
            float[] y = Functional.LogSoftmax(x, 1).ToArray<float>();
            Assert.True(float.IsNaN(y[0]) && float.IsNaN(y[1]));
            Assert.Equal(-(float)Math.Log(2), y[2]);
            Assert.Equal(-(float)Math.Log(2), y[3]);
        }

        [Fact]
        public void ZeroDim_IsZero()
        {
            Assert.Equal(0.0, Functional.LogSoftmax(Tensor.Scalar(3.0, DType.Float64), 0).GetDouble(0));
        }
    }

    public class Gradient
    {
        [Theory]
        [InlineData(1)]
        [InlineData(0)]
        [InlineData(2)]
        public void MatchesFiniteDifferences(int dim)
        {
            var rng = new System.Random(Seed);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.LogSoftmax(xi, dim),
                (g, xi) => Functional.LogSoftmaxBackward(g, xi, dim),
                Uniform(rng, -3, 3, 3, 4, 5),
                rng);
        }
    }

    public class Errors
    {
        [Fact]
        public void DimOutOfRange_IndexError()
        {
            AssertTorchError(TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got -3)", () => Functional.LogSoftmax(Tensor.Zeros(DType.Float32, 2, 3), -3));
        }

        [Fact]
        public void IntegerInput_NotImplemented()
        {
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'", () => Functional.LogSoftmax(Tensor.Zeros(DType.Int64, 2, 3), 1));
            AssertTorchError(TorchErrorKind.NotImplementedError, "\"softmax_kernel_impl\" not implemented for 'Long'", () => Functional.LogSoftmax(Tensor.Zeros(DType.Int64, 2, 3), 0));
        }
    }
}
