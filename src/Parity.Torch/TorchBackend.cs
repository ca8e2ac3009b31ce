using System.Runtime.InteropServices;
using Parity.Harness.Ops;
using Parity.Native;
using Parity.Torch.PInvoke;
using TorchSharp;
using NativeTensor = Parity.Native.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Parity.Torch;

/// <summary>
/// The reference side: evaluates an <see cref="OpCall"/> with libtorch (through TorchSharp), honouring every argument,
/// and computes the gradients with libtorch's autograd.
/// </summary>
/// <remarks>
/// <para><b>What is called.</b> What Python's <c>torch.nn.functional</c> does, not what TorchSharp's C++ frontend
/// (<c>torch::nn::functional</c>) does, because Python PyTorch is the reference. Each op's definition says how:
/// <see cref="OpDefinition.Reference"/> runs the Python-frontend steps that cannot be written in TorchScript (checks
/// raising Python's errors, warnings) and names a function of <see cref="OpDefinition.ReferenceScript"/>, which
/// reaches the ATen op (<see cref="OpScripts"/>). This class knows no op by name.</para>
/// <para><b>Determinism.</b> The constructor sets libtorch's intra-op thread count (default 1): with more than one thread,
/// reductions over more than 32768 elements are split per thread and their bits depend on the thread count.
/// The setting is process-wide, as <c>torch.set_num_threads</c> is.</para>
/// <para><b>Errors.</b> Every libtorch error becomes a <see cref="TorchException"/> whose message is the first line of
/// the ATen message (TorchScript's traceback wrapper removed) and whose kind is the Python exception class; see
/// <see cref="TorchErrors"/>.</para>
/// <para><b>Gradients.</b> Each tensor asked for becomes a leaf requiring grad and <c>torch.autograd.grad</c> runs over
/// the list inside the op's TorchScript unit (see <see cref="OpScripts"/> for why). A null <c>gradOutput</c> means ones.
/// Integer tensors raise Python's "only Tensors of floating point and complex dtype can require gradients" (after the
/// forward, so the op's own error wins); a <c>gradOutput</c> whose shape differs from the output's raises autograd's
/// Python "Mismatch in shape" text.</para>
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
    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, NativeTensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(wrt);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return EvaluateOnce(call, wrt, gradOutput);
            }
            catch (TorchException e) when (attempt < MaxAttempts && e.Message.StartsWith(SpuriousInternalError, StringComparison.Ordinal))
            {
                // Seen about once in several thousand evaluations when many test threads drive libtorch at once: an
                // argument-free TORCH_CHECK(false) inside libtorch instead of the op's result or its own error. The same
                // call evaluated again gives the real result, so it is retried; a persistent one is reported as it is.
            }
        }
    }

    /// <summary>The first line of the internal libtorch error the backend retries.</summary>
    internal const string SpuriousInternalError = "Expected false to be true, but got false.";

    private const int MaxAttempts = 3;

    private OpResult EvaluateOnce(OpCall call, IReadOnlyList<string> wrt, NativeTensor? gradOutput)
    {
        using var scope = torch.NewDisposeScope();
        using var gradMode = torch.enable_grad(wrt.Count > 0);
        using var capture = TorchWarnings.Capture(out var warnings);
        try
        {
            var wrtTensors = wrt.Select(n => call[n] ?? throw new ArgumentException($"{call.Op.Name}: a gradient with respect to '{n}', which the call does not pass", nameof(wrt))).ToList();
            var converted = new Dictionary<NativeTensor, TorchTensor>(ReferenceEqualityComparer.Instance);
            TorchTensor Convert(NativeTensor t)
            {
                if (!converted.TryGetValue(t, out var tt))
                {
                    bool leaf = wrtTensors.Any(w => ReferenceEquals(w, t)) && t.DType.IsFloatingPoint();
                    tt = TensorConversion.ToTorch(t, requiresGrad: leaf);
                    converted[t] = tt;
                }
                return tt;
            }
            // Leaves first, so a tensor asked for is a leaf even when the frontend does not pass it on.
            foreach (var t in wrtTensors)
            {
                Convert(t);
            }
            ReferenceCall reference = call.Op.Reference(call);
            var args = reference.Arguments.Select(a => a is NativeTensor t ? Convert(t) : a).ToArray();
            TorchTensor output = OpScripts.Invoke(call.Op, reference.Function, args);
            NativeTensor nativeOutput = TensorConversion.FromTorch(output);
            if (wrt.Count == 0)
            {
                return new OpResult(nativeOutput, [], [.. warnings]);
            }
            if (wrtTensors.Any(t => !t.DType.IsFloatingPoint()))
            {
                throw OpBackends.IntegerGradError();
            }
            OpBackends.CheckGradOutput(gradOutput, nativeOutput.Shape);
            TorchTensor upstream = gradOutput is null ? torch.ones_like(output) : TensorConversion.ToTorch(gradOutput);
            TorchTensor[] grads = OpScripts.Gradients(call.Op, output, [.. wrtTensors.Select(Convert)], upstream);
            var result = new List<KeyValuePair<string, NativeTensor>>();
            for (int i = 0; i < wrt.Count; i++)
            {
                result.Add(new(wrt[i], TensorConversion.FromTorch(grads[i])));
            }
            return new OpResult(nativeOutput, result, [.. warnings]);
        }
        catch (ExternalException e)
        {
            var translated = TorchErrors.Translate(e);
            throw call.Op.AtenErrorKind(translated.Message) is { } kind && kind != translated.Kind
                ? new TorchException(kind, translated.Message)
                : translated;
        }
    }

}
