namespace Parity.Native;

/// <summary>One warning PyTorch would issue through Python's <c>warnings.warn</c>: its category and its text.</summary>
/// <param name="Category">The Python warning class, e.g. <c>UserWarning</c>.</param>
/// <param name="Message">The text, word for word.</param>
public sealed record TorchWarning(string Category, string Message)
{
    /// <summary><c>Category: Message</c>, as Python prints it.</summary>
    public override string ToString() => $"{Category}: {Message}";
}

/// <summary>
/// Where the native ops report the warnings PyTorch's Python frontend issues (a target size that differs from the
/// input size, <c>kl_div</c> with <c>reduction='mean'</c>, …). Warnings go to the innermost <see cref="Capture"/>
/// on the current thread, and are dropped when nothing captures them, so an op never writes to the console.
/// </summary>
public static class TorchWarnings
{
    [ThreadStatic]
    private static List<TorchWarning>? t_sink;

    /// <summary>Issues a warning (a <c>UserWarning</c> unless <paramref name="category"/> says otherwise).</summary>
    public static void Warn(string message, string category = "UserWarning")
    {
        ArgumentNullException.ThrowIfNull(message);
        t_sink?.Add(new TorchWarning(category, message));
    }

    /// <summary>Collects the warnings issued on this thread until the returned scope is disposed.</summary>
    /// <param name="warnings">Receives the warnings, in the order issued.</param>
    public static IDisposable Capture(out IReadOnlyList<TorchWarning> warnings)
    {
        var list = new List<TorchWarning>();
        warnings = list;
        var scope = new Scope(t_sink);
        t_sink = list;
        return scope;
    }

    private sealed class Scope(List<TorchWarning>? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                t_sink = previous;
            }
        }
    }
}
