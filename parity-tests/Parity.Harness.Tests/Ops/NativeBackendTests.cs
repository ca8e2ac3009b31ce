using Parity.Harness.Ops;
using Parity.Native;
using Parity.Native.Ops;
using Parity.Tests.Shared;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Harness.Tests.Ops;

public class NativeBackendTests
{
    private static readonly NativeBackend Backend = new();

    public class Evaluate
    {
        [Fact]
        public void Name_IsNative() => Assert.Equal("native", Backend.Name);

        [Fact]
        public void WithoutGrad_ReturnsFunctionalOutputOnly()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 4, 3);
            Tensor t = Classes(rng, 3, -100, 0, 4);
            OpResult r = Backend.Evaluate(TestOps.Call(TestOps.CrossEntropy, x, t, LabelSmoothing: 0.1), grad: false);
            Assert.Null(r.Grad);
            Assert.True(r.Output.BitEquals(Functional.CrossEntropy(x, t, labelSmoothing: 0.1)));
        }

        [Fact]
        public void GradWithoutGradOutput_UsesOnes()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 4, 3);
            OpResult r = Backend.Evaluate(TestOps.Call(TestOps.LogSoftmax, x), grad: true);
            var ones = Tensor.FromDoubles(DType.Float64, Enumerable.Repeat(1.0, 12).ToArray(), 4, 3);
            Assert.True(r.Grad!.BitEquals(Functional.LogSoftmaxBackward(ones, x, 1)));
        }

        [Fact]
        public void GradWithGradOutput_PassesItThrough()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 6), y = Uniform(rng, 0, 1, 6), g = Uniform(rng, -1, 1, 6);
            OpResult r = Backend.Evaluate(TestOps.Call(TestOps.BinaryCrossEntropyWithLogits, x, y, Reduction: Reduction.None), grad: true, gradOutput: g);
            Assert.True(r.Grad!.BitEquals(Functional.BinaryCrossEntropyWithLogitsBackward(g, x, y, reduction: Reduction.None)));
        }

        [Theory]
        [InlineData("sigmoid")]
        [InlineData("softmax")]
        [InlineData("log_softmax")]
        [InlineData("binary_cross_entropy")]
        [InlineData("binary_cross_entropy_with_logits")]
        [InlineData("nll_loss")]
        [InlineData("cross_entropy")]
        public void EveryOp_GradientMatchesFiniteDifferences(string opName)
        {
            var op = OpCatalog.Get(opName);
            var rng = new System.Random(Seed);
            Tensor x = op == TestOps.BinaryCrossEntropy ? Uniform(rng, 0.05, 0.95, 3, 4) : Uniform(rng, -3, 3, 3, 4);
            Tensor? t = op.Name switch
            {
                "binary_cross_entropy" or "binary_cross_entropy_with_logits" => Uniform(rng, 0, 1, 3, 4),
                "nll_loss" or "cross_entropy" => Classes(rng, 4, -100, 0, 3),
                _ => null,
            };
            AssertGradientMatchesFiniteDifferences(
                xi => Backend.Evaluate(TestOps.Call(op, xi, t), grad: false).Output,
                (g, xi) => Backend.Evaluate(TestOps.Call(op, xi, t), grad: true, gradOutput: g).Grad!,
                x,
                rng);
        }

        [Fact]
        public void Errors_SurfaceAsTorchException()
        {
            AssertTorchError(TorchErrorKind.IndexError, "Target 5 is out of bounds.", () => Backend.Evaluate(TestOps.Call(TestOps.NllLoss, Tensor.Zeros(DType.Float32, 1, 3), Tensor.Vector(5L)), grad: false));
        }
    }
}
