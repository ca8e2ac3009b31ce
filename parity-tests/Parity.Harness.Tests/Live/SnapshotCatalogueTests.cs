using Parity.Harness.Matrix;
using Parity.Snapshots;

namespace Parity.Harness.Tests.Live;

/// <summary>The committed snapshots/ directory holds exactly one verified file per matrix case: none missing, no orphans.</summary>
public class SnapshotCatalogueTests
{
    private static SnapshotStore Store()
    {
        string? root = LiveBackends.RepositoryRoot();
        string dir = root is null ? "" : Path.Combine(root, "snapshots");
        if (!Directory.Exists(dir))
        {
            Assert.Skip("no snapshots/ directory in the repository");
        }
        return new SnapshotStore(dir);
    }

    [Fact]
    public void NoOrphans()
    {
        var orphans = Store().Orphans(ParityMatrix.All.Where(c => c.ReferenceUndefined is null).Select(c => c.Name!));
        Assert.True(orphans.Count == 0, "orphan snapshots (run parity snapshot prune): " + string.Join(", ", orphans));
    }

    [Fact]
    public void NoneMissing()
    {
        var names = Store().Names().ToHashSet(StringComparer.Ordinal);
        // A case whose reference result is undefined has no snapshot by design.
        var missing = ParityMatrix.All.Where(c => c.ReferenceUndefined is null).Select(c => c.Name!).Where(n => !names.Contains(n)).ToList();
        Assert.True(missing.Count == 0, "cases without a snapshot (run parity snapshot update): " + string.Join(", ", missing));
    }
}
