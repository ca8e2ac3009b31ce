using Parity.Harness.Ops;
using Parity.Harness.Running;
using Parity.Snapshots;

namespace Parity.Cli;

/// <summary>Connects commands to the snapshot store.</summary>
internal static class SnapshotWiring
{
    /// <summary>The default snapshot directory, relative to the working directory.</summary>
    public const string DefaultDirectory = "snapshots";

    public static SnapshotStore Store(ParityHost host, string? dir) =>
        new(host.Resolve(dir ?? DefaultDirectory), new SnapshotOptions { IsCi = host.IsCi });

    /// <summary>The verifier for <c>run</c>, or null with a note saying why snapshots are not compared.</summary>
    public static (ISnapshotVerifier? Verifier, string? Note) ForRun(ParityHost host, string? dir, bool disabled)
    {
        if (disabled)
        {
            return (null, "snapshot comparisons disabled (--no-snapshots)");
        }
        string path = host.Resolve(dir ?? DefaultDirectory);
        if (!Directory.Exists(path))
        {
            if (dir is not null)
            {
                throw new UsageException($"--snapshots: directory '{path}' does not exist");
            }
            return (null, $"no snapshot store at {path}; snapshot comparisons skipped");
        }
        var store = Store(host, dir);
        return (new StoreVerifier(store), $"snapshots: {path} ({store.Names().Count} verified files{(host.IsCi ? ", CI: a missing snapshot fails" : "")})");
    }
}
