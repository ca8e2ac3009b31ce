using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class TargetGradientTests
{
    public class BinaryCrossEntropy
    {
        [Theory]
        [InlineData(Reduction.None, false)]
        [InlineData(Reduction.Mean, false)]
        [InlineData(Reduction.Sum, true)]
        [InlineData(Reduction.Mean, true)]
        public void MatchesFiniteDifferences(Reduction reduction, bool weighted)
        {
            var rng = new System.Random(Seed);
            // Inside (0, 1), where the forward's log clamp is inactive and the loss is linear in the target.
            Tensor x = Uniform(rng, 0.05, 0.95, 3, 4);
            Tensor y = Uniform(rng, 0, 1, 3, 4);
            Tensor? w = weighted ? Uniform(rng, 0.1, 2, 4) : null;
            AssertGradientMatchesFiniteDifferences(
                yi => Functional.BinaryCrossEntropy(x, yi, w, reduction),
                (g, yi) => Functional.BinaryCrossEntropyTargetBackward(g, x, yi, w, reduction),
                y,
                rng);
        }

        [Fact]
        public void Float32_Edges_LibtorchValues()
        {
            // libtorch 2.10 (autograd.grad w.r.t. target, none, g = 1): x = [0, 1e-30, 0.25, 0.5, 0.75, 1] gives
            // [inf, 69.07755, 1.0986123, -0, -1.0986123, -inf]: logit is not clamped (the forward's slope at x = 0 is 100).
            Tensor x = Tensor.Vector(0f, 1e-30f, 0.25f, 0.5f, 0.75f, 1f);
            Tensor y = Tensor.Vector(0.5f, 0.5f, 0.5f, 0.5f, 0f, 1f);
            float[] g = Functional.BinaryCrossEntropyTargetBackward(Tensor.Vector(1f, 1f, 1f, 1f, 1f, 1f), x, y, reduction: Reduction.None).ToArray<float>();
            Assert.Equal(new[] { float.PositiveInfinity, 69.07755f, 1.0986123f, 0f, -1.0986123f, float.NegativeInfinity }, g);
            Assert.True(float.IsNegative(g[3]));
            // mean divides by 6: libtorch gives [inf, 11.512925, 0.18310206, -0, -0.18310206, -inf].
            float[] m = Functional.BinaryCrossEntropyTargetBackward(Tensor.Scalar(1.0), x, y).ToArray<float>();
            Assert.Equal(new[] { float.PositiveInfinity, 11.512925f, 0.18310206f, 0f, -0.18310206f, float.NegativeInfinity }, m);
        }

        [Fact]
        public void Float64_NearOne_LibtorchValues()
        {
            // libtorch 2.10: x = 1 - 1e-16 (rounds to 1 - 2^-53) gives -36.7368005696771; x = 1e-300 gives 690.7755278982137.
            double[] g = Functional.BinaryCrossEntropyTargetBackward(Tensor.Vector(1.0, 1.0), Tensor.Vector(1 - 1e-16, 1e-300), Tensor.Vector(0.0, 0.5), reduction: Reduction.None).ToArray<double>();
            Assert.Equal(-36.7368005696771, g[0], 12);
            Assert.Equal(690.7755278982137, g[1], 12);
        }

        [Fact]
        public void Float64Weight_IntoFloat32_LibtorchValues()
        {
            // libtorch 2.10, none, x = [0.2, 0.7, 0.4, 0.9], weight f64 [2, 0.1, 1, 3]: [2.7725887, -0.08472978, 0.4054652, -6.591673].
            float[] g = Functional.BinaryCrossEntropyTargetBackward(Tensor.Vector(1f, 1f, 1f, 1f), Tensor.Vector(0.2f, 0.7f, 0.4f, 0.9f), Tensor.Vector(0.1f, 0.6f, 1f, 0f), Tensor.Vector(2, 0.1, 1, 3), Reduction.None).ToArray<float>();
            float[] expected = [2.7725887f, -0.08472978f, 0.4054652f, -6.591673f];
            // logit goes through libtorch's own log (one ulp from glibc's on some inputs), hence a 2-ulp tolerance.
            AssertClose(Array.ConvertAll(expected, v => (double)v), Array.ConvertAll(g, v => (double)v), 0, 2.5e-7);
        }

        [Fact]
        public void Errors_AsTheForward()
        {
            AssertTorchError(TorchErrorKind.RuntimeError, "all elements of input should be between 0 and 1", () => Functional.BinaryCrossEntropyTargetBackward(Tensor.Scalar(1.0), Tensor.Vector(1.5f), Tensor.Vector(0.5f)));
            AssertTorchError(TorchErrorKind.RuntimeError, "Found dtype Double but expected Float", () => Functional.BinaryCrossEntropyTargetBackward(Tensor.Scalar(1.0), Tensor.Vector(0.5f), Tensor.Vector(0.5)));
            AssertTorchError(
                TorchErrorKind.RuntimeError,
                "Mismatch in shape: grad_output[0] has a shape of torch.Size([1]) and output[0] has a shape of torch.Size([]).",
                () => Functional.BinaryCrossEntropyTargetBackward(Tensor.Vector(1f), Tensor.Vector(0.5f), Tensor.Vector(0.5f)));
        }
    }

    public class BinaryCrossEntropyWithLogits
    {
        [Theory]
        [InlineData(Reduction.None, false, false)]
        [InlineData(Reduction.Mean, true, false)]
        [InlineData(Reduction.Sum, false, true)]
        [InlineData(Reduction.Mean, true, true)]
        public void MatchesFiniteDifferences(Reduction reduction, bool weighted, bool posWeighted)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -4, 4, 3, 4);
            Tensor y = Uniform(rng, 0, 1, 3, 4);
            Tensor? w = weighted ? Uniform(rng, 0.1, 2, 3, 4) : null;
            Tensor? p = posWeighted ? Uniform(rng, 0.5, 3, 4) : null;
            AssertGradientMatchesFiniteDifferences(
                yi => Functional.BinaryCrossEntropyWithLogits(x, yi, w, p, reduction),
                (g, yi) => Functional.BinaryCrossEntropyWithLogitsTargetBackward(g, x, yi, w, p, reduction),
                y,
                rng);
        }

        [Fact]
        public void Float32_LibtorchValues()
        {
            // libtorch 2.10, x = [-100, -3, 0, 2, 50], y = [0.5, 0.5, 0.5, 0, 1], none: [100, 3, -0, -2, -50];
            // with pos_weight 2: [200, 6.0485873, 0.6931472, -1.873072, -50]; mean with pos_weight: [40, 1.2097175, 0.13862944, -0.37461442, -10].
            Tensor x = Tensor.Vector(-100f, -3f, 0f, 2f, 50f), y = Tensor.Vector(0.5f, 0.5f, 0.5f, 0f, 1f);
            Tensor ones = Tensor.Vector(1f, 1f, 1f, 1f, 1f);
            float[] g = Functional.BinaryCrossEntropyWithLogitsTargetBackward(ones, x, y, reduction: Reduction.None).ToArray<float>();
            Assert.Equal(new[] { 100f, 3f, 0f, -2f, -50f }, g);
            Assert.True(float.IsNegative(g[2]));
            Assert.Equal(new[] { 200f, 6.0485873f, 0.6931472f, -1.873072f, -50f }, Functional.BinaryCrossEntropyWithLogitsTargetBackward(ones, x, y, null, Tensor.Vector(2f), Reduction.None).ToArray<float>());
            Assert.Equal(new[] { 40f, 1.2097175f, 0.13862944f, -0.37461442f, -10f }, Functional.BinaryCrossEntropyWithLogitsTargetBackward(Tensor.Scalar(1.0), x, y, null, Tensor.Vector(2f)).ToArray<float>());
        }

        [Fact]
        public void MixedDtypes_LibtorchValues()
        {
            // libtorch 2.10, x f32 [0.2, 0.3], y f64: none [-0.20000000298023224, -0.30000001192092896]; pos_weight f32 3:
            // [0.9962778091430664, 0.8087104558944702]; mean with weight f32 [3, 2]: [-0.30000001192092896, -0.30000001192092896].
            Tensor x = Tensor.Vector(0.2f, 0.3f), y = Tensor.Vector(0.1, 0.2);
            Tensor g2 = Tensor.Vector(1.0, 1.0);
            Assert.Equal(new[] { -0.20000000298023224, -0.30000001192092896 }, Functional.BinaryCrossEntropyWithLogitsTargetBackward(g2, x, y, reduction: Reduction.None).ToArray<double>());
            Assert.Equal(new[] { 0.9962778091430664, 0.8087104558944702 }, Functional.BinaryCrossEntropyWithLogitsTargetBackward(g2, x, y, null, Tensor.Vector(3f), Reduction.None).ToArray<double>());
            Assert.Equal(new[] { -0.30000001192092896, -0.30000001192092896 }, Functional.BinaryCrossEntropyWithLogitsTargetBackward(Tensor.Scalar(1.0, DType.Float64), x, y, Tensor.Vector(3f, 2f), null, Reduction.Mean).ToArray<double>());
            // x f64, y f32: [-0.2f, -0.3f].
            Assert.Equal(new[] { -0.2f, -0.3f }, Functional.BinaryCrossEntropyWithLogitsTargetBackward(Tensor.Vector(1f, 1f), Tensor.Vector(0.2, 0.3), Tensor.Vector(0.1f, 0.2f), reduction: Reduction.None).ToArray<float>());
        }

        [Fact]
        public void Errors()
        {
            AssertTorchError(TorchErrorKind.ValueError, "Target size (torch.Size([2])) must be the same as input size (torch.Size([1]))", () => Functional.BinaryCrossEntropyWithLogitsTargetBackward(Tensor.Scalar(1.0), Tensor.Vector(0f), Tensor.Vector(0f, 1f)));
            // An int64 target fails in the forward first (the loss is written into the target's dtype).
            AssertTorchError(TorchErrorKind.RuntimeError, "result type Float can't be cast to the desired output type Long", () => Functional.BinaryCrossEntropyWithLogitsTargetBackward(Tensor.Scalar(1.0), Tensor.Vector(0f), Tensor.Vector(1L)));
        }
    }

    public class CrossEntropyProbabilities
    {
        [Theory]
        [InlineData(Reduction.None, false, 0.0)]
        [InlineData(Reduction.Mean, false, 0.0)]
        [InlineData(Reduction.Sum, true, 0.0)]
        [InlineData(Reduction.Mean, true, 0.2)]
        [InlineData(Reduction.None, true, 0.1)]
        public void MatchesFiniteDifferences(Reduction reduction, bool weighted, double labelSmoothing)
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 2, 4, 3);
            Tensor t = Uniform(rng, 0, 1, 2, 4, 3);
            Tensor? w = weighted ? Uniform(rng, 0.1, 2, 4) : null;
            AssertGradientMatchesFiniteDifferences(
                ti => Functional.CrossEntropy(x, ti, w, reduction: reduction, labelSmoothing: labelSmoothing),
                (g, ti) => Functional.CrossEntropyTargetBackward(g, x, ti, w, reduction: reduction, labelSmoothing: labelSmoothing),
                t,
                rng);
        }

        [Fact]
        public void Float32_LibtorchValues()
        {
            // libtorch 2.10, x = [[1, 2, 0.5], [-1, 0, 3]], t = [[0.2, 0.3, 0.5], [1, 0, 0]]:
            // none: [1.4643688, 0.4643688, 1.9643688, 4.065884, 3.0658839, 0.06588391]
            // mean, weight [1, 2, 0.5]: [0.7321844, 0.4643688, 0.4910922, 2.032942, 3.0658839, 0.016470978]
            // mean, weight, label_smoothing 0.1: [0.65896595, 0.4179319, 0.44198298, 1.8296478, 2.7592955, 0.01482388]
            Tensor x = Tensor.FromArray(new[] { 1f, 2f, 0.5f, -1f, 0f, 3f }, 2, 3);
            Tensor t = Tensor.FromArray(new[] { 0.2f, 0.3f, 0.5f, 1f, 0f, 0f }, 2, 3);
            Tensor w = Tensor.Vector(1f, 2f, 0.5f);
            Assert.Equal(new[] { 1.4643688f, 0.4643688f, 1.9643688f, 4.065884f, 3.0658839f, 0.06588391f }, Functional.CrossEntropyTargetBackward(Tensor.Vector(1f, 1f), x, t, reduction: Reduction.None).ToArray<float>());
            Assert.Equal(new[] { 0.7321844f, 0.4643688f, 0.4910922f, 2.032942f, 3.0658839f, 0.016470978f }, Functional.CrossEntropyTargetBackward(Tensor.Scalar(1.0), x, t, w).ToArray<float>());
            Assert.Equal(new[] { 0.65896595f, 0.4179319f, 0.44198298f, 1.8296478f, 2.7592955f, 0.01482388f }, Functional.CrossEntropyTargetBackward(Tensor.Scalar(1.0), x, t, w, labelSmoothing: 0.1).ToArray<float>());
        }

        [Fact]
        public void UnbatchedInput_And_Empty()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -2, 2, 5), t = Uniform(rng, 0, 1, 5);
            AssertGradientMatchesFiniteDifferences(
                ti => Functional.CrossEntropy(x, ti, reduction: Reduction.None),
                (g, ti) => Functional.CrossEntropyTargetBackward(g, x, ti, reduction: Reduction.None),
                t,
                rng);
            Tensor e = Tensor.Zeros(DType.Float32, 0, 3);
            Assert.Equal(new[] { 0, 3 }, Functional.CrossEntropyTargetBackward(Tensor.Scalar(1.0), e, e).ShapeArray());
        }

        [Fact]
        public void Errors()
        {
            Tensor x = Tensor.FromArray(new[] { 1f, 2f, 0.5f, -1f, 0f, 3f }, 2, 3);
            AssertTorchError(TorchErrorKind.RuntimeError, "only Tensors of floating point and complex dtype can require gradients", () => Functional.CrossEntropyTargetBackward(Tensor.Scalar(1.0), x, Tensor.Vector(0L, 2L)));
            AssertTorchError(TorchErrorKind.RuntimeError, "ignore_index is not supported for floating point target", () => Functional.CrossEntropyTargetBackward(Tensor.Scalar(1.0), x, x, ignoreIndex: 1));
            AssertTorchError(TorchErrorKind.RuntimeError, "label_smoothing must be between 0.0 and 1.0. Got: 1.5", () => Functional.CrossEntropyTargetBackward(Tensor.Scalar(1.0), x, x, labelSmoothing: 1.5));
        }
    }
}
