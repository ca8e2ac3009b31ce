namespace Parity.Snapshots;

/// <summary>
/// A snapshot file could not be read: truncated, not UTF-8, an unknown schema version, a malformed or non-canonical
/// line. The message starts with <c>path(line,column): </c> so editors and CI logs link straight to the spot.
/// </summary>
public sealed class SnapshotFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file that failed to parse.</param>
    /// <param name="line">1-based line of the problem.</param>
    /// <param name="column">1-based column of the problem.</param>
    /// <param name="reason">What is wrong, in words.</param>
    public SnapshotFormatException(string path, int line, int column, string reason)
        : base($"{path}({line},{column}): {reason}")
    {
        Path = path;
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>The file that failed to parse.</summary>
    public string Path { get; }

    /// <summary>1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>1-based column of the problem.</summary>
    public int Column { get; }

    /// <summary>What is wrong, without the position prefix.</summary>
    public string Reason { get; }
}
