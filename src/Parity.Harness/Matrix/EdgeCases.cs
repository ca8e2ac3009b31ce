using Parity.Harness.Cases;
using Parity.Native;

namespace Parity.Harness.Matrix;

/// <summary>
/// Edge values written out explicitly: NaN, ±∞, ±0, saturating logits, probabilities of exactly 0 and 1 (BCE's −100
/// clamp), all targets ignored (mean = 0/0 = NaN), huge logits for the max shift of log_softmax.
/// </summary>
public static class EdgeCases
{
    private const double Inf = double.PositiveInfinity;
    private const double NaN = double.NaN;

    /// <summary>The edge cases, float32 and float64.</summary>
    public static IReadOnlyList<CaseSpec> Cases { get; } = Build();

    private static Tensor V(DType dtype, int[] shape, params double[] values) => Tensor.FromDoubles(dtype, values, shape);

    private static Tensor L(int[] shape, params long[] values) => Tensor.FromArray(values, shape);

    private static IReadOnlyList<CaseSpec> Build()
    {
        var list = new List<CaseSpec>();
        foreach (var dt in new[] { DType.Float32, DType.Float64 })
        {
            string d = dt.Name();
            CaseSpec Case(string name, LossOp op, IReadOnlyList<InputSpec> inputs, CaseArgs? args = null, bool bit = false) => new()
            {
                Name = $"{op.Name()}.{d}.{name}", Op = op, DType = dt, DTypeWritten = true, Seed = Seeds.Edges, Inputs = inputs,
                Args = args ?? new CaseArgs(), Grad = true, ExpectBitIdentical = bit,
            };
            CaseArgs Red(Reduction r, long? ii = null, double? ls = null) => new() { Reduction = r, ReductionWritten = true, IgnoreIndex = ii, LabelSmoothing = ls };

            list.Add(Case("edges.special", LossOp.Sigmoid,
                [InputSpec.FromValues("input", V(dt, [12], NaN, Inf, -Inf, 0.0, -0.0, 100, -100, 1e-30, 20, -20, 88.7, -88.8))]));
            foreach (var op in new[] { LossOp.Softmax, LossOp.LogSoftmax })
            {
                list.Add(Case("edges.rows", op,
                    [InputSpec.FromValues("input", V(dt, [5, 3], 0, -Inf, 1, 1000, 0, -1000, NaN, 0, 1, -Inf, -Inf, -Inf, 1e4, 1e4, 1e4))]));
            }
            foreach (var r in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
            {
                string rn = r.Name();
                // x = 0 or 1 hits the log clamp at -100 (and x=1, y=1 gives -0 in 'none'); the gradient guard max((1-x)x, eps).
                list.Add(Case($"{rn}.edges.zero-one", LossOp.BinaryCrossEntropy,
                    [
                        InputSpec.FromValues("input", V(dt, [8], 0, 1, 0, 1, 0.5, 1e-30, 1 - 1e-7, 0.25)),
                        InputSpec.FromValues("target", V(dt, [8], 0, 0, 1, 1, 0.5, 1, 0, 0.75)),
                    ], Red(r), bit: true));
                list.Add(Case($"{rn}.edges.saturated", LossOp.BinaryCrossEntropyWithLogits,
                    [
                        InputSpec.FromValues("input", V(dt, [10], 100, -100, 1e4, -1e4, 0, -0.0, 40, -40, 1e-30, 17)),
                        InputSpec.FromValues("target", V(dt, [10], 0, 1, 0, 1, 1, 0, 0.5, 0.5, 1, 0)),
                        InputSpec.FromValues("pos_weight", V(dt, [10], 1, 2, 0, 3, 0.5, 1, 1, 4, 1, 0)),
                    ], Red(r)));
                list.Add(Case($"{rn}.nw.ii=1.edges.all-ignored", LossOp.NllLoss,
                    [
                        InputSpec.Randn("input", [3, 4], InputMap.LogSoftmax),
                        InputSpec.FromValues("target", L([3], 1, 1, 1)),
                    ], Red(r, ii: 1), bit: true));
                list.Add(Case($"{rn}.w.ii=1.edges.all-ignored", LossOp.NllLoss,
                    [
                        InputSpec.Randn("input", [3, 4], InputMap.LogSoftmax),
                        InputSpec.FromValues("target", L([3], 1, 1, 1)),
                        InputSpec.Rand("weight", [4]),
                    ], Red(r, ii: 1), bit: true));
                list.Add(Case($"{rn}.nw.ii=1.ls=0.1.edges.all-ignored", LossOp.CrossEntropy,
                    [
                        InputSpec.Randn("input", [3, 4]),
                        InputSpec.FromValues("target", L([3], 1, 1, 1)),
                    ], Red(r, ii: 1, ls: 0.1)));
                list.Add(Case($"{rn}.nw.edges.huge-logits", LossOp.CrossEntropy,
                    [
                        InputSpec.FromValues("input", V(dt, [3, 4], 1e4, -1e4, 0, 1, -Inf, 0, 1, 2, 88, 89, 90, 91)),
                        InputSpec.FromValues("target", L([3], 1, 0, 3)),
                    ], Red(r)));
                list.Add(Case($"{rn}.w.ls=0.1.edges.zero-weight", LossOp.CrossEntropy,
                    [
                        InputSpec.Randn("input", [4, 3]),
                        InputSpec.FromValues("target", L([4], 0, 1, 2, 1)),
                        InputSpec.FromValues("weight", V(dt, [3], 0, 1, 0)),
                    ], Red(r, ls: 0.1)));
            }
        }
        return list;
    }
}
