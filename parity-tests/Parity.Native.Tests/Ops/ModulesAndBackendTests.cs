using Parity.Native;
using Parity.Native.Modules;
using Parity.Native.Ops;
using static Parity.Native.Tests.Ops.OpsTestSupport;

namespace Parity.Native.Tests.Ops;

public class ModuleTests
{
    public class EqualFunctional
    {
        [Fact]
        public void BCELoss()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, 0.05, 0.95, 3, 4), y = Uniform(rng, 0, 1, 3, 4), w = Uniform(rng, 0.1, 2, 4), g = Uniform(rng, -1, 1, 3, 4);
            var m = new BCELoss(w, Reduction.None);
            Assert.True(m.Forward(x, y).BitEquals(Functional.BinaryCrossEntropy(x, y, w, Reduction.None)));
            Assert.True(m.Backward(g, x, y).BitEquals(Functional.BinaryCrossEntropyBackward(g, x, y, w, Reduction.None)));
        }

        [Fact]
        public void BCEWithLogitsLoss()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -5, 5, 3, 4), y = Uniform(rng, 0, 1, 3, 4), w = Uniform(rng, 0.1, 2, 4), p = Uniform(rng, 0.5, 2, 4);
            var m = new BCEWithLogitsLoss(w, Reduction.Sum, p);
            Assert.True(m.Forward(x, y).BitEquals(Functional.BinaryCrossEntropyWithLogits(x, y, w, p, Reduction.Sum)));
            var g = Tensor.Scalar(0.5, DType.Float64);
            Assert.True(m.Backward(g, x, y).BitEquals(Functional.BinaryCrossEntropyWithLogitsBackward(g, x, y, w, p, Reduction.Sum)));
        }

        [Fact]
        public void NLLLoss()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 0, 5, 4), t = Classes(rng, 4, 1, 0.3, 5), w = Uniform(rng, 0.1, 2, 4);
            var m = new NLLLoss(w, 1);
            Assert.True(m.Forward(x, t).BitEquals(Functional.NllLoss(x, t, w, 1)));
            var g = Tensor.Scalar(1.0, DType.Float64);
            Assert.True(m.Backward(g, x, t).BitEquals(Functional.NllLossBackward(g, x, t, w, 1)));
        }

        [Fact]
        public void CrossEntropyLoss_KeepsLabelSmoothing()
        {
            var rng = new System.Random(Seed);
            Tensor x = Uniform(rng, -3, 3, 5, 4), t = Classes(rng, 4, 1, 0.3, 5), w = Uniform(rng, 0.1, 2, 4);
            var m = new CrossEntropyLoss(w, 1, Reduction.Mean, 0.2);
            Assert.Equal(0.2, m.LabelSmoothing);
            Assert.True(m.Forward(x, t).BitEquals(Functional.CrossEntropy(x, t, w, 1, Reduction.Mean, 0.2)));
            var g = Tensor.Scalar(1.0, DType.Float64);
            Assert.True(m.Backward(g, x, t).BitEquals(Functional.CrossEntropyBackward(g, x, t, w, 1, Reduction.Mean, 0.2)));
        }

        [Fact]
        public void Defaults_AreTorchDefaults()
        {
            var ce = new CrossEntropyLoss();
            Assert.Equal((-100L, Reduction.Mean, 0.0), (ce.IgnoreIndex, ce.Reduction, ce.LabelSmoothing));
            var nll = new NLLLoss();
            Assert.Equal((-100L, Reduction.Mean), (nll.IgnoreIndex, nll.Reduction));
            Assert.Null(new BCELoss().Weight);
            Assert.Null(new BCEWithLogitsLoss().PosWeight);
        }
    }
}
