using System.Runtime.InteropServices;
using Parity.Native;
using Parity.Torch.PInvoke;
using TorchSharp;
using NativeTensor = Parity.Native.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Parity.Torch;

/// <summary>
/// The reference side: evaluates an <see cref="OpCall"/> with libtorch (through TorchSharp), honouring every argument,
/// and computes the gradient with respect to the input with libtorch's autograd.
/// </summary>
/// <remarks>
/// <para><b>What is called.</b> The backend reproduces what Python's <c>torch.nn.functional</c> does, not what
/// TorchSharp's C++ frontend (<c>torch::nn::functional</c>) does, because Python PyTorch is the reference:</para>
/// <list type="bullet">
/// <item><c>sigmoid</c>, <c>softmax(dim)</c>, <c>log_softmax(dim)</c>: the ATen ops directly (TorchSharp's managed calls),
/// with <see cref="OpCall.EffectiveDim"/>. Note that Python's deprecated implicit dim (<c>dim=None</c>) picks 0 for 3-D
/// input; <see cref="OpCall.EffectiveDim"/> picks 1, the class dimension, and this backend follows the OpCall.
/// <c>sigmoid</c> of an int64 tensor returns float32, as in PyTorch.</item>
/// <item><c>binary_cross_entropy</c>: Python's own check (a <c>ValueError</c> when <c>target.size() != input.size()</c>,
/// shapes printed as <c>torch.Size([…])</c>), the weight expanded to the broadcast shape of target and weight, then
/// <c>aten::binary_cross_entropy</c>.</item>
/// <item><c>binary_cross_entropy_with_logits</c>: Python's <c>ValueError</c> when the sizes differ, then
/// <c>aten::binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)</c>.</item>
/// <item><c>nll_loss</c>: <c>aten::nll_loss_nd(input, target, weight, reduction, ignore_index)</c> — so 1-D input (C)
/// works as in Python, where TorchSharp's frontend raises "Expected 2 or more dimensions (got 1)".</item>
/// <item><c>cross_entropy</c>: <c>aten::cross_entropy_loss(input, target, weight, reduction, ignore_index, label_smoothing)</c>.</item>
/// </list>
/// <para>The four losses go through one TorchScript compilation unit (<see cref="AtenScript"/>), compiled once.</para>
/// <para><b>Determinism.</b> The constructor sets libtorch's intra-op thread count (default 1): with more than one thread,
/// reductions over more than 32768 elements are split per thread and their bits depend on the thread count.
/// The setting is process-wide, as <c>torch.set_num_threads</c> is.</para>
/// <para><b>Errors.</b> Every libtorch error becomes a <see cref="TorchException"/> whose message is the first line of
/// the ATen message (TorchScript's traceback wrapper removed) and whose kind is the Python exception class; see
/// <see cref="TorchErrors"/>.</para>
/// <para><b>Gradients.</b> With <c>grad</c> true the input becomes a leaf requiring grad and
/// <c>torch.autograd.grad([output], [input], [gradOutput])</c> runs — inside the TorchScript unit
/// (<see cref="AtenScript.InputGrad"/>), not through TorchSharp's <c>torch.autograd.grad</c>, because an error raised by a
/// backward kernel escapes the latter as an uncaught c10::Error and terminates the process (exit 134), e.g. nll_loss's
/// backward on a (C) input with a (1) target ("size mismatch (got input: [3], target: [1])") or on an empty batch with a
/// float target ("expected scalar type Long but found Double"); the interpreter catches it and it becomes a
/// <see cref="TorchException"/> as Python's RuntimeError from <c>.backward()</c> would. The same autograd engine and
/// kernels run, so the gradients are the eager ones bit for bit. A null <c>gradOutput</c> means ones. Integer inputs raise
/// Python's "only Tensors of floating point and complex dtype can require gradients" (after the forward, so the op's own
/// error wins); a <c>gradOutput</c> whose shape differs from the output's raises autograd's Python "Mismatch in shape" text.</para>
/// <para>Instances are thread-safe: each evaluation uses its own tensors and a per-thread dispose scope.</para>
/// </remarks>
public sealed class TorchBackend : IOpBackend
{
    /// <summary>The default intra-op thread count: 1, so that reductions are reproducible bit for bit.</summary>
    public const int DefaultThreads = 1;

    /// <summary>Loads libtorch (see <see cref="LibTorchLoader"/>) and sets its intra-op thread count.</summary>
    /// <param name="threads">The value passed to <c>torch.set_num_threads</c>; 1 unless you accept thread-dependent sums.</param>
    /// <exception cref="InvalidOperationException">libtorch is not available; the message says why.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is less than 1.</exception>
    public TorchBackend(int threads = DefaultThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        LibTorchLoader.EnsureAvailable();
        torch.set_num_threads(threads);
        Threads = threads;
    }

    /// <inheritdoc/>
    public string Name => "torch";

    /// <summary>The intra-op thread count this backend set.</summary>
    public int Threads { get; }

    /// <summary>What this backend runs on: libtorch and TorchSharp versions, platform, CPU capability, threads.</summary>
    public static TorchProvenance Provenance => TorchProvenance.Current;

    /// <inheritdoc/>
    /// <exception cref="TorchException">libtorch rejected the call; the message is libtorch's (or Python's frontend's) first line.</exception>
    public OpResult Evaluate(OpCall call, bool grad, NativeTensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var scope = torch.NewDisposeScope();
        using var gradMode = torch.enable_grad(grad);
        try
        {
            bool floating = call.Input.DType.IsFloatingPoint();
            TorchTensor input = TensorConversion.ToTorch(call.Input, requiresGrad: grad && floating);
            TorchTensor output = Forward(call, input);
            NativeTensor nativeOutput = TensorConversion.FromTorch(output);
            if (!grad)
            {
                return new OpResult(nativeOutput, null);
            }
            if (!floating)
            {
                // What Python raises for input.requires_grad_() on an integer tensor.
                throw new TorchException(TorchErrorKind.RuntimeError, "only Tensors of floating point and complex dtype can require gradients");
            }
            if (gradOutput is not null && !gradOutput.Shape.SequenceEqual(nativeOutput.Shape))
            {
                // torch.autograd's Python check (_make_grads), before the engine runs.
                throw new TorchException(TorchErrorKind.RuntimeError,
                    $"Mismatch in shape: grad_output[0] has a shape of {PythonSize(gradOutput.Shape)} and output[0] has a shape of {PythonSize(nativeOutput.Shape)}.");
            }
            TorchTensor upstream = gradOutput is null ? torch.ones_like(output) : TensorConversion.ToTorch(gradOutput);
            TorchTensor inputGrad = AtenScript.Invoke(AtenScript.InputGrad, output, input, upstream);
            return new OpResult(nativeOutput, TensorConversion.FromTorch(inputGrad));
        }
        catch (ExternalException e)
        {
            throw TorchErrors.Translate(e);
        }
    }

    /// <summary>Runs the op forward on libtorch tensors (all created inside the caller's dispose scope).</summary>
    internal static TorchTensor Forward(OpCall call, TorchTensor input)
    {
        switch (call.Op)
        {
            case LossOp.Sigmoid:
                return torch.sigmoid(input);
            case LossOp.Softmax:
                return input.softmax(call.EffectiveDim);
            case LossOp.LogSoftmax:
                return input.log_softmax(call.EffectiveDim);
        }

        NativeTensor targetNative = call.Target
            ?? throw new ArgumentException($"{call.Op.Name()} needs a target", nameof(call));
        TorchTensor target = TensorConversion.ToTorch(targetNative);
        TorchTensor? weight = call.Weight is null ? null : TensorConversion.ToTorch(call.Weight);
        int reduction = (int)call.Reduction;

        switch (call.Op)
        {
            case LossOp.BinaryCrossEntropy:
                if (!call.Input.Shape.SequenceEqual(targetNative.Shape))
                {
                    throw new TorchException(TorchErrorKind.ValueError,
                        $"Using a target size ({PythonSize(targetNative.Shape)}) that is different to the input size ({PythonSize(call.Input.Shape)}) is deprecated. Please ensure they have the same size.");
                }
                if (weight is not null)
                {
                    weight = AtenScript.Invoke(AtenScript.ExpandWeight, target, weight);
                }
                return AtenScript.Invoke(AtenScript.BinaryCrossEntropy, input, target, weight, reduction);

            case LossOp.BinaryCrossEntropyWithLogits:
                if (!call.Input.Shape.SequenceEqual(targetNative.Shape))
                {
                    throw new TorchException(TorchErrorKind.ValueError,
                        $"Target size ({PythonSize(targetNative.Shape)}) must be the same as input size ({PythonSize(call.Input.Shape)})");
                }
                TorchTensor? posWeight = call.PosWeight is null ? null : TensorConversion.ToTorch(call.PosWeight);
                return AtenScript.Invoke(AtenScript.BinaryCrossEntropyWithLogits, input, target, weight, posWeight, reduction);

            case LossOp.NllLoss:
            {
                using var ignoreIndex = (Scalar)call.IgnoreIndex;
                return AtenScript.Invoke(AtenScript.NllLossNd, input, target, weight, reduction, ignoreIndex);
            }

            case LossOp.CrossEntropy:
            {
                using var ignoreIndex = (Scalar)call.IgnoreIndex;
                using var smoothing = (Scalar)call.LabelSmoothing;
                return AtenScript.Invoke(AtenScript.CrossEntropyLoss, input, target, weight, reduction, ignoreIndex, smoothing);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(call), call.Op, "unknown op");
        }
    }

    /// <summary>Python's <c>str(torch.Size)</c>: <c>torch.Size([2, 3])</c>.</summary>
    internal static string PythonSize(ReadOnlySpan<int> shape) => "torch.Size(" + NativeTensor.ShapeString(shape) + ")";
}
