using Parity.Harness.Cases;
using Parity.Harness.Comparison;
using Parity.Native;

namespace Parity.Harness.Evaluation;

/// <summary>What one side (native or libtorch) produced for a case: an output (and gradient), or an error.</summary>
/// <param name="Output">The op's output; null on error.</param>
/// <param name="Grad">The gradient of <c>sum(output)</c> w.r.t. <c>input</c> when asked for; null otherwise or on error.</param>
/// <param name="Error">The first line of the error message; null on success.</param>
/// <param name="Unexpected">Whether the error was not a <see cref="TorchException"/> (a crash rather than a PyTorch-style error).</param>
public sealed record SideResult(Tensor? Output, Tensor? Grad, string? Error, bool Unexpected = false)
{
    /// <summary>Whether the side succeeded.</summary>
    public bool Succeeded => Error is null;

    /// <summary>An error result from an exception (first line of its message; non-TorchException types are prefixed with their type name).</summary>
    public static SideResult FromException(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is TorchException)
        {
            return new SideResult(null, null, FirstLine(e.Message));
        }
        return new SideResult(null, null, $"{e.GetType().Name}: {FirstLine(e.Message)}", Unexpected: true);
    }

    /// <summary>The first line of a message (ATen's text without the C++ stack or TorchScript traceback).</summary>
    public static string FirstLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        int nl = message.IndexOfAny(['\r', '\n']);
        return nl < 0 ? message : message[..nl];
    }
}

/// <summary>The evaluation of one case on both sides and their comparison.</summary>
public sealed record CaseOutcome
{
    /// <summary>The case.</summary>
    public required CaseSpec Case { get; init; }

    /// <summary>The native result.</summary>
    public required SideResult Native { get; init; }

    /// <summary>The libtorch result; null when libtorch was not run.</summary>
    public SideResult? Torch { get; init; }

    /// <summary>The natively drawn inputs (raw and mapped); null when the native draw failed.</summary>
    public DrawnInputs? Inputs { get; init; }

    /// <summary>Whether libtorch's draw equals the native draw bit for bit; null when libtorch was not run.</summary>
    public bool? InputsIdentical { get; init; }

    /// <summary>The output comparison (libtorch expected, native actual), when both succeeded.</summary>
    public TensorComparison? Output { get; init; }

    /// <summary>The gradient comparison, when both produced one.</summary>
    public TensorComparison? Grad { get; init; }

    /// <summary>Whether native agrees with libtorch; null when libtorch was not run.</summary>
    public bool? Match { get; init; }

    /// <summary>Why they do not agree (null on a match or when libtorch was not run).</summary>
    public string? Reason { get; init; }

    /// <summary>Largest abs difference over output and gradient (0 when nothing numeric was compared).</summary>
    public double MaxAbsDiff => Math.Max(Output?.MaxAbsDiff ?? 0, Grad?.MaxAbsDiff ?? 0);

    /// <summary>Largest ULP difference over output and gradient.</summary>
    public long MaxUlpDiff => Math.Max(Output?.MaxUlpDiff ?? 0, Grad?.MaxUlpDiff ?? 0);

    /// <summary>Whether output and gradient (or the error texts) are bit-identical on both sides.</summary>
    public bool BitIdentical =>
        Torch is not null &&
        (Native.Error is not null
            ? Native.Error == Torch.Error
            : Output is { BitIdentical: true } && (Grad is null || Grad.BitIdentical) && (Native.Grad is null) == (Torch.Grad is null));
}

/// <summary>
/// Runs cases natively and on libtorch. Inputs are drawn from both random sources (to report
/// <see cref="CaseOutcome.InputsIdentical"/>) but both ops are evaluated on the SAME natively drawn, natively mapped
/// tensors, so a difference in an op is never confounded with a difference in drawing.
/// </summary>
/// <remarks>
/// One evaluator owns one native and one libtorch random stream, shared across the cases it evaluates in order: a case
/// with a seed reseeds both; a case without continues both streams. Not thread-safe; use one evaluator per thread.
/// </remarks>
public sealed class CaseEvaluator
{
    private readonly IOpBackend _native;
    private readonly IRandomSource _nativeRandom;
    private readonly IOpBackend? _torch;
    private readonly IRandomSource? _torchRandom;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="native">The backend under test.</param>
    /// <param name="nativeRandom">The native random source (also used to draw the tensors both ops receive).</param>
    /// <param name="torch">The libtorch backend; null to run native only (<c>--no-torch</c>).</param>
    /// <param name="torchRandom">The libtorch random source; null to skip the draw comparison.</param>
    public CaseEvaluator(IOpBackend native, IRandomSource nativeRandom, IOpBackend? torch = null, IRandomSource? torchRandom = null)
    {
        ArgumentNullException.ThrowIfNull(native);
        ArgumentNullException.ThrowIfNull(nativeRandom);
        _native = native;
        _nativeRandom = nativeRandom;
        _torch = torch;
        _torchRandom = torchRandom;
    }

    /// <summary>Evaluates the cases in order, sharing the random streams.</summary>
    public IReadOnlyList<CaseOutcome> EvaluateAll(IEnumerable<CaseSpec> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        return cases.Select(Evaluate).ToList();
    }

    /// <summary>Draws a case's inputs on both streams without evaluating it (to reach a later case of a seed chain).</summary>
    public void Replay(CaseSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        TryDraw(spec, _nativeRandom, _native);
        if (_torch is not null && _torchRandom is not null)
        {
            TryDraw(spec, _torchRandom, _torch);
        }

        static void TryDraw(CaseSpec spec, IRandomSource random, IOpBackend mapper)
        {
            try
            {
                InputDrawer.Draw(spec, random, mapper);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A failing draw in a replayed case leaves the stream where the evaluated case would have left it.
                _ = e;
            }
        }
    }

    /// <summary>Evaluates libtorch alone on its own draw (the reference for snapshots: never the native code under test).</summary>
    /// <returns>The libtorch result and its drawn inputs (null when the draw failed).</returns>
    /// <exception cref="InvalidOperationException">The evaluator has no libtorch side.</exception>
    public (SideResult Result, DrawnInputs? Inputs) EvaluateReference(CaseSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (_torch is null || _torchRandom is null)
        {
            throw new InvalidOperationException("snapshots are made from libtorch, which is not available");
        }
        DrawnInputs inputs;
        try
        {
            inputs = InputDrawer.Draw(spec, _torchRandom, _torch);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (SideResult.FromException(e), null);
        }
        return (Run(_torch, spec, inputs), inputs);
    }

    /// <summary>Evaluates one case (continuing the streams when it has no seed).</summary>
    public CaseOutcome Evaluate(CaseSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        DrawnInputs? nativeInputs = null;
        SideResult? nativeDrawError = null;
        try
        {
            nativeInputs = InputDrawer.Draw(spec, _nativeRandom, _native);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            nativeDrawError = SideResult.FromException(e);
        }

        DrawnInputs? torchInputs = null;
        SideResult? torchDrawError = null;
        if (_torch is not null && _torchRandom is not null)
        {
            try
            {
                // The torch draw is mapped by libtorch: it is only used when the native draw failed.
                torchInputs = InputDrawer.Draw(spec, _torchRandom, _torch);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                torchDrawError = SideResult.FromException(e);
            }
        }

        var native = nativeDrawError ?? Run(_native, spec, nativeInputs!);
        SideResult? torch = null;
        if (_torch is not null)
        {
            var inputs = nativeInputs ?? torchInputs;
            torch = inputs is not null ? Run(_torch, spec, inputs) : torchDrawError ?? nativeDrawError;
        }

        bool? identical = _torch is null || _torchRandom is null ? null
            : nativeInputs is not null && torchInputs is not null && nativeInputs.RawBitEquals(torchInputs);
        return Compare(spec, native, torch, nativeInputs, identical);
    }

    private static SideResult Run(IOpBackend backend, CaseSpec spec, DrawnInputs inputs)
    {
        try
        {
            var r = backend.Evaluate(InputDrawer.ToCall(spec, inputs), spec.Grad);
            if (spec.Grad && r.Grad is null)
            {
                return new SideResult(r.Output, null, $"{backend.Name} backend returned no gradient", Unexpected: true);
            }
            return new SideResult(r.Output, spec.Grad ? r.Grad : null, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return SideResult.FromException(e);
        }
    }

    /// <summary>Compares a native result with a libtorch result under the case's tolerances.</summary>
    public static CaseOutcome Compare(CaseSpec spec, SideResult native, SideResult? torch, DrawnInputs? inputs = null, bool? inputsIdentical = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(native);
        var outcome = new CaseOutcome { Case = spec, Native = native, Torch = torch, Inputs = inputs, InputsIdentical = inputsIdentical };
        if (torch is null)
        {
            return outcome;
        }
        if (native.Error is not null || torch.Error is not null)
        {
            string? reason = null;
            if (native.Error is null)
            {
                reason = $"libtorch raised \"{torch.Error}\" but native succeeded";
            }
            else if (torch.Error is null)
            {
                reason = $"native raised \"{native.Error}\" but libtorch succeeded";
            }
            else if (native.Error != torch.Error)
            {
                reason = $"error texts differ: native \"{native.Error}\", libtorch \"{torch.Error}\"";
            }
            else if (!string.IsNullOrEmpty(spec.ExpectError) && spec.ExpectError != torch.Error)
            {
                reason = $"both raised \"{torch.Error}\", but the catalogue expects \"{spec.ExpectError}\"";
            }
            return outcome with { Match = reason is null, Reason = reason };
        }
        if (spec.ExpectError is not null)
        {
            return outcome with { Match = false, Reason = "both sides succeeded, but the case expects an error" + (spec.ExpectError.Length > 0 ? $": \"{spec.ExpectError}\"" : "") };
        }
        var output = TensorComparer.Compare(torch.Output!, native.Output!, spec.ValueTolerance);
        TensorComparison? grad = null;
        var reasons = new List<string>();
        if (!output.Match)
        {
            reasons.Add(output.Describe("output"));
        }
        if (torch.Grad is not null && native.Grad is not null)
        {
            grad = TensorComparer.Compare(torch.Grad, native.Grad, spec.GradTolerance);
            if (!grad.Match)
            {
                reasons.Add(grad.Describe("grad"));
            }
        }
        else if ((torch.Grad is null) != (native.Grad is null))
        {
            reasons.Add(native.Grad is null ? "grad: native produced none" : "grad: libtorch produced none");
        }
        return outcome with
        {
            Output = output, Grad = grad, Match = reasons.Count == 0, Reason = reasons.Count == 0 ? null : string.Join("; ", reasons),
        };
    }
}
