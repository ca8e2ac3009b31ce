using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary>The libtorch error for a gradient with respect to cross_entropy's (or nll_loss's) weight with class-index targets.</summary>
    internal const string NllWeightNotDifferentiable =
        "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.";

    /// <summary>
    /// The gradient of <see cref="CrossEntropy"/> with respect to <c>weight</c>, which libtorch's autograd gives only for
    /// probability (floating) targets, where the loss is the composite −Σ (log_softmax(x)·t')·w.
    /// </summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input (logits).</param>
    /// <param name="target">The forward probability target (floating, input-shaped).</param>
    /// <param name="weight">The forward per-class weight (C).</param>
    /// <param name="ignoreIndex">The forward ignore_index.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <param name="labelSmoothing">The forward label_smoothing ε.</param>
    /// <returns>
    /// ∂ℓ/∂w[c] = Σ over samples and positions of ĝ·(lsm·t')[·, c, ·], with t' = t·(1 − ε) + ε/C, ĝ = −g per sample
    /// ('none'), −g ('sum') or −g/(numel/C) ('mean'); weight-shaped, in the weight's dtype.
    /// </returns>
    /// <exception cref="TorchException">As the forward; RuntimeError (libtorch's text) for class-index targets, whose
    /// nll_loss kernel is not differentiable with respect to weight.</exception>
    /// <remarks>
    /// libtorch computes the products element-wise in the promoted dtype and reduces the broadcast gradient over the
    /// batch and spatial dimensions with its sum kernel; the sum here is taken in float64 and rounded once, so results
    /// agree within the tolerance model rather than bit for bit.
    /// </remarks>
    public static Tensor CrossEntropyWeightBackward(Tensor gradOutput, Tensor input, Tensor target, Tensor weight, long ignoreIndex = DefaultIgnoreIndex, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(weight);
        Tensor loss = CrossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing);
        if (!target.DType.IsFloatingPoint())
        {
            throw Runtime(NllWeightNotDifferentiable);
        }
        _ = GradValues<double>(gradOutput, loss.Shape);
        int classDim = input.Dim == 1 ? 0 : 1;
        int[] shape = input.ShapeArray();
        int classes = shape[classDim];
        int inner = 1;
        for (int d = classDim + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }
        DType pt = Promote(input.DType, target.DType);
        double[] lsm = LogSoftmax(input, classDim).ToDoubleArray();
        double[] t = target.ToDoubleArray();
        double[] go = gradOutput.ToDoubleArray();
        int n = lsm.Length;
        int samples = classes == 0 ? 0 : n / classes;
        var gw = new double[classes];
        for (int i = 0; i < n; i++)
        {
            int c = i / inner % classes;
            int s = (i / (classes * inner) * inner) + (i % inner);
            double ti = labelSmoothing > 0.0 ? R(pt, R(pt, t[i] * R(pt, 1 - labelSmoothing)) + R(pt, labelSmoothing / classes)) : t[i];
            double p = R(pt, lsm[i] * ti);
            double g = reduction switch
            {
                Reduction.None => -go[s],
                Reduction.Sum => -go[0],
                _ => -R(pt, go[0] / samples),
            };
            gw[c] += R(pt, g * p);
        }
        return Tensor.FromDoubles(weight.DType, gw, weight.ShapeArray());

        static double R(DType dtype, double v) => dtype == DType.Float32 ? (float)v : v;
    }
}
