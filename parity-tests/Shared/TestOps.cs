using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Tests.Shared;

/// <summary>The registered ops by their C# names, and calls built with the first ops' arguments, for tests.</summary>
internal static class TestOps
{
    public static OpDefinition Sigmoid => OpCatalog.Get("sigmoid");

    public static OpDefinition Softmax => OpCatalog.Get("softmax");

    public static OpDefinition LogSoftmax => OpCatalog.Get("log_softmax");

    public static OpDefinition BinaryCrossEntropy => OpCatalog.Get("binary_cross_entropy");

    public static OpDefinition BinaryCrossEntropyWithLogits => OpCatalog.Get("binary_cross_entropy_with_logits");

    public static OpDefinition NllLoss => OpCatalog.Get("nll_loss");

    public static OpDefinition CrossEntropy => OpCatalog.Get("cross_entropy");

    /// <summary>The seven ops the catalogue started with.</summary>
    public static IReadOnlyList<OpDefinition> First { get; } =
        [Sigmoid, Softmax, LogSoftmax, BinaryCrossEntropy, BinaryCrossEntropyWithLogits, NllLoss, CrossEntropy];

    /// <summary>A call with the first ops' arguments; each argument the op takes is written (as the old fixed-field call carried them all).</summary>
    public static OpCall Call(OpDefinition op, Tensor Input, Tensor? Target = null, Tensor? Weight = null, Tensor? PosWeight = null,
        Reduction Reduction = Reduction.Mean, long IgnoreIndex = -100, double LabelSmoothing = 0.0, int? Dim = null)
    {
        var s = op.Schema;
        var args = ArgSet.Of(
            ("reduction", s.Scalar("reduction") is null ? null : Reduction),
            ("ignore_index", s.Scalar("ignore_index") is null ? null : IgnoreIndex),
            ("label_smoothing", s.Scalar("label_smoothing") is null ? null : LabelSmoothing),
            ("dim", s.Scalar("dim") is null ? null : Dim));
        return new OpCall(op, args, ("input", Input), ("target", Target), ("weight", Weight), ("pos_weight", PosWeight));
    }
}

/// <summary>The first ops' tensors and arguments of a call, by their old field names, for tests.</summary>
internal static class TestCallFields
{
    extension(OpCall c)
    {
        public Tensor Input => c.Primary;

        public Tensor? Target => c["target"];

        public Tensor? Weight => c["weight"];

        public Tensor? PosWeight => c["pos_weight"];

        public long IgnoreIndex => c.Op.Schema.Scalar("ignore_index") is null ? -100 : c.Int("ignore_index");

        public double LabelSmoothing => c.Op.Schema.Scalar("label_smoothing") is null ? 0 : c.Float("label_smoothing");

        public int? Dim => c.Op.Schema.Scalar("dim") is null ? null : (int?)c.OptionalInt("dim");
    }
}

/// <summary>The first ops' written arguments by their old field names (null when not written), for tests.</summary>
internal static class TestArgFields
{
    extension(ArgSet a)
    {
        public Reduction Reduction => a.Get("reduction") is { } r ? (r.AsString == "batchmean" ? Reduction.BatchMean : Reductions.Parse(r.AsString)) : Reduction.Mean;

        public bool ReductionWritten => a.Contains("reduction");

        public long? IgnoreIndex => a.Get("ignore_index")?.AsInt;

        public double? LabelSmoothing => a.Get("label_smoothing")?.AsDouble;

        public int? Dim => a.Get("dim") is { IsNone: false } d ? (int)d.AsInt : null;
    }
}
