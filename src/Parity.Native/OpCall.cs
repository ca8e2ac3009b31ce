namespace Parity.Native;

/// <summary>
/// One call of an op with all of PyTorch's arguments. Both backends (native and libtorch) take this same value,
/// so a case means the same thing on both sides.
/// </summary>
/// <param name="Op">Which op.</param>
/// <param name="Input">The <c>input</c> tensor (logits, probabilities or log-probabilities according to the op).</param>
/// <param name="Target">The <c>target</c> tensor; null for sigmoid/softmax/log_softmax.</param>
/// <param name="Weight">The optional <c>weight</c> tensor.</param>
/// <param name="PosWeight">The optional <c>pos_weight</c> tensor (binary_cross_entropy_with_logits only).</param>
/// <param name="Reduction">The <c>reduction</c>; ignored by sigmoid/softmax/log_softmax.</param>
/// <param name="IgnoreIndex">The <c>ignore_index</c> (nll_loss, cross_entropy); PyTorch's default is -100.</param>
/// <param name="LabelSmoothing">The <c>label_smoothing</c> (cross_entropy only); default 0.</param>
/// <param name="Dim">The <c>dim</c> of softmax/log_softmax; null means 0 for inputs of rank 0 or 1, else 1.</param>
public sealed record OpCall(
    LossOp Op,
    Tensor Input,
    Tensor? Target = null,
    Tensor? Weight = null,
    Tensor? PosWeight = null,
    Reduction Reduction = Reduction.Mean,
    long IgnoreIndex = -100,
    double LabelSmoothing = 0.0,
    int? Dim = null)
{
    /// <summary>PyTorch's default <c>ignore_index</c>.</summary>
    public const long DefaultIgnoreIndex = -100;

    /// <summary>The softmax dimension actually used: <see cref="Dim"/>, or 0 for rank ≤ 1 and 1 otherwise.</summary>
    public int EffectiveDim => Dim ?? (Input.Dim <= 1 ? 0 : 1);
}

/// <summary>The result of evaluating an <see cref="OpCall"/>.</summary>
/// <param name="Output">The op's output (a 0-D tensor for reduced losses).</param>
/// <param name="Grad">The gradient with respect to <c>input</c>, when it was asked for.</param>
public sealed record OpResult(Tensor Output, Tensor? Grad);

/// <summary>A side that can evaluate op calls: the native implementation or libtorch.</summary>
public interface IOpBackend
{
    /// <summary>A short name for reports: <c>native</c> or <c>torch</c>.</summary>
    string Name { get; }

    /// <summary>Evaluates <paramref name="call"/>.</summary>
    /// <param name="call">The op and its arguments.</param>
    /// <param name="grad">Whether to compute the gradient with respect to <c>call.Input</c>.</param>
    /// <param name="gradOutput">The upstream gradient (same shape as the output); null means all ones, i.e. the gradient of <c>sum(output)</c>.</param>
    /// <returns>The output and, when <paramref name="grad"/> is true, the input gradient.</returns>
    /// <exception cref="TorchException">The arguments are invalid; the message is PyTorch's.</exception>
    OpResult Evaluate(OpCall call, bool grad, Tensor? gradOutput = null);
}
