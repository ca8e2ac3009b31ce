using System.CommandLine;

namespace Parity.Cli;

/// <summary><c>parity snapshot accept|update|check|prune</c>.</summary>
internal static class SnapshotCommand
{
    public static Command Build(ParityHost host)
    {
        var cmd = new Command("snapshot", "Manage the snapshots of the built-in matrix (expected values computed by libtorch)");
        return cmd;
    }
}
