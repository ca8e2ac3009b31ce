using Parity.Comparison;
using Parity.Native;
using Parity.Snapshots.Xunit;

namespace Parity.Snapshots.Tests;

/// <summary>The xUnit v3 integration: names from the running test, files beside the source, the accept workflow.</summary>
public sealed class SnapshotTests
{
    public sealed class Names
    {
        [Fact]
        public void Fact_IsTypeDotMethod() =>
            Assert.Equal("SnapshotTests.Names.Fact_IsTypeDotMethod", Snapshot.CurrentName());

        [Theory]
        [InlineData(3, "mean", 0.1)]
        [InlineData(-1, "a b/c", 1e-7)]
        public void Theory_AppendsParameters(int classes, string reduction, double smoothing)
        {
            string expected = FormattableString.Invariant($"SnapshotTests.Names.Theory_AppendsParameters_classes={classes}_reduction={reduction.Replace(' ', '-').Replace('/', '-')}_smoothing={smoothing:R}");
            Assert.Equal(expected, Snapshot.CurrentName());
        }

        [Fact]
        public void Discriminator_IsLastSegment() =>
            Assert.Equal("SnapshotTests.Names.Discriminator_IsLastSegment.grad", Snapshot.CurrentName("grad"));
    }

    public sealed class Files
    {
        [Fact]
        public void Missing_WritesReceivedNamedAfterTest_ThenAcceptedPasses()
        {
            using var dir = new TempDir();
            var t = Tensor.Vector(1f, 2.5f, float.NaN);
            var e = Assert.Throws<SnapshotMismatchException>(() => Snapshot.Verify(t, directory: dir.Path));
            Assert.Equal(SnapshotStatus.Missing, e.Check.Status);
            Assert.Equal(["SnapshotTests.Files.Missing_WritesReceivedNamedAfterTest_ThenAcceptedPasses.received.txt"], dir.Listing());
            new SnapshotStore(dir.Path, Snap.Local).Accept();
            Assert.True(Snapshot.Verify(t, directory: dir.Path).Passed);
            // Within tolerance passes; outside it fails.
            Assert.True(Snapshot.Verify(Tensor.Vector(1f, 2.5f + 1e-6f, float.NaN), directory: dir.Path).Passed);
            Assert.Throws<SnapshotMismatchException>(() => Snapshot.Verify(Tensor.Vector(1f, 2.6f, float.NaN), directory: dir.Path));
            Assert.True(Snapshot.Verify(Tensor.Vector(1f, 2.6f, float.NaN), tolerance: new Tolerance(0.1, 0), directory: dir.Path).Passed);
        }

        [Fact]
        public void DefaultFolder_IsTheCallersSourceFolder()
        {
            var e = Assert.Throws<SnapshotMismatchException>(() => Snapshot.Verify(Tensor.Vector(1.0), discriminator: "never-accepted"));
            try
            {
                Assert.Equal(Path.GetDirectoryName(CallerPath()), Path.GetDirectoryName(e.Check.VerifiedPath));
                Assert.EndsWith("SnapshotTests.Files.DefaultFolder_IsTheCallersSourceFolder.never-accepted.verified.txt", e.Check.VerifiedPath, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(e.Check.ReceivedPath!);
            }
        }

        private static string CallerPath([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
    }
}
