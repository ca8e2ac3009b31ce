namespace Parity.Harness.Matrix;

/// <summary>
/// The named, fixed seeds of the built-in matrix. Every matrix case carries one of these, so a case is drawn the same
/// way whatever subset, shard or order is run (the seed document's chain is the exception, see <see cref="SeedDocument"/>).
/// </summary>
public static class Seeds
{
    /// <summary><c>torch.manual_seed(2020)</c> of the seed document (../shared/seed); its later cells continue the stream.</summary>
    public const long SeedDocument = 2020;

    /// <summary>sigmoid, softmax and log_softmax cases.</summary>
    public const long Activations = 11;

    /// <summary>binary_cross_entropy cases.</summary>
    public const long BinaryCrossEntropy = 12;

    /// <summary>binary_cross_entropy_with_logits cases.</summary>
    public const long BinaryCrossEntropyWithLogits = 13;

    /// <summary>nll_loss cases.</summary>
    public const long NllLoss = 14;

    /// <summary>cross_entropy cases.</summary>
    public const long CrossEntropy = 15;

    /// <summary>The bad-input cases (inputs that both sides must reject).</summary>
    public const long BadInputs = 16;

    /// <summary>Edge-value cases (explicit values; the seed only fixes the drawn companions).</summary>
    public const long Edges = 17;
}
