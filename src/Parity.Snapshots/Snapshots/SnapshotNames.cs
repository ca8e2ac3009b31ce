namespace Parity.Snapshots;

/// <summary>
/// Snapshot names and the file names derived from them (Verify's convention):
/// <c>{name}.verified.txt</c>, <c>{name}.received.txt</c>, and for further parallel writers of one name
/// <c>{name}.received.{n}.txt</c> (n = 2, 3, …).
/// </summary>
public static class SnapshotNames
{
    /// <summary>The file extension of snapshot files (without the dot).</summary>
    public const string Extension = "txt";

    /// <summary>Suffix of verified (accepted, committed) files.</summary>
    public const string VerifiedSuffix = ".verified." + Extension;

    /// <summary>Marker of received (pending review) files.</summary>
    public const string ReceivedMarker = ".received";

    /// <summary>Longest accepted name, keeping file names under common 255-byte limits.</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// Whether <paramref name="name"/> is a valid snapshot name: 1–200 characters from <c>[A-Za-z0-9._=-]</c>, not
    /// starting with a dot or dash, no empty dot-separated segment, and no segment spelled <c>verified</c> or
    /// <c>received</c> (which would make file names ambiguous).
    /// </summary>
    /// <param name="name">The candidate name, e.g. <c>cross_entropy.float32.mean.w.ii=1.ls=0.1.idx.N4C5</c>.</param>
    public static bool IsValid(string? name) => Problem(name) is null;

    /// <summary>Throws when <paramref name="name"/> is not a valid snapshot name, saying why.</summary>
    /// <param name="name">The candidate name.</param>
    /// <exception cref="ArgumentException">The name is empty, too long, or has a disallowed character or segment.</exception>
    public static void Validate(string? name)
    {
        string? problem = Problem(name);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(name));
        }
    }

    private static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a snapshot name must not be empty";
        }
        if (name.Length > MaxLength)
        {
            return $"snapshot name '{name[..40]}…' is {name.Length} characters long; the limit is {MaxLength}";
        }
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '=' or '-'))
            {
                string shown = char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : c.ToString();
                return $"snapshot name '{name}' has the character '{shown}' at position {i}; names use only [A-Za-z0-9._=-]";
            }
        }
        if (name[0] is '.' or '-')
        {
            return $"snapshot name '{name}' must not start with '{name[0]}'";
        }
        foreach (string segment in name.Split('.'))
        {
            if (segment.Length == 0)
            {
                return $"snapshot name '{name}' has an empty segment (two dots in a row or a trailing dot)";
            }
            if (segment is "verified" or "received")
            {
                return $"snapshot name '{name}' has the reserved segment '{segment}'";
            }
        }
        return null;
    }

    /// <summary>The verified file name of <paramref name="name"/>.</summary>
    /// <param name="name">A valid snapshot name.</param>
    public static string VerifiedFileName(string name) => name + VerifiedSuffix;

    /// <summary>The received file name of <paramref name="name"/> for writer slot <paramref name="slot"/> (1 has no number).</summary>
    /// <param name="name">A valid snapshot name.</param>
    /// <param name="slot">1 for <c>{name}.received.txt</c>, n ≥ 2 for <c>{name}.received.{n}.txt</c>.</param>
    public static string ReceivedFileName(string name, int slot) =>
        slot <= 1 ? $"{name}{ReceivedMarker}.{Extension}" : $"{name}{ReceivedMarker}.{slot}.{Extension}";

    /// <summary>The snapshot name of a verified file name, or null when it is not one.</summary>
    /// <param name="fileName">A file name without directory.</param>
    public static string? FromVerifiedFileName(string fileName)
    {
        if (!fileName.EndsWith(VerifiedSuffix, StringComparison.Ordinal))
        {
            return null;
        }
        string name = fileName[..^VerifiedSuffix.Length];
        return IsValid(name) ? name : null;
    }

    /// <summary>The snapshot name and writer slot of a received file name, or null when it is not one.</summary>
    /// <param name="fileName">A file name without directory.</param>
    public static (string Name, int Slot)? FromReceivedFileName(string fileName)
    {
        string tail = "." + Extension;
        if (!fileName.EndsWith(tail, StringComparison.Ordinal))
        {
            return null;
        }
        string stem = fileName[..^tail.Length];
        int slot = 1;
        int lastDot = stem.LastIndexOf('.');
        if (lastDot > 0 && stem[(lastDot + 1)..].All(char.IsAsciiDigit) && lastDot + 1 < stem.Length)
        {
            if (!int.TryParse(stem.AsSpan(lastDot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out slot) || slot < 2)
            {
                return null;
            }
            stem = stem[..lastDot];
        }
        if (!stem.EndsWith(ReceivedMarker, StringComparison.Ordinal))
        {
            return null;
        }
        string name = stem[..^ReceivedMarker.Length];
        return IsValid(name) ? (name, slot) : null;
    }
}
