using Parity.Comparison;

namespace Parity.Snapshots;

/// <summary>The outcome of <see cref="SnapshotStore.Check"/>.</summary>
public enum SnapshotStatus
{
    /// <summary>Every tensor is within tolerance, the error text and the compared metadata are equal.</summary>
    Match,

    /// <summary>The verified snapshot exists and something differs.</summary>
    Mismatch,

    /// <summary>There is no verified snapshot for the name. Always a failure; never accepted automatically.</summary>
    Missing,
}

/// <summary>The result of checking actual content against a verified snapshot.</summary>
/// <param name="Name">The snapshot (case) name.</param>
/// <param name="Status">Match, mismatch or missing.</param>
/// <param name="Message">
/// For a match, a one-line summary; otherwise the full failure message naming the case, each differing tensor with
/// the worst element's index, expected and actual values and abs/rel/ULP differences, and the verified and received paths.
/// </param>
/// <param name="VerifiedPath">Full path of the verified file (whether or not it exists).</param>
/// <param name="ReceivedPath">Full path of the received file written for this check, or null when none was written.</param>
/// <param name="Comparisons">One comparison per tensor present on both sides, in the snapshot's order.</param>
public sealed record SnapshotCheck(
    string Name,
    SnapshotStatus Status,
    string Message,
    string VerifiedPath,
    string? ReceivedPath,
    IReadOnlyList<KeyValuePair<string, TensorComparison>> Comparisons)
{
    /// <summary>Whether the check passed (<see cref="SnapshotStatus.Match"/>).</summary>
    public bool Passed => Status == SnapshotStatus.Match;
}
