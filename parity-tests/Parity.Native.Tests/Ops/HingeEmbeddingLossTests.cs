using Parity.Native;
using Parity.Native.Modules;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class HingeEmbeddingLossTests
{
    /// <summary>[t ≠ 1]·max(0, m − x) + [t ≠ −1]·x in float64.</summary>
    private static double Reference(double x, double t, double m) =>
        (t != 1 ? Math.Max(0, m - x) : 0) + (t != -1 ? x : 0);

    public static TheoryData<double, Reduction> Combos()
    {
        var d = new TheoryData<double, Reduction>();
        foreach (double m in new[] { 1.0, 0.0, 0.5, -0.25 })
        {
            foreach (Reduction r in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
            {
                d.Add(m, r);
            }
        }
        return d;
    }

    private static Tensor Labels(System.Random rng, params int[] shape)
    {
        var v = new double[Tensor.NumelOf(shape)];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = rng.Next(2) == 0 ? -1 : 1;
        }
        return Tensor.FromDoubles(DType.Float64, v, shape);
    }

    public class Forward
    {
        [Theory]
        [MemberData(nameof(Combos), MemberType = typeof(HingeEmbeddingLossTests))]
        public void Float64_MatchesFormula(double margin, Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -2, 2, 4, 5);
            Tensor t = Labels(rng, 4, 5);
            double[] expected = Enumerable.Range(0, 20).Select(i => Reference(x.GetDouble(i), t.GetDouble(i), margin)).ToArray();
            Tensor r = Functional.HingeEmbeddingLoss(x, t, margin, reduction);
            switch (reduction)
            {
                case Reduction.None:
                    Assert.Equal(expected, r.ToDoubleArray());
                    break;
                case Reduction.Sum:
                    AssertClose(expected.Sum(), r);
                    break;
                default:
                    AssertClose(expected.Sum() / 20, r);
                    break;
            }
        }

        [Fact]
        public void Float32_LibtorchValues_OtherTargetsGetBothTerms_NaNKept()
        {
            // libtorch 2.10, torch.hinge_embedding_loss(x, t, 1.0, 0), float32.
            Tensor x = Tensor.Vector(0.5f, -1f, 2f, 0f, 1f, float.NaN);
            Tensor t = Tensor.Vector(1f, -1f, -1f, 0f, -1f, -1f);
            float[] r = Functional.HingeEmbeddingLoss(x, t, 1.0, Reduction.None).ToArray<float>();
            Assert.Equal(new float[] { 0.5f, 2, 0, 1, 0 }, r[..5]);
            Assert.True(float.IsNaN(r[5]));
        }

        [Fact]
        public void DefaultMargin_IsOne()
        {
            Assert.Equal(1.0, Functional.HingeEmbeddingLoss(Tensor.Vector(0.0), Tensor.Vector(-1.0), reduction: Reduction.Sum).GetDouble(0));
            Assert.Equal(1.0, new HingeEmbeddingLoss().Margin);
            Assert.Equal(Reduction.Mean, new HingeEmbeddingLoss().Reduction);
        }

        [Fact]
        public void Broadcast_3x1Against3_Gives3x3()
        {
            // libtorch 2.10: (3,1) input with (3,) target broadcasts to (3,3) silently.
            Tensor r = Functional.HingeEmbeddingLoss(Tensor.FromArray(new[] { 1f, 1f, 1f }, 3, 1), Tensor.Vector(1f, 1f, 1f), 1.0, Reduction.None);
            Assert.Equal([3, 3], r.ShapeArray());
            Assert.All(r.ToArray<float>(), v => Assert.Equal(1f, v));
        }

        [Fact]
        public void Dtypes_FollowInput()
        {
            // libtorch 2.10: a float64 or int64 target leaves a float32 input's loss float32; an int64 input stays int64.
            Tensor r = Functional.HingeEmbeddingLoss(Tensor.Vector(1f, 1f, 1f), Tensor.Vector(1.0, -1.0, 0.0), 1.0, Reduction.None);
            Assert.Equal(DType.Float32, r.DType);
            Assert.Equal(new float[] { 1, 0, 1 }, r.ToArray<float>());
            Tensor l = Functional.HingeEmbeddingLoss(Tensor.Vector(1L, 2L, 0L), Tensor.Vector(1L, -1L, 0L), 1.0, Reduction.None);
            Assert.Equal(DType.Int64, l.DType);
            Assert.Equal(new long[] { 1, 0, 1 }, l.ToArray<long>());
        }

        [Fact]
        public void Empty_MeanNaN_SumZero()
        {
            Tensor e = Tensor.Zeros(DType.Float64, 0, 3);
            Assert.True(double.IsNaN(Functional.HingeEmbeddingLoss(e, e).GetDouble(0)));
            Assert.Equal(0.0, Functional.HingeEmbeddingLoss(e, e, reduction: Reduction.Sum).GetDouble(0));
        }

        [Fact]
        public void Module_CallsTheFunctionalForm()
        {
            var m = new HingeEmbeddingLoss(0.5, Reduction.Sum);
            Tensor x = Tensor.Vector(0.25, 2.0), t = Tensor.Vector(-1.0, 1.0);
            Assert.Equal(2.25, m.Forward(x, t).GetDouble(0));
            Assert.Equal(new[] { -1.0, 1.0 }, m.Backward(Tensor.Scalar(1.0, DType.Float64), x, t).ToDoubleArray());
        }
    }

    public class Gradient
    {
        [Theory]
        [MemberData(nameof(Combos), MemberType = typeof(HingeEmbeddingLossTests))]
        public void MatchesFiniteDifferences(double margin, Reduction reduction)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -2, 2, 3, 4);
            Tensor t = Labels(rng, 3, 4);
            t.SetDouble(0, 0); // a target that is neither 1 nor −1
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.HingeEmbeddingLoss(xi, t, margin, reduction),
                (g, xi) => Functional.HingeEmbeddingLossBackward(g, xi, t, margin, reduction),
                x,
                rng);
        }

        [Fact]
        public void BroadcastInput_GradientIsSummed()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -2, 2, 3, 1);
            Tensor t = Labels(rng, 4);
            AssertGradientMatchesFiniteDifferences(
                xi => Functional.HingeEmbeddingLoss(xi, t, 1.0, Reduction.Mean),
                (g, xi) => Functional.HingeEmbeddingLossBackward(g, xi, t, 1.0, Reduction.Mean),
                x,
                rng);
        }

        [Fact]
        public void LibtorchValues_KinkNaNAndOtherTargets()
        {
            // libtorch 2.10, torch.autograd.grad of hinge_embedding_loss(x, t, 1.0, 0) with ones, float32: at the kink
            // (x = m, t = −1) the clamp passes the gradient (−1); a NaN input gets 0.
            Tensor x = Tensor.Vector(0.5f, -1f, 2f, 0f, 1f, float.NaN);
            Tensor t = Tensor.Vector(1f, -1f, -1f, 0f, -1f, -1f);
            float[] g = Functional.HingeEmbeddingLossBackward(Tensor.Vector(1f, 1f, 1f, 1f, 1f, 1f), x, t, 1.0, Reduction.None).ToArray<float>();
            Assert.Equal(new float[] { 1, -1, 0, 0, -1, 0 }, g);
        }

        [Fact]
        public void IntegerInput_CannotRequireGrad()
        {
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "only Tensors of floating point and complex dtype can require gradients",
                () => Functional.HingeEmbeddingLossBackward(Tensor.Scalar(1.0), Tensor.Vector(1L), Tensor.Vector(1L)));
        }
    }

    public class Errors
    {
        [Fact]
        public void Broadcast_RuntimeError_TargetFirst()
        {
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1",
                () => Functional.HingeEmbeddingLoss(Tensor.Zeros(DType.Float32, 3, 2), Tensor.Zeros(DType.Float32, 3)));
        }

        [Fact]
        public void MeanOfInt64_RuntimeError()
        {
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long",
                () => Functional.HingeEmbeddingLoss(Tensor.Vector(1L, 2L, 0L), Tensor.Vector(1L, -1L, 0L)));
        }

        [Fact]
        public void Reduction_ValueError()
        {
            AssertTorchError(
                TorchErrorKind.ValueError,
                "batchmean is not a valid value for reduction",
                () => Functional.HingeEmbeddingLoss(Tensor.Vector(1f), Tensor.Vector(1f), reduction: Reduction.BatchMean));
        }
    }
}
