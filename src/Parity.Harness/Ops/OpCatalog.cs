using Parity.Harness.Ops.Definitions;

namespace Parity.Harness.Ops;

/// <summary>
/// Every op Parity implements, found by PyTorch's name. This list is the one place an op is registered: every layer
/// (cases, matrix, fuzzing, evaluation, snapshots, reports, the CLI, the README table) reads it.
/// </summary>
public static class OpCatalog
{
    private static readonly Lazy<IReadOnlyList<OpDefinition>> s_all = new(() =>
    [
        new Sigmoid(),
        new Softmax(),
        new LogSoftmax(),
        new BinaryCrossEntropy(),
        new BinaryCrossEntropyWithLogits(),
        new NllLoss(),
        new CrossEntropy(),
        new CtcLoss(),
        new SmoothL1Loss(),
        new MarginRankingLoss(),
        new L1Loss(),
        new MseLoss(),
        new HuberLoss(),
        new SoftMarginLoss(),
        new KlDiv(),
        new PoissonNllLoss(),
        new GaussianNllLoss(),
        new MultilabelSoftMarginLoss(),
        new HingeEmbeddingLoss(),
        new PairwiseDistance(),
        new CosineSimilarity(),
        new CosineEmbeddingLoss(),
        new MultiMarginLoss(),
        new MultilabelMarginLoss(),
        new TripletMarginLoss(),
        new TripletMarginWithDistanceLoss(),
    ]);

    /// <summary>All ops, in registration order.</summary>
    public static IReadOnlyList<OpDefinition> All => s_all.Value;

    /// <summary>PyTorch's names of all ops.</summary>
    public static IEnumerable<string> Names => All.Select(o => o.Name);

    /// <summary>The position of <paramref name="op"/> in <see cref="All"/> (for ordering reports), or <see cref="int.MaxValue"/>.</summary>
    public static int Order(OpDefinition op)
    {
        int i = All.Select((o, k) => (o, k)).FirstOrDefault(x => ReferenceEquals(x.o, op), (null!, -1)).Item2;
        return i < 0 ? int.MaxValue : i;
    }

    /// <summary>The op named <paramref name="name"/> (PyTorch's functional name), or null.</summary>
    public static OpDefinition? Find(string name) => All.FirstOrDefault(o => o.Name == name);

    /// <summary>The op named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such op; the message lists the known ones.</exception>
    public static OpDefinition Get(string name) =>
        Find(name) ?? throw new ArgumentException($"unknown op '{name}' (expected one of: {string.Join(", ", Names)})", nameof(name));
}
