using System.Text.RegularExpressions;
using Parity.Native;

namespace Parity.Torch;

/// <summary>
/// Turns the exceptions TorchSharp raises for libtorch errors into <see cref="TorchException"/>s carrying the ATen
/// message's first line and the Python exception class PyTorch would raise.
/// </summary>
/// <remarks>
/// <para>TorchSharp reports a C++ exception as <see cref="System.Runtime.InteropServices.ExternalException"/> whose
/// message is <c>what()</c>: the ATen text, possibly followed by a C++ backtrace (<c>Exception raised from …</c>).</para>
/// <para>An error raised inside a TorchScript function arrives wrapped:</para>
/// <code>
/// The following operation failed in the TorchScript interpreter.
/// Traceback of TorchScript (most recent call last):
///   File "&lt;string&gt;", line 11, in nll_loss_nd
///     …
/// RuntimeError: Target 3 is out of bounds.
/// </code>
/// <para>The wrapper and traceback are removed, and the first line after <c>RuntimeError: </c> (or another
/// <c>…Error: </c>) is kept. The interpreter always writes <c>RuntimeError</c> there for ATen errors, so the class is
/// decided from the message itself, after the ATen macro that raises it (<c>TORCH_CHECK_INDEX</c> → IndexError,
/// <c>TORCH_CHECK_VALUE</c> → ValueError, <c>TORCH_CHECK_NOT_IMPLEMENTED</c> → NotImplementedError — which since
/// PyTorch 2.8 includes the dtype dispatch failures <c>"…" not implemented for 'Long'</c> — and everything else
/// RuntimeError); see <see cref="KindOf"/>.</para>
/// </remarks>
public static partial class TorchErrors
{
    private const string InterpreterHeader = "The following operation failed in the TorchScript interpreter.";

    /// <summary>Translates a libtorch exception into a <see cref="TorchException"/>.</summary>
    /// <param name="error">The exception TorchSharp threw.</param>
    public static TorchException Translate(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string message = FirstLine(error.Message);
        return new TorchException(KindOf(message), message);
    }

    /// <summary>The first line of the ATen message inside a libtorch <c>what()</c> text.</summary>
    /// <param name="what">The full text, possibly wrapped by the TorchScript interpreter and followed by a backtrace.</param>
    public static string FirstLine(string what)
    {
        ArgumentNullException.ThrowIfNull(what);
        string text = what.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (text.StartsWith(InterpreterHeader, StringComparison.Ordinal))
        {
            // Skip the traceback: the ATen message follows the first unindented "XxxError: " line.
            foreach (string line in text.Split('\n').Skip(1))
            {
                Match m = ClassPrefix().Match(line);
                if (m.Success)
                {
                    return line[m.Length..].TrimEnd();
                }
            }
        }
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        return (newline >= 0 ? text[..newline] : text).TrimEnd();
    }

    /// <summary>The Python exception class PyTorch raises for an ATen message (first line).</summary>
    /// <param name="message">The first line of the message.</param>
    /// <remarks>
    /// Decided from the text because TorchSharp and the TorchScript interpreter both lose the C++ exception type.
    /// The patterns cover the ATen checks reachable from the ops Parity evaluates:
    /// <list type="bullet">
    /// <item>IndexError (<c>TORCH_CHECK_INDEX</c>): <c>Target … is out of bounds.</c>, <c>Dimension out of range …</c>.</item>
    /// <item>ValueError (<c>TORCH_CHECK_VALUE</c>): <c>Expected input batch_size (…) to match target batch_size (…).</c>,
    /// <c>Expected 1 or more dimensions (got 0)</c>.</item>
    /// <item>NotImplementedError (<c>TORCH_CHECK_NOT_IMPLEMENTED</c>): <c>"kernel" not implemented for 'Long'</c>, raised by
    /// ATen's dtype dispatch (<c>AT_DISPATCH_SWITCH</c>) since PyTorch 2.8 (pytorch/pytorch#155470; RuntimeError before),
    /// and <c>Could not run 'aten::…' with arguments from the … backend</c>.</item>
    /// <item>RuntimeError: everything else.</item>
    /// </list>
    /// </remarks>
    public static TorchErrorKind KindOf(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (TargetOutOfBounds().IsMatch(message) || message.StartsWith("Dimension out of range", StringComparison.Ordinal))
        {
            return TorchErrorKind.IndexError;
        }
        if (BatchSizeMismatch().IsMatch(message) || message.StartsWith("Expected 1 or more dimensions", StringComparison.Ordinal)
            || message.StartsWith("For 1D input, 1D target must have size 1", StringComparison.Ordinal))
        {
            return TorchErrorKind.ValueError;
        }
        if (NotImplementedForDType().IsMatch(message) || message.StartsWith("Could not run '", StringComparison.Ordinal))
        {
            return TorchErrorKind.NotImplementedError;
        }
        return TorchErrorKind.RuntimeError;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception): ")]
    private static partial Regex ClassPrefix();

    [GeneratedRegex(@"^Target -?\d+ is out of bounds\.$")]
    private static partial Regex TargetOutOfBounds();

    [GeneratedRegex(@"^Expected input batch_size \(\d+\) to match target batch_size \(\d+\)\.$")]
    private static partial Regex BatchSizeMismatch();

    [GeneratedRegex(@"^""[^""]+"" not implemented for '[A-Za-z0-9_]+'$")]
    private static partial Regex NotImplementedForDType();
}
