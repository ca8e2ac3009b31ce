namespace Parity.Native;

/// <summary>The operations Parity implements, by their PyTorch functional names.</summary>
public enum LossOp
{
    /// <summary><c>torch.sigmoid</c>.</summary>
    Sigmoid,

    /// <summary><c>torch.softmax(input, dim)</c>.</summary>
    Softmax,

    /// <summary><c>torch.log_softmax(input, dim)</c>.</summary>
    LogSoftmax,

    /// <summary><c>torch.nn.functional.binary_cross_entropy</c> (<c>nn.BCELoss</c>).</summary>
    BinaryCrossEntropy,

    /// <summary><c>torch.nn.functional.binary_cross_entropy_with_logits</c> (<c>nn.BCEWithLogitsLoss</c>).</summary>
    BinaryCrossEntropyWithLogits,

    /// <summary><c>torch.nn.functional.nll_loss</c> (<c>nn.NLLLoss</c>).</summary>
    NllLoss,

    /// <summary><c>torch.nn.functional.cross_entropy</c> (<c>nn.CrossEntropyLoss</c>).</summary>
    CrossEntropy,
}

/// <summary>Helpers over <see cref="LossOp"/>.</summary>
public static class LossOps
{
    /// <summary>All ops, in declaration order.</summary>
    public static IReadOnlyList<LossOp> All { get; } = Enum.GetValues<LossOp>();

    /// <summary>PyTorch's functional name: <c>sigmoid</c>, <c>softmax</c>, <c>log_softmax</c>, <c>binary_cross_entropy</c>, …</summary>
    public static string Name(this LossOp op) => op switch
    {
        LossOp.Sigmoid => "sigmoid",
        LossOp.Softmax => "softmax",
        LossOp.LogSoftmax => "log_softmax",
        LossOp.BinaryCrossEntropy => "binary_cross_entropy",
        LossOp.BinaryCrossEntropyWithLogits => "binary_cross_entropy_with_logits",
        LossOp.NllLoss => "nll_loss",
        LossOp.CrossEntropy => "cross_entropy",
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>Parses PyTorch's functional name.</summary>
    /// <exception cref="ArgumentException">Unknown op name.</exception>
    public static LossOp Parse(string name) =>
        All.FirstOrDefault(o => o.Name() == name) is var op && op.Name() == name
            ? op
            : throw new ArgumentException($"unknown op '{name}' (expected one of: {string.Join(", ", All.Select(o => o.Name()))})", nameof(name));

    /// <summary>Whether the op is a loss (takes a target and a reduction).</summary>
    public static bool IsLoss(this LossOp op) => op is not (LossOp.Sigmoid or LossOp.Softmax or LossOp.LogSoftmax);
}
