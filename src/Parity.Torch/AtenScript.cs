using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Parity.Torch;

/// <summary>
/// The ATen loss ops that Python's <c>torch.nn.functional</c> calls, reached through one TorchScript compilation unit,
/// because TorchSharp's managed API cannot pass every argument (its <c>nll_loss</c> has no <c>ignore_index</c>, its
/// <c>CrossEntropyLoss</c> factory no <c>label_smoothing</c>) and its C++ frontend adds checks Python does not make.
/// </summary>
/// <remarks>
/// <para>Each TorchScript function calls exactly one ATen op, with the arguments Python passes to it:</para>
/// <list type="table">
/// <listheader><term>Python (torch.nn.functional)</term><description>ATen op called here</description></listheader>
/// <item><term><c>binary_cross_entropy</c></term><description><c>aten::binary_cross_entropy(input, target, weight, reduction)</c>, after the weight is
/// expanded to the broadcast of target and weight (Python's <c>weight.expand(_infer_size(target.size(), weight.size()))</c>)</description></item>
/// <item><term><c>binary_cross_entropy_with_logits</c></term><description><c>aten::binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)</c></description></item>
/// <item><term><c>nll_loss</c></term><description><c>aten::nll_loss_nd(input, target, weight, reduction, ignore_index)</c></description></item>
/// <item><term><c>cross_entropy</c></term><description><c>aten::cross_entropy_loss(input, target, weight, reduction, ignore_index, label_smoothing)</c></description></item>
/// </list>
/// <para>A sixth function, <c>input_grad</c>, runs <c>torch.autograd.grad([output], [input], [grad_output])</c>, so
/// that an error raised by a backward kernel is caught by the interpreter (and translated) instead of terminating the
/// process, as it does when it escapes TorchSharp's own <c>torch.autograd.grad</c>.</para>
/// <para>The unit is compiled once per process, lazily and thread-safely; invoking it from several threads is safe
/// (the TorchScript interpreter keeps per-call state). Single-op functions leave the graph executor nothing to fuse
/// or differentiate symbolically, so values and gradients are those of the eager kernels.</para>
/// </remarks>
internal static class AtenScript
{
    /// <summary>Name of the function wrapping <c>aten::binary_cross_entropy</c>.</summary>
    public const string BinaryCrossEntropy = "binary_cross_entropy";

    /// <summary>Name of the function that expands BCE's weight the way Python's frontend does.</summary>
    public const string ExpandWeight = "expand_weight";

    /// <summary>Name of the function wrapping <c>aten::binary_cross_entropy_with_logits</c>.</summary>
    public const string BinaryCrossEntropyWithLogits = "binary_cross_entropy_with_logits";

    /// <summary>Name of the function wrapping <c>aten::nll_loss_nd</c>.</summary>
    public const string NllLossNd = "nll_loss_nd";

    /// <summary>Name of the function wrapping <c>aten::cross_entropy_loss</c>.</summary>
    public const string CrossEntropyLoss = "cross_entropy_loss";

    /// <summary>Name of the function running <c>torch.autograd.grad([output], [input], [grad_output])</c>.</summary>
    public const string InputGrad = "input_grad";

    /// <summary>The TorchScript source. Reduction is ATen's integer enum (0 none, 1 mean, 2 sum).</summary>
    internal const string Source = """
        def expand_weight(target: Tensor, weight: Tensor) -> Tensor:
            return torch.broadcast_tensors(target, weight)[1]

        def binary_cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: int) -> Tensor:
            return torch.binary_cross_entropy(input, target, weight, reduction)

        def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Optional[Tensor], pos_weight: Optional[Tensor], reduction: int) -> Tensor:
            return torch.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)

        def nll_loss_nd(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: int, ignore_index: int) -> Tensor:
            return torch.nll_loss_nd(input, target, weight, reduction, ignore_index)

        def cross_entropy_loss(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: int, ignore_index: int, label_smoothing: float) -> Tensor:
            return torch.cross_entropy_loss(input, target, weight, reduction, ignore_index, label_smoothing)

        def input_grad(output: Tensor, input: Tensor, grad_output: Tensor) -> Tensor:
            grad_outputs: List[Optional[Tensor]] = [grad_output]
            grads = torch.autograd.grad([output], [input], grad_outputs)
            grad = grads[0]
            assert grad is not None
            return grad
        """;

    private static readonly Lazy<torch.jit.CompilationUnit> s_unit = new(Compile, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The compiled unit (compiled on first use).</summary>
    public static torch.jit.CompilationUnit Unit => s_unit.Value;

    private static torch.jit.CompilationUnit Compile()
    {
        try
        {
            // TorchScript's parser wants the source to end with a newline.
            return torch.jit.compile(Source + "\n");
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            // A bug here, not bad input: do not let it pass for a libtorch argument error.
            throw new InvalidOperationException("compiling Parity's TorchScript unit failed: " + e.Message, e);
        }
    }

    /// <summary>Invokes one of the functions above and returns its tensor.</summary>
    /// <param name="name">One of the name constants of this class.</param>
    /// <param name="args">Tensors, null for <c>None</c>, <see cref="int"/>, or <see cref="Scalar"/> for int64/float arguments.</param>
    public static TorchTensor Invoke(string name, params object?[] args) =>
        Unit.invoke<TorchTensor>(name, args!);
}
