using CsCheck;
using Parity.Native;

namespace Parity.Harness.Fuzz;

/// <summary>Limits on generated shapes, kept small so cases are cheap and shrinking converges fast.</summary>
/// <param name="MaxRank">Largest rank of the <c>input</c> tensor (≤ 5).</param>
/// <param name="MaxDim">Largest size of one dimension (≤ 7).</param>
/// <param name="MaxNumel">Largest element count of the <c>input</c> tensor.</param>
public sealed record FuzzBounds(int MaxRank = 5, int MaxDim = 7, int MaxNumel = 64)
{
    /// <summary>The default bounds: rank 0–5, dims 0–7, at most 64 elements.</summary>
    public static FuzzBounds Default { get; } = new();

    /// <summary>Bounds no larger than <paramref name="call"/>'s input (used while shrinking).</summary>
    public static FuzzBounds Within(OpCall call, FuzzBounds outer)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(outer);
        int maxDim = 0;
        foreach (int d in call.Input.Shape)
        {
            maxDim = Math.Max(maxDim, d);
        }
        return new FuzzBounds(
            Math.Min(outer.MaxRank, call.Input.Dim),
            Math.Min(outer.MaxDim, Math.Max(1, maxDim)),
            Math.Min(outer.MaxNumel, Math.Max(1, call.Input.Numel)));
    }
}

/// <summary>
/// CsCheck generators of <see cref="OpCall"/>s with explicit tensor values, covering every argument PyTorch takes:
/// dtype, shapes of rank 0–5 with dims 0–7 (N = 0 and C = 1 in reach), reduction, weight and pos_weight (zeros and
/// negatives included), ignore_index (−100, a valid class, an out-of-range negative), label_smoothing (in [0, 1] and
/// invalid), class-index targets (out-of-range values in reach) and probability targets (rows not summing to 1), and
/// adversarial values (<see cref="FuzzValues"/>). A small share of calls is structurally invalid on purpose (wrong
/// target dtype or shape, a weight that does not broadcast) so the error paths are compared too.
/// </summary>
/// <remarks>
/// The CsCheck size of a generated call is ordered first by the total element count of its tensors, so CsCheck-style
/// shrinking (keep any failing sample of smaller size) heads for cases with few elements.
/// </remarks>
public static class FuzzCases
{
    /// <summary>Calls of one op.</summary>
    /// <param name="op">The op.</param>
    /// <param name="bounds">Shape limits; null means <see cref="FuzzBounds.Default"/>.</param>
    public static Gen<OpCall> For(LossOp op, FuzzBounds? bounds = null)
    {
        var b = bounds ?? FuzzBounds.Default;
        Gen<OpCall> inner = op switch
        {
            LossOp.Sigmoid => Activation(op, b),
            LossOp.Softmax or LossOp.LogSoftmax => Activation(op, b),
            LossOp.BinaryCrossEntropy => Bce(b, withLogits: false),
            LossOp.BinaryCrossEntropyWithLogits => Bce(b, withLogits: true),
            LossOp.NllLoss => ClassIndex(op, b),
            LossOp.CrossEntropy => Gen.Frequency((3, ClassIndex(op, b)), (1, SoftTarget(b))),
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };
        return new ElementCountSized(inner);
    }

    /// <summary>The total element count of a call's tensors (the primary shrinking order).</summary>
    public static int ElementCount(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.Input.Numel + (call.Target?.Numel ?? 0) + (call.Weight?.Numel ?? 0) + (call.PosWeight?.Numel ?? 0);
    }

    private static Gen<DType> FloatType => Gen.OneOfConst(DType.Float32, DType.Float64);

    private static Gen<Reduction> AnyReduction => Gen.OneOfConst(Reduction.None, Reduction.Mean, Reduction.Sum);

    private static Gen<int> Dim(FuzzBounds b) => b.MaxDim <= 1
        ? Gen.Int[0, Math.Max(0, b.MaxDim)]
        : Gen.Frequency((4, Gen.Int[1, Math.Min(4, b.MaxDim)]), (1, Gen.Int[0, b.MaxDim]));

    private static Gen<int> Rank(int min, int max)
    {
        max = Math.Max(min, max);
        // Favour ranks 1–3; 0, 4 and 5 stay in reach.
        var choices = new List<(int, IGen<int>)>();
        for (int r = min; r <= max; r++)
        {
            choices.Add((r is >= 1 and <= 3 ? 4 : 1, Gen.Const(r)));
        }
        return Gen.Frequency([.. choices]);
    }

    private static Gen<int[]> Shape(int minRank, int maxRank, FuzzBounds b) =>
        from rank in Rank(minRank, Math.Min(maxRank, b.MaxRank))
        from dims in Dim(b).Array[rank]
        select Clamp(dims, b.MaxNumel, 0);

    /// <summary>Shrinks the largest dims (never below 1, never dimension <paramref name="keep"/>) until the count fits.</summary>
    private static int[] Clamp(int[] dims, int maxNumel, int keep)
    {
        while (Tensor.NumelOf(dims) > maxNumel)
        {
            int best = -1;
            for (int i = 0; i < dims.Length; i++)
            {
                if (i != keep && dims[i] > 1 && (best < 0 || dims[i] > dims[best]))
                {
                    best = i;
                }
            }
            if (best < 0)
            {
                best = keep;
            }
            dims[best]--;
        }
        return dims;
    }

    private static Tensor Make(DType dtype, double[] values, int[] shape) => Tensor.FromDoubles(dtype, values, shape);

    private static Gen<Tensor> Values(DType dtype, int[] shape, ValueKind kind) =>
        FuzzValues.Array(Tensor.NumelOf(shape), kind).Select(v => Make(dtype, v, shape));

    /// <summary>A shape that broadcasts to <paramref name="target"/>: the same shape, a suffix with some dims set to 1, or a scalar.</summary>
    private static Gen<int[]> BroadcastShape(int[] target) =>
        from keep in Gen.Int[0, target.Length]
        from ones in Gen.Bool.Array[keep]
        select target[(target.Length - keep)..].Select((d, i) => ones[i] && i > 0 ? 1 : d).ToArray();

    private static Gen<Tensor?> Optional(Gen<Tensor> gen) =>
        Gen.Frequency((1, Gen.Const<Tensor?>(() => null)), (1, gen.Select(t => (Tensor?)t)));

    // ---- sigmoid, softmax, log_softmax ----------------------------------------------------------------------------

    private static Gen<OpCall> Activation(LossOp op, FuzzBounds b) =>
        from dtype in FloatType
        from shape in Shape(0, 5, b)
        from input in Values(dtype, shape, ValueKind.Logit)
        from dim in op == LossOp.Sigmoid ? Gen.Const<int?>(() => null) : SoftmaxDim(shape.Length)
        select new OpCall(op, input, Dim: dim);

    private static Gen<int?> SoftmaxDim(int rank)
    {
        int lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 0 : rank - 1;
        return Gen.Frequency(
            (6, Gen.Const<int?>(() => null)),
            (3, Gen.Int[lo, hi].Select(d => (int?)d)),
            (1, Gen.OneOfConst<int?>(hi + 1, lo - 1)));
    }

    // ---- binary_cross_entropy, binary_cross_entropy_with_logits -------------------------------------------------

    private static Gen<OpCall> Bce(FuzzBounds b, bool withLogits) =>
        from dtype in FloatType
        from shape in Shape(0, 4, b)
        from input in Values(dtype, shape, withLogits ? ValueKind.Logit : ValueKind.Probability)
        from target in Values(dtype, shape, ValueKind.BinaryTarget)
        from weight in Optional(BroadcastShape(shape).SelectMany(s => Values(dtype, s, ValueKind.Weight)))
        from posWeight in withLogits ? Optional(PosWeightShape(shape).SelectMany(s => Values(dtype, s, ValueKind.Weight))) : Gen.Const<Tensor?>(() => null)
        from reduction in AnyReduction
        from mutation in Mutation
        select Mutate(new OpCall(withLogits ? LossOp.BinaryCrossEntropyWithLogits : LossOp.BinaryCrossEntropy,
            input, target, weight, posWeight, reduction), mutation);

    private static Gen<int[]> PosWeightShape(int[] shape) => shape.Length == 0
        ? Gen.Const(System.Array.Empty<int>())
        : Gen.Frequency((4, Gen.Const(new[] { shape[^1] })), (1, Gen.Const(System.Array.Empty<int>())), (1, BroadcastShape(shape)));

    // ---- nll_loss, cross_entropy with class-index targets ---------------------------------------------------------

    private static Gen<int[]> ClassInputShape(FuzzBounds b) => Gen.Frequency(
        (5, from n in Dim(b) from c in ClassCount(b) select Clamp([n, c], b.MaxNumel, 1)),
        (2, from n in Dim(b)
            from c in ClassCount(b)
            from extra in Dim(b).Array[1, Math.Max(1, Math.Min(3, b.MaxRank - 2))]
            select Clamp([n, c, .. extra], b.MaxNumel, 1)),
        (1, ClassCount(b).Select(c => new[] { c })));

    private static Gen<int> ClassCount(FuzzBounds b) => b.MaxDim < 1
        ? Gen.Const(0)
        : Gen.Frequency((8, Gen.Int[1, b.MaxDim]), (1, Gen.Const(1)), (1, Gen.Const(0)));

    private static int[] TargetShapeOf(int[] input) => input.Length == 1 ? [] : [input[0], .. input[2..]];

    private static Gen<long> IgnoreIndex(int classes) => Gen.Frequency(
        (5, Gen.Const(OpCall.DefaultIgnoreIndex)),
        (2, Gen.Int[0, Math.Max(0, classes - 1)].Select(i => (long)i)),
        (1, Gen.OneOfConst(-1L, -3L)));

    private static Gen<long> ClassIndexValue(int classes, long ignoreIndex) => classes > 0
        ? Gen.Frequency(
            (14, Gen.Int[0, classes - 1].Select(i => (long)i)),
            (2, Gen.Const(ignoreIndex)),
            (1, Gen.OneOfConst((long)classes, -1L, -5L, 1000L, OpCall.DefaultIgnoreIndex)))
        : Gen.Frequency((1, Gen.Const(ignoreIndex)), (1, Gen.OneOfConst(0L, -1L)));

    private static Gen<Tensor> ClassTarget(int[] shape, int classes, long ignoreIndex) =>
        ClassIndexValue(classes, ignoreIndex).Array[Tensor.NumelOf(shape)].Select(v => Tensor.FromArray(v, shape));

    private static Gen<double> LabelSmoothing => Gen.Frequency(
        (5, Gen.Const(0.0)),
        (3, Gen.Double[0, 1]),
        (1, Gen.OneOfConst(1.0, 0.1, 0.5)),
        (1, Gen.OneOfConst(1.5, -0.1, -1.0, 2.0, 1.0000001, double.NaN)));

    private static Gen<OpCall> ClassIndex(LossOp op, FuzzBounds b) =>
        from dtype in FloatType
        from shape in ClassInputShape(b)
        let classes = shape.Length == 1 ? shape[0] : shape[1]
        from ignoreIndex in IgnoreIndex(classes)
        from targetShape in shape.Length == 1 ? Gen.Frequency((3, Gen.Const(System.Array.Empty<int>())), (1, Gen.Const(new[] { 1 }))) : Gen.Const(TargetShapeOf(shape))
        from target in ClassTarget(targetShape, classes, ignoreIndex)
        from input in Values(dtype, shape, op == LossOp.NllLoss ? ValueKind.LogProbability : ValueKind.Logit)
        from weight in Optional(Values(dtype, [classes], ValueKind.Weight))
        from reduction in AnyReduction
        from smoothing in op == LossOp.CrossEntropy ? LabelSmoothing : Gen.Const(0.0)
        from mutation in Mutation
        select Mutate(new OpCall(op, input, target, weight, null, reduction, ignoreIndex, smoothing), mutation);

    // ---- cross_entropy with probability targets ---------------------------------------------------------------------

    private static Gen<OpCall> SoftTarget(FuzzBounds b) =>
        from dtype in FloatType
        from shape in ClassInputShape(b)
        let classes = shape.Length == 1 ? shape[0] : shape[1]
        from input in Values(dtype, shape, ValueKind.Logit)
        from target in Values(dtype, shape, ValueKind.SoftTarget)
        from weight in Optional(Values(dtype, [classes], ValueKind.Weight))
        from ignoreIndex in Gen.Frequency((6, Gen.Const(OpCall.DefaultIgnoreIndex)), (1, Gen.OneOfConst(0L, -1L)))
        from reduction in AnyReduction
        from smoothing in LabelSmoothing
        select new OpCall(LossOp.CrossEntropy, input, target, weight, null, reduction, ignoreIndex, smoothing);

    // ---- deliberately invalid structure ------------------------------------------------------------------------------

    /// <summary>−1 (no mutation) mostly; otherwise which structural mistake to make.</summary>
    private static Gen<int> Mutation => Gen.Frequency((15, Gen.Const(-1)), (1, Gen.Int[0, 3]));

    private static OpCall Mutate(OpCall call, int mutation)
    {
        if (mutation < 0 || call.Target is null)
        {
            return call;
        }
        var dtype = call.Input.DType;
        var other = dtype == DType.Float32 ? DType.Float64 : DType.Float32;
        int[] shape = call.Input.ShapeArray();
        int last = shape.Length == 0 ? 1 : shape[^1];
        return (call.Op, mutation) switch
        {
            (LossOp.NllLoss or LossOp.CrossEntropy, 0) => call with { Target = call.Target.To(dtype) },
            (LossOp.NllLoss or LossOp.CrossEntropy, 1) => call with { Weight = Ones(dtype, [ClassesOf(shape) + 1]) },
            (LossOp.NllLoss or LossOp.CrossEntropy, 2) when shape.Length >= 2 =>
                call with { Target = Tensor.Zeros(DType.Int64, [shape[0] + 1, .. call.Target.Shape[1..]]) },
            (LossOp.NllLoss or LossOp.CrossEntropy, _) => call with { Target = Tensor.Zeros(DType.Int64, [.. call.Target.Shape, 2]) },
            (_, 0) => call with { Target = call.Target.Reshape(shape.Length == 1 ? [shape[0], 1] : [call.Target.Numel]) },
            (_, 1) => call with { Target = call.Target.To(other) },
            (LossOp.BinaryCrossEntropyWithLogits, 2) => call with { PosWeight = Ones(dtype, [last + 1]) },
            _ => call with { Weight = Ones(dtype, [last + 1]) },
        };
    }

    private static int ClassesOf(int[] shape) => shape.Length == 1 ? shape[0] : shape[1];

    private static Tensor Ones(DType dtype, int[] shape)
    {
        var t = Tensor.Zeros(dtype, shape);
        for (int i = 0; i < t.Numel; i++)
        {
            t.SetDouble(i, 1.0);
        }
        return t;
    }

    /// <summary>Puts the total element count in front of the inner CsCheck size, so smaller cases compare smaller.</summary>
    private sealed class ElementCountSized(Gen<OpCall> inner) : Gen<OpCall>
    {
        public override OpCall Generate(PCG pcg, Size? min, out Size size)
        {
            var call = inner.Generate(pcg, null, out var innerSize);
            size = new Size((ulong)ElementCount(call), innerSize);
            return call;
        }
    }
}
