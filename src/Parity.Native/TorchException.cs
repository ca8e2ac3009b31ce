namespace Parity.Native;

/// <summary>The Python exception class PyTorch raises for an error.</summary>
public enum TorchErrorKind
{
    /// <summary><c>RuntimeError</c>: most argument checks (<c>TORCH_CHECK</c>).</summary>
    RuntimeError,

    /// <summary><c>ValueError</c>: e.g. <c>TORCH_CHECK_VALUE</c>, a bad reduction name, mismatched sizes in the Python frontend.</summary>
    ValueError,

    /// <summary><c>IndexError</c>: <c>TORCH_CHECK_INDEX</c>, e.g. <c>Target 3 is out of bounds.</c>, a bad <c>dim</c>.</summary>
    IndexError,

    /// <summary><c>NotImplementedError</c>: an op not implemented for a dtype.</summary>
    NotImplementedError,

    /// <summary><c>TypeError</c>.</summary>
    TypeError,
}

/// <summary>
/// An error with PyTorch's message text, raised by either backend for input libtorch rejects.
/// <see cref="Exception.Message"/> is the first line of PyTorch's message, word for word.
/// </summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates an error of the given kind.</summary>
    public TorchException(TorchErrorKind kind, string message)
        : base(message) => Kind = kind;

    /// <summary>Creates a <c>RuntimeError</c>.</summary>
    public TorchException(string message)
        : this(TorchErrorKind.RuntimeError, message)
    {
    }

    /// <summary>Creates a <c>RuntimeError</c> wrapping another exception.</summary>
    public TorchException(string message, Exception inner)
        : base(message, inner) => Kind = TorchErrorKind.RuntimeError;

    /// <summary>Creates an empty <c>RuntimeError</c>.</summary>
    public TorchException()
    {
    }

    /// <summary>The Python exception class PyTorch would raise.</summary>
    public TorchErrorKind Kind { get; }
}
