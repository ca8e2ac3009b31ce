using Parity.Comparison;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Fuzz;

/// <summary>How the two sides disagreed on a case.</summary>
public enum DisagreementKind
{
    /// <summary>Both sides agree (within the tolerance model, or both threw the same message).</summary>
    None,

    /// <summary>One side threw, the other returned.</summary>
    ErrorVersusResult,

    /// <summary>Both threw, with different first-line messages.</summary>
    ErrorMessage,

    /// <summary>The outputs differ (shape, dtype, or values outside the tolerance, NaN where the other is not).</summary>
    Output,

    /// <summary>The outputs agree, the gradients do not.</summary>
    Gradient,

    /// <summary>The native side threw something other than <see cref="TorchException"/> (a crash, not an op error).</summary>
    NativeCrash,
}

/// <summary>The verdict on one case.</summary>
/// <param name="Kind">What differs, or <see cref="DisagreementKind.None"/>.</param>
/// <param name="Detail">A human description of the difference (or of the agreement).</param>
/// <param name="BothThrew">Whether both sides threw (and agreed).</param>
/// <param name="Key">What identifies the failure independently of values: for errors, who threw what.</param>
public sealed record ParityVerdict(DisagreementKind Kind, string Detail, bool BothThrew = false, string Key = "")
{
    /// <summary>Whether the sides were compared and agree.</summary>
    public bool Agrees => Kind == DisagreementKind.None && Unsupported is null;

    /// <summary>
    /// Why the backend under test declined the call (<see cref="ISupportedOps.Unsupported"/>, or it threw
    /// <see cref="NotSupportedException"/>); null when the call was compared. A declined call is neither agreed nor failed.
    /// </summary>
    public string? Unsupported { get; init; }

    /// <summary>The gradients compared (those the backend under test gives, <see cref="ISupportedOps.SupportedGradients"/>).</summary>
    public IReadOnlyList<string> Gradients { get; init; } = [];

    /// <summary>Gradients the op has for the call that the backend under test does not give, so not compared.</summary>
    public IReadOnlyList<string> GradientsNotCompared { get; init; } = [];

    /// <summary>A verdict for a call the backend under test declines.</summary>
    public static ParityVerdict Declined(string reason) => new(DisagreementKind.None, "unsupported: " + reason) { Unsupported = reason };
}

/// <summary>
/// The fuzzing property: native and torch agree on an <see cref="OpCall"/> — both throw with the same first-line
/// message, or both return, with outputs and gradients of <c>sum(output)</c> (every differentiable tensor the backend under
/// test gives, <see cref="ISupportedOps.SupportedGradients"/>) inside the tolerance model
/// (<see cref="TensorComparer"/>, <see cref="Tolerance.For"/> the dtype of libtorch's result unless the op widens it with
/// <see cref="OpDefinition.FuzzTolerance"/> or the backend under test declares its own, <see cref="IDeclaredTolerance"/>;
/// NaN only where NaN).
/// </summary>
public sealed class ParityProperty
{
    private readonly IOpBackend _native;
    private readonly IOpBackend _torch;

    /// <summary>Creates the property over two backends.</summary>
    /// <param name="native">The side under test.</param>
    /// <param name="torch">The reference (libtorch).</param>
    public ParityProperty(IOpBackend native, IOpBackend torch)
    {
        ArgumentNullException.ThrowIfNull(native);
        ArgumentNullException.ThrowIfNull(torch);
        _native = native;
        _torch = torch;
    }

    /// <summary>Evaluates <paramref name="call"/> on both sides (with the gradient) and compares.</summary>
    public ParityVerdict Check(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (_native is ISupportedOps declared && declared.Unsupported(call) is { } why)
        {
            return ParityVerdict.Declined(why);
        }
        var (wrt, notCompared) = _native.SplitGradients(call, call.Op.DefaultGradients(call));
        var (nativeResult, nativeError) = Run(_native, call, wrt);
        if (nativeError is NotSupportedException declinedHere)
        {
            return ParityVerdict.Declined(FirstLine(declinedHere.Message));
        }
        var (torchResult, torchError) = Run(_torch, call, wrt);
        return Compare(call, torchResult, torchError, nativeResult, nativeError) with { Gradients = wrt, GradientsNotCompared = notCompared };
    }

    private ParityVerdict Compare(OpCall call, OpResult? torchResult, Exception? torchError, OpResult? nativeResult, Exception? nativeError)
    {
        // The tolerance of each result's own dtype: a float64 input with a float32 target gives a float32 loss in libtorch.
        Tolerance ToleranceFor(string result, Tensor expected)
        {
            var standard = call.Op.FuzzTolerance(call, result, Tolerance.For(expected.DType));
            return _native.ToleranceFor(call, result, standard);
        }


        if (nativeError is not null and not TorchException)
        {
            string torchSide = torchError is null ? "returned" : $"threw \"{FirstLine(torchError.Message)}\"";
            return new ParityVerdict(DisagreementKind.NativeCrash,
                $"native crashed with {nativeError.GetType().FullName}: {FirstLine(nativeError.Message)}; torch {torchSide}",
                Key: $"{nativeError.GetType().FullName}; torch {torchSide}");
        }
        if (torchError is not null && nativeError is not null)
        {
            string t = FirstLine(torchError.Message), n = FirstLine(nativeError.Message);
            return t == n
                ? new ParityVerdict(DisagreementKind.None, $"both threw \"{t}\"", BothThrew: true)
                : new ParityVerdict(DisagreementKind.ErrorMessage, $"messages differ: torch \"{t}\", native \"{n}\"", Key: $"torch {t} | native {n}");
        }
        if (torchError is not null)
        {
            return new ParityVerdict(DisagreementKind.ErrorVersusResult,
                $"torch threw \"{FirstLine(torchError.Message)}\", native returned {Show(nativeResult!.Output)}",
                Key: "torch threw " + FirstLine(torchError.Message));
        }
        if (nativeError is not null)
        {
            return new ParityVerdict(DisagreementKind.ErrorVersusResult,
                $"native threw \"{FirstLine(nativeError.Message)}\", torch returned {Show(torchResult!.Output)}",
                Key: "native threw " + FirstLine(nativeError.Message));
        }

        var output = TensorComparer.Compare(torchResult!.Output, nativeResult!.Output, ToleranceFor("output", torchResult.Output));
        if (!output.Match)
        {
            return new ParityVerdict(DisagreementKind.Output,
                output.Describe("output") + $" (torch {Show(torchResult.Output)}, native {Show(nativeResult.Output)})");
        }
        var descriptions = new List<string> { output.Describe("output") };
        foreach (var (name, expected) in torchResult.Grads)
        {
            string label = name == "input" ? "grad" : "grad." + name;
            if (nativeResult.GradOf(name) is not { } actual)
            {
                return new ParityVerdict(DisagreementKind.Gradient, $"{label} missing on the native side");
            }
            var grad = TensorComparer.Compare(expected, actual, ToleranceFor(name, expected));
            if (!grad.Match)
            {
                return new ParityVerdict(DisagreementKind.Gradient, grad.Describe(label) + $" (torch {Show(expected)}, native {Show(actual)})");
            }
            descriptions.Add(grad.Describe(label));
        }
        if (nativeResult.Grads.Count != torchResult.Grads.Count)
        {
            return new ParityVerdict(DisagreementKind.Gradient, "a gradient is missing on the torch side");
        }
        if (Evaluation.CaseEvaluator.WarningsDiffer(nativeResult.Warnings, torchResult.Warnings) is { } warn)
        {
            return new ParityVerdict(DisagreementKind.Output, warn);
        }
        return new ParityVerdict(DisagreementKind.None, string.Join("; ", descriptions));
    }

    private static (OpResult? Result, Exception? Error) Run(IOpBackend backend, OpCall call, IReadOnlyList<string> wrt)
    {
        try
        {
            return (backend.Evaluate(call, wrt), null);
        }
#pragma warning disable CA1031 // any exception is a verdict here, not a crash of the fuzzer
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (null, e);
        }
    }

    /// <summary>The first line of an error message (PyTorch appends C++ context on later lines).</summary>
    public static string FirstLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        int nl = message.IndexOfAny(['\r', '\n']);
        return nl < 0 ? message : message[..nl];
    }

    private static string Show(Tensor t)
    {
        string s = t.ToString();
        return s.Length > 200 ? s[..200] + "…" : s;
    }
}
