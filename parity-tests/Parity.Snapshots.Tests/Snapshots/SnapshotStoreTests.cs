using Parity.Comparison;
using Parity.Snapshots;
using Parity.Native;
using static Parity.Snapshots.Tests.Snap;

namespace Parity.Snapshots.Tests;

public class SnapshotStoreTests
{
    private const string Name = "loss.float32.N2C3";

    private static SnapshotContent Grid(float at11) =>
        new([M("case", "{\"op\":\"loss\"}"), M("libtorch", "2.10.0")],
            [T("output", Tensor.FromArray([0.1f, 0.2f, 0.3f, 0.4f, at11, 0.6f], 2, 3))]);

    public class Check
    {
        [Fact]
        public void WithinTolerance_MatchesAndWritesNothing()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Grid(0.5f));
            // 0.5 + 2^-20 is within 1e-5 + 1.3e-6·0.5 but not bit-identical.
            var check = store.Check(Name, Grid(0.5f + MathF.Pow(2, -20)));
            Assert.Equal(SnapshotStatus.Match, check.Status);
            Assert.True(check.Passed);
            Assert.Null(check.ReceivedPath);
            Assert.Equal("Snapshot 'loss.float32.N2C3' matches (output: max abs 9.5367431640625E-07, max rel 1.9073486328125E-06, max ulp 16).", check.Message);
            Assert.Equal([Name + ".verified.txt"], dir.Listing());
        }

        [Fact]
        public void OneElementOff_WritesReceivedAndNamesTheWorstElement()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Grid(0.5f));
            var actual = Grid(0.5f + MathF.Pow(2, -10)); // 0.5009765625, 2^14 float32 ulps above 0.5
            var check = store.Check(Name, actual);

            Assert.Equal(SnapshotStatus.Mismatch, check.Status);
            Assert.False(check.Passed);
            string verified = Path.Combine(dir.Path, Name + ".verified.txt");
            string received = Path.Combine(dir.Path, Name + ".received.txt");
            Assert.Equal(verified, check.VerifiedPath);
            Assert.Equal(received, check.ReceivedPath);
            Assert.Equal(
                "Snapshot 'loss.float32.N2C3' does not match its verified file:\n" +
                "  output: 1 of 6 element(s) outside rtol=1.3E-06, atol=1E-05; worst at [1, 1]: expected 0.5, actual 0.50097656, " +
                "abs diff 0.0009765625, rel diff 0.001953125, ulp diff 16384\n" +
                $"Verified: {verified}\n" +
                $"Received: {received}",
                check.Message);
            BitEqual(actual, SnapshotStore.ReadFile(received));
            var (tensorName, comparison) = Assert.Single(check.Comparisons);
            Assert.Equal("output", tensorName);
            Assert.Equal(4, comparison.WorstIndex);
        }

        [Fact]
        public void ErrorMetadataAndTensorSetDiffer_EachIsNamed()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, new SnapshotContent(
                [M("case", "{\"op\":\"loss\"}"), M("input_digest", "sha256:aa"), M("libtorch", "2.10.0")],
                [T("output", Tensor.Scalar(1, DType.Float64)), T("grad", Tensor.Vector(1f, 2f))]));
            var actual = new SnapshotContent(
                [M("case", "{\"op\":\"loss\"}"), M("input_digest", "sha256:bb"), M("libtorch", "2.9.0")],
                [T("output", Tensor.Scalar(double.NaN, DType.Float64)), T("target", Tensor.Vector(3L))],
                "boom");
            var check = store.Check(Name, actual, writeReceived: false);
            Assert.Equal(SnapshotStatus.Mismatch, check.Status);
            Assert.Null(check.ReceivedPath);
            // libtorch differs too, but it is provenance: not compared.
            Assert.Equal(
                "Snapshot 'loss.float32.N2C3' does not match its verified file:\n" +
                "  metadata 'input_digest': expected \"sha256:aa\", actual \"sha256:bb\"\n" +
                "  error: expected none, actual \"boom\"\n" +
                "  output: 1 of 1 element(s) outside rtol=1E-07, atol=1E-07; worst at []: expected 1, actual -NaN (NaN and infinities must match exactly)\n" +
                "  grad: missing from the actual result (the snapshot has float32 [2])\n" +
                "  target: not in the verified snapshot (the actual result has int64 [1])\n" +
                $"Verified: {check.VerifiedPath}\n" +
                "Received: (not written)",
                check.Message);
            Assert.Equal([Name + ".verified.txt"], dir.Listing());
        }

        [Fact]
        public void ShapeDiffers_IsAStructuralMismatch()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Content(T("grad", Tensor.Zeros(DType.Float32, 4, 5))));
            var check = store.Check(Name, Content(T("grad", Tensor.Zeros(DType.Float32, 4, 4))), writeReceived: false);
            Assert.Contains("\n  grad: shape [4, 4] differs from the expected [4, 5]\n", check.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Int64Tensor_IsExactEvenUnderALooseTolerance()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Content(T("idx", Tensor.Vector(5L, 6L)), T("v", Tensor.Vector(1.0))));
            var loose = new Tolerance(0.5, 0.5);
            var check = store.Check(Name, Content(T("idx", Tensor.Vector(5L, 7L)), T("v", Tensor.Vector(1.25))), loose, writeReceived: false);
            Assert.Equal(
                "Snapshot 'loss.float32.N2C3' does not match its verified file:\n" +
                "  idx: 1 of 2 element(s) outside rtol=0, atol=0; worst at [1]: expected 6, actual 7, abs diff 1, rel diff 0.16666666666666666, ulp diff -\n" +
                $"Verified: {check.VerifiedPath}\n" +
                "Received: (not written)",
                check.Message);
        }

        [Fact]
        public void Int64Extremes_DifferenceIsExact()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Content(T("idx", Tensor.Vector(long.MinValue))));
            var check = store.Check(Name, Content(T("idx", Tensor.Vector(long.MaxValue))), writeReceived: false);
            // 2^64 - 1 = 18446744073709551615; relative to 2^63 that is 2 (as a double).
            Assert.Contains(
                "  idx: 1 of 1 element(s) outside rtol=0, atol=0; worst at [0]: expected -9223372036854775808, actual 9223372036854775807, " +
                "abs diff 18446744073709551615, rel diff 2, ulp diff -\n",
                check.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void DeclaredNotCompared_SkipsOnlyThoseTensors_AndNeverWritesAPartialReceivedFile()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Content(T("grad", Tensor.Vector(1.0f)), T("grad.target", Tensor.Vector(2.0f))));

            Assert.Equal(SnapshotStatus.Mismatch, store.Check(Name, Content(T("grad", Tensor.Vector(1.0f))), writeReceived: false).Status);
            var partial = store.Check(Name, Content(T("grad", Tensor.Vector(1.0f))), notCompared: ["grad.target"]);
            Assert.Equal(SnapshotStatus.Match, partial.Status);
            var wrong = store.Check(Name, Content(T("grad", Tensor.Vector(1.5f))), notCompared: ["grad.target"]);
            Assert.Equal(SnapshotStatus.Mismatch, wrong.Status);
            Assert.Null(wrong.ReceivedPath);
            Assert.Empty(store.ReceivedPaths(Name));
        }

        [Fact]
        public void PerTensorTolerance_OverridesTheDefault()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Content(T("grad", Tensor.Vector(1.0f))));
            var off = Content(T("grad", Tensor.Vector(1.001f)));
            Assert.Equal(SnapshotStatus.Mismatch, store.Check(Name, off, writeReceived: false).Status);
            var perTensor = new Dictionary<string, Tolerance> { ["grad"] = new(1e-2, 0) };
            Assert.Equal(SnapshotStatus.Match, store.Check(Name, off, perTensor: perTensor).Status);
        }

        [Fact]
        public void MatchAfterAFix_DeletesStaleReceivedFiles()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Grid(0.5f));
            store.Check(Name, Grid(9f));
            store.Check(Name, Grid(8f));
            Assert.Equal(2, store.ReceivedPaths(Name).Count);
            Assert.Equal(SnapshotStatus.Match, store.Check(Name, Grid(0.5f)).Status);
            Assert.Equal([Name + ".verified.txt"], dir.Listing());
        }

        [Fact]
        public void ReadOnlyMatch_LeavesReceivedFilesForReview()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Grid(0.5f));
            string received = store.Check(Name, Grid(9f)).ReceivedPath!;
            byte[] before = File.ReadAllBytes(received);

            Assert.Equal(SnapshotStatus.Match, store.Check(Name, Grid(0.5f), writeReceived: false).Status);

            Assert.Equal(before, File.ReadAllBytes(received));
            Assert.Equal([Name + ".received.txt", Name + ".verified.txt"], dir.Listing());
        }
    }

    public class Missing
    {
        [Fact]
        public void InCi_FailsAndWritesReceived()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Ci);
            var check = store.Check(Name, Grid(0.5f));
            string received = Path.Combine(dir.Path, Name + ".received.txt");
            Assert.Equal(SnapshotStatus.Missing, check.Status);
            Assert.False(check.Passed);
            Assert.Equal(received, check.ReceivedPath);
            Assert.Equal(
                "Snapshot 'loss.float32.N2C3' is missing: there is no verified file.\n" +
                $"Verified: {Path.Combine(dir.Path, Name + ".verified.txt")} (does not exist)\n" +
                $"Received: {received}\n" +
                "CI=true: a missing snapshot is a failure and is never accepted automatically.",
                check.Message);
            Assert.Equal([Name + ".received.txt"], dir.Listing());
            BitEqual(Grid(0.5f), SnapshotStore.ReadFile(received));
        }

        [Fact]
        public void Locally_FailsToo_AndSaysHowToAccept()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(Path.Combine(dir.Path, "not", "yet"), Local);
            var check = store.Check(Name, Grid(0.5f));
            Assert.Equal(SnapshotStatus.Missing, check.Status);
            Assert.EndsWith("\nReview the received file, then accept it (parity snapshot accept).", check.Message, StringComparison.Ordinal);
            Assert.True(File.Exists(check.ReceivedPath));
            Assert.Empty(store.Names());
        }
    }

    public class Accept
    {
        [Fact]
        public void Received_MovesToVerified()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Grid(0.5f));
            var actual = Grid(0.75f);
            var check = store.Check(Name, actual);
            byte[] receivedBytes = File.ReadAllBytes(check.ReceivedPath!);

            Assert.Equal([Name], store.Accept());

            Assert.Equal([Name + ".verified.txt"], dir.Listing());
            Assert.Equal(receivedBytes, File.ReadAllBytes(check.VerifiedPath));
            Assert.Equal(SnapshotStatus.Match, store.Check(Name, actual).Status);
        }

        [Fact]
        public void Filter_AcceptsOnlySelectedNames()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Check("a.case", Grid(1f));
            store.Check("b.case", Grid(2f));
            store.Check("c.case", Grid(3f));

            Assert.Equal(["a.case", "c.case"], store.Accept(n => n != "b.case"));

            Assert.Equal(["a.case", "c.case"], store.Names());
            Assert.Equal(["b.case"], store.ReceivedNames());
            BitEqual(Grid(3f), store.Read("c.case"));
        }

        [Fact]
        public void SeveralReceivedForOneName_TheNewestWins()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            var first = store.Check(Name, Grid(1f)).ReceivedPath!;
            var second = store.Check(Name, Grid(2f)).ReceivedPath!;
            File.SetLastWriteTimeUtc(first, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            File.SetLastWriteTimeUtc(second, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));

            Assert.Equal([Name], store.Accept());

            BitEqual(Grid(1f), store.Read(Name));
            Assert.Empty(store.ReceivedNames());
        }

        [Fact]
        public void Interrupted_LeavesEachVerifiedFileOldOrNew_AndCanBeResumed()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            string[] names = ["a.case", "b.case", "c.case"];
            foreach (string n in names)
            {
                store.Write(n, Grid(1f));
                store.Check(n, Grid(2f));
            }
            byte[] oldBytes = SnapshotStore.Serialize("b.case", Grid(1f));
            var interrupted = new SnapshotStore(dir.Path, Local with
            {
                BeforeAcceptMove = n => { if (n == "b.case") { throw new IOException("interrupted"); } },
            });

            Assert.Throws<IOException>(() => interrupted.Accept());

            BitEqual(Grid(2f), store.Read("a.case"));
            Assert.Equal(oldBytes, File.ReadAllBytes(store.VerifiedPath("b.case")));
            BitEqual(Grid(1f), store.Read("c.case"));
            Assert.Equal(["b.case", "c.case"], store.ReceivedNames());

            Assert.Equal(["b.case", "c.case"], store.Accept());
            foreach (string n in names)
            {
                BitEqual(Grid(2f), store.Read(n));
            }
            Assert.Empty(store.ReceivedNames());
        }

        [Fact]
        public void InCi_Refuses()
        {
            using var dir = new TempDir();
            new SnapshotStore(dir.Path, Local).Check(Name, Grid(1f));
            var ci = new SnapshotStore(dir.Path, Ci);
            var e = Assert.Throws<InvalidOperationException>(() => ci.Accept());
            Assert.Equal("Snapshots are never accepted in CI (CI=true); accept them locally and commit the verified files.", e.Message);
            Assert.Equal([Name + ".received.txt"], dir.Listing());
        }

        [Fact]
        public void CorruptReceived_IsRefusedAndNothingIsAccepted()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Check("a.case", Grid(1f));
            string b = store.Check("b.case", Grid(2f)).ReceivedPath!;
            File.WriteAllText(b, "parity-snapshot 1\nname b.case\n");
            var e = Assert.Throws<SnapshotFormatException>(() => store.Accept());
            Assert.Equal(b, e.Path);
            Assert.Equal((3, 1), (e.Line, e.Column));
            Assert.Empty(store.Names());
        }
    }

    public class Orphans
    {
        [Fact]
        public void NamesOutsideTheCatalogue_AreOrphansAndPruneDeletesThem()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            foreach (string n in new[] { "a", "b.x", "c" })
            {
                store.Write(n, Grid(1f));
            }
            store.Check("b.x", Grid(2f));
            File.WriteAllText(dir.File("README.md"), "not a snapshot");
            File.WriteAllText(dir.File("bad name.verified.txt"), "a verified file no case can have");

            Assert.Equal(["a", "b.x", "c"], store.Names());
            Assert.Equal(["b.x", "bad name"], store.Orphans(["a", "c", "d"]));
            Assert.Equal(["b.x", "bad name"], store.Prune(["a", "c", "d"]));

            Assert.Equal(["a", "c"], store.Names());
            Assert.Empty(store.Orphans(["a", "c", "d"]));
            Assert.Equal(["README.md", "a.verified.txt", "c.verified.txt"], dir.Listing());
        }

        [Fact]
        public void MissingDirectory_HasNoNames()
        {
            var store = new SnapshotStore(Path.Combine(Path.GetTempPath(), "parity-no-such-dir-" + Guid.NewGuid().ToString("N")), Local);
            Assert.Empty(store.Names());
            Assert.Empty(store.Orphans([]));
            Assert.Null(store.Read("x"));
        }
    }
}
