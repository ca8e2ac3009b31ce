using Parity.Harness.Cases;
using Parity.Comparison;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Evaluation;

/// <summary>What one side (native or libtorch) produced for a case: an output and gradients, or an error; and warnings.</summary>
public sealed record SideResult
{
    /// <summary>A result.</summary>
    /// <param name="output">The op's output; null on error.</param>
    /// <param name="grads">The gradients asked for, by tensor name; empty when none were asked or on error.</param>
    /// <param name="error">The first line of the error message; null on success.</param>
    /// <param name="unexpected">Whether the error was not a <see cref="TorchException"/> (a crash rather than a PyTorch-style error).</param>
    public SideResult(Tensor? output, IReadOnlyList<KeyValuePair<string, Tensor>>? grads, string? error, bool unexpected = false)
    {
        Output = output;
        Grads = grads ?? [];
        Error = error;
        Unexpected = unexpected;
    }

    /// <summary>The op's output; null on error.</summary>
    public Tensor? Output { get; init; }

    /// <summary>The gradients asked for, by tensor parameter name, in the order asked.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Grads { get; init; }

    /// <summary>The first line of the error message; null on success.</summary>
    public string? Error { get; init; }

    /// <summary>The Python exception class of the error, when it was a <see cref="TorchException"/>.</summary>
    public TorchErrorKind? ErrorKind { get; init; }

    /// <summary>Whether the error was not a <see cref="TorchException"/>.</summary>
    public bool Unexpected { get; init; }

    /// <summary>The warnings issued (PyTorch's Python-frontend warnings), in order.</summary>
    public IReadOnlyList<TorchWarning> Warnings { get; init; } = [];

    /// <summary>
    /// The tolerances the backend declared for this call (<see cref="IDeclaredTolerance"/>), by <c>output</c> or gradient
    /// tensor name; null when it declares none. They replace the case's own, against libtorch and against the snapshot.
    /// </summary>
    public IReadOnlyDictionary<string, Tolerance>? DeclaredTolerances { get; init; }

    /// <summary>
    /// Gradients the case asks for that the backend does not give (<see cref="ISupportedOps.SupportedGradients"/>): not
    /// asked of it, and not compared (against libtorch or the snapshot); the rest of the case is.
    /// </summary>
    public IReadOnlyList<string> GradientsNotCompared { get; init; } = [];

    /// <summary>The gradient with respect to <c>input</c>, when asked for.</summary>
    public Tensor? Grad => GradOf("input");

    /// <summary>The gradient with respect to <paramref name="name"/>, or null.</summary>
    public Tensor? GradOf(string name) => Grads.FirstOrDefault(kv => kv.Key == name).Value;

    /// <summary>Whether the side succeeded.</summary>
    public bool Succeeded => Error is null;

    /// <summary>
    /// Why the backend under test does not implement the call (it threw <see cref="NotSupportedException"/> or does not
    /// list the op in <see cref="ISupportedOps"/>); null when it does. An unsupported case is compared with nothing.
    /// </summary>
    public string? Unsupported { get; init; }

    /// <summary>An unsupported result: <see cref="Error"/> reads <c>unsupported: {reason}</c>.</summary>
    public static SideResult NotSupported(string reason) => new(null, null, "unsupported: " + reason) { Unsupported = reason };

    /// <summary>An error result from an exception (first line of its message; non-TorchException types are prefixed with their type name).</summary>
    public static SideResult FromException(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is TorchException te)
        {
            return new SideResult(null, null, FirstLine(e.Message)) { ErrorKind = te.Kind };
        }
        return new SideResult(null, null, $"{e.GetType().Name}: {FirstLine(e.Message)}", unexpected: true);
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

    /// <summary>The gradient comparisons by tensor name, when both produced them.</summary>
    public IReadOnlyList<KeyValuePair<string, TensorComparison>> Grads { get; init; } = [];

    /// <summary>All gradient comparisons as one (<see cref="TensorComparison.Combine"/>); null when none.</summary>
    public TensorComparison? Grad => TensorComparison.Combine(Grads.Select(kv => kv.Value));

    /// <summary>Whether the backend under test does not implement the case (<see cref="SideResult.Unsupported"/>).</summary>
    public bool Unsupported => Native.Unsupported is not null;

    /// <summary>Whether native agrees with libtorch; null when libtorch was not run.</summary>
    public bool? Match { get; init; }

    /// <summary>Why they do not agree (null on a match or when libtorch was not run).</summary>
    public string? Reason { get; init; }

    /// <summary>Largest abs difference over output and gradient (0 when nothing numeric was compared).</summary>
    public double MaxAbsDiff => Math.Max(Output?.MaxAbsDiff ?? 0, Grad?.MaxAbsDiff ?? 0);

    /// <summary>Largest ULP difference over output and gradient.</summary>
    public long MaxUlpDiff => Math.Max(Output?.MaxUlpDiff ?? 0, Grad?.MaxUlpDiff ?? 0);

    /// <summary>
    /// Whether what <see cref="CaseSpec.ExpectBitIdentical"/> promises holds: the output (or the error text) and the
    /// gradients of <see cref="CaseSpec.BitIdenticalGrads"/> are bit-identical on both sides.
    /// </summary>
    public bool ExpectedBitsMet =>
        Torch is not null &&
        (Native.Error is not null
            ? Native.Error == Torch.Error
            : Output is { BitIdentical: true } && Native.Grads.Count == Torch.Grads.Count
              && Grads.Where(kv => Case.BitIdenticalGrads is null || Case.BitIdenticalGrads.Contains(kv.Key)).All(kv => kv.Value.BitIdentical));

    /// <summary>Whether output and gradient (or the error texts) are bit-identical on both sides.</summary>
    public bool BitIdentical =>
        Torch is not null &&
        (Native.Error is not null
            ? Native.Error == Torch.Error
            : Output is { BitIdentical: true } && (Grad is null || Grad.BitIdentical) && Native.Grads.Count == Torch.Grads.Count);
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
    private readonly IOpBackend _nativeMapper;
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
        _nativeMapper = new MapperWithFallback(native);
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
        TryDraw(spec, _nativeRandom, _nativeMapper);
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
            nativeInputs = InputDrawer.Draw(spec, _nativeRandom, _nativeMapper);
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
            var call = InputDrawer.ToCall(spec, inputs);
            if (backend is ISupportedOps declared && declared.Unsupported(call) is { } why)
            {
                return SideResult.NotSupported(why);
            }
            var (wrt, notCompared) = backend.SplitGradients(call, spec.GradientsFor(call));
            var r = backend.Evaluate(call, wrt);
            var missing = wrt.FirstOrDefault(n => r.GradOf(n) is null);
            if (missing is not null)
            {
                return new SideResult(r.Output, null, $"{backend.Name} backend returned no gradient with respect to {missing}", unexpected: true);
            }
            return new SideResult(r.Output, r.Grads, null)
            {
                Warnings = r.Warnings, DeclaredTolerances = Declared(backend, spec, call, r), GradientsNotCompared = notCompared,
            };
        }
        catch (NotSupportedException e)
        {
            return SideResult.NotSupported(SideResult.FirstLine(e.Message));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return SideResult.FromException(e);
        }
    }

    private static Dictionary<string, Tolerance>? Declared(IOpBackend backend, CaseSpec spec, OpCall call, OpResult r)
    {
        if (backend is not IDeclaredTolerance)
        {
            return null;
        }
        var d = new Dictionary<string, Tolerance> { ["output"] = backend.ToleranceFor(call, "output", spec.ValueTolerance ?? Tolerance.For(r.Output.DType)) };
        foreach (var (name, grad) in r.Grads)
        {
            d[name] = backend.ToleranceFor(call, name, spec.GradTolerance ?? Tolerance.For(grad.DType));
        }
        return d;
    }

    /// <summary>Compares a native result with a libtorch result under the case's tolerances (or those the native backend declared).</summary>
    public static CaseOutcome Compare(CaseSpec spec, SideResult native, SideResult? torch, DrawnInputs? inputs = null, bool? inputsIdentical = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(native);
        var outcome = new CaseOutcome { Case = spec, Native = native, Torch = torch, Inputs = inputs, InputsIdentical = inputsIdentical };
        if (native.Unsupported is not null)
        {
            return outcome with { Reason = "unsupported: " + native.Unsupported };
        }
        if (torch is null)
        {
            return outcome;
        }
        if (spec.ReferenceUndefined is not null)
        {
            return outcome with { Reason = "reference undefined: " + spec.ReferenceUndefined };
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
            else if (native.ErrorKind != torch.ErrorKind)
            {
                reason = $"error classes differ: native {native.ErrorKind?.ToString() ?? "(none)"}, libtorch {torch.ErrorKind?.ToString() ?? "(none)"} for \"{torch.Error}\"";
            }
            else if (spec.ExpectErrorKind is { } kind && torch.ErrorKind is { } actualKind && kind != actualKind)
            {
                reason = $"both raised {actualKind} \"{torch.Error}\", but the catalogue expects {kind}";
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
        var output = TensorComparer.Compare(torch.Output!, native.Output!, native.DeclaredTolerances?.GetValueOrDefault("output") ?? spec.ValueTolerance);
        var reasons = new List<string>();
        if (!output.Match)
        {
            reasons.Add(output.Describe("output"));
        }
        var grads = new List<KeyValuePair<string, TensorComparison>>();
        foreach (var (name, expected) in torch.Grads)
        {
            if (native.GradientsNotCompared.Contains(name))
            {
                continue;
            }
            string label = GradLabel(spec, name);
            if (native.GradOf(name) is not { } actual)
            {
                reasons.Add($"{label}: native produced none");
                continue;
            }
            var c = TensorComparer.Compare(expected, actual, native.DeclaredTolerances?.GetValueOrDefault(name) ?? spec.GradTolerance);
            grads.Add(new(name, c));
            if (!c.Match)
            {
                reasons.Add(c.Describe(label));
            }
        }
        foreach (var (name, _) in native.Grads)
        {
            if (torch.GradOf(name) is null)
            {
                reasons.Add($"{GradLabel(spec, name)}: libtorch produced none");
            }
        }
        string? warn = WarningsDiffer(native.Warnings, torch.Warnings);
        if (warn is not null)
        {
            reasons.Add(warn);
        }
        return outcome with
        {
            Output = output, Grads = grads, Match = reasons.Count == 0, Reason = reasons.Count == 0 ? null : string.Join("; ", reasons),
        };
    }

    /// <summary><c>grad</c> for the gradient with respect to <c>input</c>, else <c>grad.{name}</c>: the names used in messages and snapshots.</summary>
    public static string GradLabel(CaseSpec spec, string name)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return name == "input" ? "grad" : "grad." + name;
    }

    /// <summary>Why two warning lists differ (category and text, in order), or null when they agree.</summary>
    public static string? WarningsDiffer(IReadOnlyList<TorchWarning> native, IReadOnlyList<TorchWarning> torch)
    {
        ArgumentNullException.ThrowIfNull(native);
        ArgumentNullException.ThrowIfNull(torch);
        if (native.SequenceEqual(torch))
        {
            return null;
        }
        static string Show(IReadOnlyList<TorchWarning> w) => w.Count == 0 ? "none" : string.Join(" | ", w.Select(x => $"\"{x}\""));
        return $"warnings differ: native {Show(native)}, libtorch {Show(torch)}";
    }
}

/// <summary>
/// Applies input maps (sigmoid, softmax, log_softmax) with the backend under test, and with the built-in native ops where
/// that backend does not implement them, so a partial backend still receives the inputs every other side receives.
/// </summary>
internal sealed class MapperWithFallback(IOpBackend primary) : IOpBackend
{
    private readonly NativeBackend _fallback = new();

    public string Name => primary.Name;

    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        if (primary is ISupportedOps declared && declared.Unsupported(call) is not null)
        {
            return _fallback.Evaluate(call, wrt, gradOutput);
        }
        try
        {
            return primary.Evaluate(call, wrt, gradOutput);
        }
        catch (NotSupportedException)
        {
            return _fallback.Evaluate(call, wrt, gradOutput);
        }
    }
}
