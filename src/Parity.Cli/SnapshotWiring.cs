using Parity.Harness.Running;

namespace Parity.Cli;

/// <summary>Connects runs to the snapshot store.</summary>
internal static class SnapshotWiring
{
    public static (ISnapshotVerifier? Verifier, string? Note) ForRun(ParityHost host, string? dir, bool disabled) =>
        (null, disabled ? "snapshot comparisons disabled (--no-snapshots)" : "snapshot store not available in this build; snapshot comparisons skipped");
}
