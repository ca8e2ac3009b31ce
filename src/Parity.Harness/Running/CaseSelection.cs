using System.Globalization;
using System.Text.RegularExpressions;
using Parity.Harness.Cases;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Running;

/// <summary>One of <c>n</c> deterministic parts of the catalogue (<c>--shard i/n</c>, 1-based).</summary>
/// <param name="Index">The part, 1..Count.</param>
/// <param name="Count">The number of parts.</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>Parses <c>i/n</c> with 1 ≤ i ≤ n.</summary>
    /// <exception cref="FormatException">Not of the form <c>i/n</c> with 1 ≤ i ≤ n.</exception>
    public static Shard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && i >= 1 && i <= n)
        {
            return new Shard(i, n);
        }
        throw new FormatException($"--shard expects i/n with 1 <= i <= n (e.g. 2/4), got '{text}'");
    }

    /// <summary>Whether the case at catalogue position <paramref name="catalogueIndex"/> belongs to this shard (round robin).</summary>
    public bool Contains(int catalogueIndex) => catalogueIndex % Count == Index - 1;

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}

/// <summary>Which catalogue cases to run: <c>--op</c>, <c>--dtype</c>, <c>--filter</c>, <c>--shard</c>.</summary>
public sealed record CaseSelection
{
    /// <summary>Ops to keep (null: all).</summary>
    public IReadOnlyList<OpDefinition>? Ops { get; init; }

    /// <summary>The dtype to keep (null: all).</summary>
    public DType? DType { get; init; }

    /// <summary>A case-name pattern: <c>*</c> and <c>?</c> wildcards over the whole name, or a plain substring.</summary>
    public string? Filter { get; init; }

    /// <summary>The shard (null: everything).</summary>
    public Shard? Shard { get; init; }

    /// <summary>The catalogue positions selected, in catalogue order.</summary>
    /// <remarks>The shard is taken over catalogue positions before the other filters, so a case's shard never depends on them.</remarks>
    public IReadOnlyList<int> Apply(IReadOnlyList<CaseSpec> catalogue)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        var filter = Filter is null ? null : FilterRegex(Filter);
        var result = new List<int>();
        for (int i = 0; i < catalogue.Count; i++)
        {
            var c = catalogue[i];
            if (Shard is { } s && !s.Contains(i))
            {
                continue;
            }
            if (Ops is not null && !Ops.Contains(c.Op))
            {
                continue;
            }
            if (DType is { } d && c.DType != d)
            {
                continue;
            }
            if (filter is not null && !filter.IsMatch(c.Name ?? ""))
            {
                continue;
            }
            result.Add(i);
        }
        return result;
    }

    /// <summary>The regex of a <c>--filter</c> pattern: wildcards match the whole name; without wildcards, a substring.</summary>
    public static Regex FilterRegex(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Contains('*', StringComparison.Ordinal) || pattern.Contains('?', StringComparison.Ordinal))
        {
            string re = "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
            return new Regex(re, RegexOptions.CultureInvariant);
        }
        return new Regex(Regex.Escape(pattern), RegexOptions.CultureInvariant);
    }
}
