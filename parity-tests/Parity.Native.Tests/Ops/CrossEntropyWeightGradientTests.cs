using Parity.Native;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class CrossEntropyWeightGradientTests
{
    [Theory]
    [InlineData(Reduction.None, 0.0, new[] { 4, 3 })]
    [InlineData(Reduction.Mean, 0.0, new[] { 4, 3 })]
    [InlineData(Reduction.Sum, 0.2, new[] { 4, 3 })]
    [InlineData(Reduction.Mean, 0.3, new[] { 2, 3, 5 })]
    [InlineData(Reduction.None, 0.1, new[] { 2, 3, 2, 2 })]
    [InlineData(Reduction.Sum, 0.0, new[] { 3 })]
    public void ProbabilityTargets_MatchFiniteDifferences(Reduction reduction, double smoothing, int[] shape)
    {
        var rng = new System.Random(Seed);
        Tensor x = Uniform(rng, -3, 3, shape);
        Tensor t = Functional.Softmax(Uniform(rng, -2, 2, shape), shape.Length == 1 ? 0 : 1);
        Tensor w = Uniform(rng, 0.1, 2, shape.Length == 1 ? shape[0] : shape[1]);
        AssertGradientMatchesFiniteDifferences(
            wi => Functional.CrossEntropy(x, t, wi, reduction: reduction, labelSmoothing: smoothing),
            (g, wi) => Functional.CrossEntropyWeightBackward(g, x, t, wi, reduction: reduction, labelSmoothing: smoothing),
            w,
            rng);
    }

    [Fact]
    public void IndexTargets_RaiseLibtorchsText()
    {
        var rng = new System.Random(Seed);
        Tensor x = Uniform(rng, -3, 3, 4, 3);
        var e = Assert.Throws<TorchException>(() =>
            Functional.CrossEntropyWeightBackward(Tensor.Scalar(1.0, DType.Float64), x, Tensor.Vector(0L, 1L, 2L, 1L), Uniform(rng, 0.1, 2, 3)));
        Assert.Equal("The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.", e.Message);
    }
}
