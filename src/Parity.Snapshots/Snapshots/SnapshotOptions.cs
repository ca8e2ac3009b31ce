using System.Collections.Frozen;

namespace Parity.Snapshots;

/// <summary>How a <see cref="SnapshotStore"/> behaves.</summary>
public sealed record SnapshotOptions
{
    /// <summary>The metadata keys compared by default: <c>case</c> and <c>input_digest</c>.</summary>
    public static readonly IReadOnlySet<string> DefaultComparedMetadata =
        new[] { SnapshotMetadata.Case, SnapshotMetadata.InputDigest, SnapshotMetadata.Warnings }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Whether this is a CI run. Defaults to the environment: <c>CI</c> set to <c>true</c> or <c>1</c> (any case),
    /// as GitHub Actions, GitLab and Azure Pipelines set it. In CI a missing snapshot always fails and
    /// <see cref="SnapshotStore.Accept"/> refuses to run.
    /// </summary>
    public bool IsCi { get; init; } = DetectCi();

    /// <summary>
    /// Metadata keys compared exactly (ordinal) by <see cref="SnapshotStore.Check"/>: a key listed here is compared
    /// when either side has it, and present on one side only is a mismatch. Every other key is provenance and is not
    /// compared. Default: <see cref="DefaultComparedMetadata"/>.
    /// </summary>
    public IReadOnlySet<string> ComparedMetadata { get; init; } = DefaultComparedMetadata;

    /// <summary>Whether writes are flushed to the disk (fsync) before the rename that publishes them. Default true.</summary>
    public bool DurableWrites { get; init; } = true;

    /// <summary>Test hook: wraps the stream a temp file is written through (to inject a failure half-way).</summary>
    internal Func<Stream, Stream>? WrapWriteStream { get; init; }

    /// <summary>Test hook: called with each name just before <see cref="SnapshotStore.Accept"/> renames its file (to interrupt it).</summary>
    internal Action<string>? BeforeAcceptMove { get; init; }

    /// <summary>Reads the <c>CI</c> environment variable.</summary>
    public static bool DetectCi()
    {
        string? ci = Environment.GetEnvironmentVariable("CI");
        return string.Equals(ci, "true", StringComparison.OrdinalIgnoreCase) || ci == "1";
    }
}
