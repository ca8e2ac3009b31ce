using Parity.Comparison;
using Parity.Snapshots;
using Parity.Native;

namespace Parity.Snapshots.Tests;

public class TensorSnapshotTests
{
    public class Verify
    {
        [Fact]
        public void Missing_ThrowsAndWritesReceived_ThenPassesOnceAccepted()
        {
            using var dir = new TempDir();
            var tensors = new Dictionary<string, Tensor> { ["output"] = Tensor.Scalar(0.2576), ["grad"] = Tensor.Vector(0.5f, -0.5f) };

            var e = Assert.Throws<SnapshotMismatchException>(() => TensorSnapshot.Verify("mse_loss.float32.mean.N2", tensors, directory: dir.Path));
            Assert.Equal(SnapshotStatus.Missing, e.Check.Status);
            Assert.StartsWith("Snapshot 'mse_loss.float32.mean.N2' is missing: there is no verified file.\n", e.Message, StringComparison.Ordinal);

            new SnapshotStore(dir.Path, Snap.Local).Accept();
            TensorSnapshot.Verify("mse_loss.float32.mean.N2", tensors, directory: dir.Path);
            // Tensors are written in ordinal name order.
            Assert.Equal(["grad", "output"], SnapshotStore.ReadFile(dir.File("mse_loss.float32.mean.N2.verified.txt")).Tensors.Select(kv => kv.Key));
        }

        [Fact]
        public void Mismatch_ThrowsWithTheFullMessage()
        {
            using var dir = new TempDir();
            new SnapshotStore(dir.Path, Snap.Local).Write("x.y", Snap.Content(Snap.T("output", Tensor.Vector(2.0))));
            var e = Assert.Throws<SnapshotMismatchException>(() =>
                TensorSnapshot.Verify("x.y", new Dictionary<string, Tensor> { ["output"] = Tensor.Vector(2.5) }, new Tolerance(0.1, 0), dir.Path));
            Assert.Equal(
                "Snapshot 'x.y' does not match its verified file:\n" +
                "  output: 1 of 1 element(s) outside rtol=0.1, atol=0; worst at [0]: expected 2, actual 2.5, abs diff 0.5, rel diff 0.25, ulp diff 1125899906842624\n" +
                $"Verified: {dir.File("x.y.verified.txt")}\n" +
                $"Received: {dir.File("x.y.received.txt")}",
                e.Message);
        }
    }
}
