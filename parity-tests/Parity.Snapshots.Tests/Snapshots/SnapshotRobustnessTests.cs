using System.Text;
using Parity.Snapshots;
using Parity.Native;
using static Parity.Snapshots.Tests.Snap;

namespace Parity.Snapshots.Tests;

public class SnapshotRobustnessTests
{
    private const string Name = "nll_loss.float32.sum.N2C2";

    private static SnapshotContent Sample() => new(
        [M("case", "{\"op\":\"nll_loss\"}"), M("seed", "7")],
        [T("output", Tensor.Scalar(0.2576, DType.Float32)), T("grad", Tensor.FromArray([0.25f, -0.5f, 1f, -0f], 2, 2))]);

    // The valid file, line by line:
    //  1 parity-snapshot 1
    //  2 name nll_loss.float32.sum.N2C2
    //  3 meta case "{\"op\":\"nll_loss\"}"
    //  4 meta seed "7"
    //  5 tensor output float32 []
    //  6 0.2576
    //  7 tensor grad float32 [2, 2]
    //  8 0.25
    //  9 -0.5
    // 10 1
    // 11 -0
    // 12 end
    public static TheoryData<string, string, int, int, string> Corruptions => new()
    {
        { "truncated inside a tensor", "CUT:9", 10, 1, "unexpected end of file (truncated?): tensor 'grad' has 2 of 4 values" },
        { "truncated inside a value", "CUTBYTES:-6", 11, 1, "expected a float32 value, found '-'" },
        { "truncated before end", "CUT:11", 12, 1, "unexpected end of file (truncated?): expected 'tensor ...' or 'end'" },
        { "last newline missing", "CUTBYTES:-1", 12, 4, "missing newline after 'end' (truncated?)" },
        { "empty file", "CUT:0", 1, 1, "the file is empty (truncated?); expected the header 'parity-snapshot 1'" },
        { "newer schema version", "REPLACE:parity-snapshot 1|parity-snapshot 2", 1, 17, "unsupported schema version 2; this build reads version 1" },
        { "not a snapshot", "REPLACE:parity-snapshot 1|{\"json\": true}", 1, 1, "not a snapshot file: expected the header 'parity-snapshot 1', found '{\"json\": true}'" },
        { "garbage value", "REPLACE:\n-0.5\n|\n-0.5x\n", 9, 1, "expected a float32 value, found '-0.5x'" },
        { "non-canonical value", "REPLACE:\n-0.5\n|\n-0.50\n", 9, 1, "float32 value '-0.50' is not in canonical form; write it as '-0.5'" },
        { "lowercase exponent", "REPLACE:\n-0.5\n|\n-5e-1\n", 9, 1, "float32 value '-5e-1' is not in canonical form; write it as '-0.5'" },
        { "value beyond float32", "REPLACE:\n-0.5\n|\n1E+39\n", 9, 1, "expected a float32 value, found '1E+39'" },
        { "unknown dtype", "REPLACE:grad float32|grad float16", 7, 13, "unknown dtype 'float16' (expected float32, float64, int64 or int32)" },
        { "bad shape", "REPLACE:[2, 2]|[2,2]", 7, 21, "expected a shape like [4, 5] or [], found '[2,2]'" },
        { "shape far beyond the file", "REPLACE:[2, 2]|[100000, 100000]", 12, 1, "expected a float32 value, found 'end'" },
        { "shape far beyond a truncated file", "CUT:9|[2, 2]|[100000, 100000]", 10, 1, "unexpected end of file (truncated?): tensor 'grad' has 2 of 10000000000 values" },
        { "unterminated quote", "REPLACE:\"7\"|\"7", 4, 13, "unterminated quoted value (truncated?)" },
        { "bad escape", "REPLACE:\"7\"|\"\\x7\"", 4, 12, "unknown escape sequence '\\x'" },
        { "windows line endings", "REPLACE:\n|\r\n", 1, 18, "carriage return: snapshot files use LF line endings (see .gitattributes)" },
        { "content after end", "APPEND:tensor late float32 []\n", 13, 1, "unexpected content after 'end'" },
        { "renamed file", "REPLACE:name nll_loss.float32.sum.N2C2|name nll_loss.float32.mean.N2C2", 2, 6, "the file names snapshot 'nll_loss.float32.mean.N2C2' but is stored as 'nll_loss.float32.sum.N2C2'" },
        { "byte order mark", "PREFIX:\uFEFF", 1, 1, "the file starts with a UTF-8 byte order mark; snapshot files have none" },
        { "invalid UTF-8", "REPLACE:seed \"7\"|seed \"\uFFFF\"", 4, 12, "invalid UTF-8" },
        { "meta after tensor", "REPLACE:end\n|meta late \"x\"\nend\n", 12, 1, "unexpected a 'meta' line after 'error' or 'tensor' lines: expected 'tensor ...' or 'end'" },
    };

    private static byte[] Corrupt(byte[] valid, string how)
    {
        string text = Encoding.UTF8.GetString(valid);
        string op = how[..how.IndexOf(':', StringComparison.Ordinal)];
        string arg = how[(op.Length + 1)..];
        switch (op)
        {
            case "CUT":
                // CUT:n keeps the first n lines; CUT:n|a|b also replaces a with b.
                string[] cut = arg.Split('|');
                string kept = string.Concat(text.Split('\n').Take(int.Parse(cut[0])).Select(l => l + "\n"));
                return Encoding.UTF8.GetBytes(cut.Length == 3 ? kept.Replace(cut[1], cut[2], StringComparison.Ordinal) : kept);
            case "CUTBYTES":
                return valid[..^-int.Parse(arg)];
            case "APPEND":
                return Encoding.UTF8.GetBytes(text + arg);
            case "PREFIX":
                return [.. Encoding.UTF8.GetBytes(arg), .. valid];
            default:
                string[] parts = arg.Split('|');
                string replaced = text.Replace(parts[0], parts[1], StringComparison.Ordinal);
                Assert.NotEqual(text, replaced);
                byte[] bytes = Encoding.UTF8.GetBytes(replaced);
                if (parts[1].Contains('\uFFFF', StringComparison.Ordinal))
                {
                    // U+FFFF encodes as EF BF BF; make the first byte a stray continuation byte instead.
                    int at = bytes.AsSpan().IndexOf([(byte)0xEF, (byte)0xBF, (byte)0xBF]);
                    bytes[at] = 0xBF;
                }
                return bytes;
        }
    }

    public class CorruptVerified
    {
        [Theory]
        [MemberData(nameof(Corruptions), MemberType = typeof(SnapshotRobustnessTests))]
        public void Check_ThrowsNamingFileAndPosition_AndLeavesTheFileUntouched(string scenario, string how, int line, int column, string reason)
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(Name, Sample());
            string path = store.VerifiedPath(Name);
            byte[] corrupt = Corrupt(File.ReadAllBytes(path), how);
            File.WriteAllBytes(path, corrupt);

            var e = Assert.Throws<SnapshotFormatException>(() => store.Check(Name, Sample()));

            Assert.Equal(path, e.Path);
            Assert.Equal((line, column, reason), (e.Line, e.Column, e.Reason));
            Assert.Equal($"{path}({line},{column}): {reason}", e.Message);
            Assert.Equal(corrupt, File.ReadAllBytes(path));
            Assert.Equal([Name + ".verified.txt"], dir.Listing());
            Assert.NotNull(scenario);
        }

        [Fact]
        public void Read_ThrowsTheSameError()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            File.WriteAllText(store.VerifiedPath(Name), "parity-snapshot 0\n");
            var e = Assert.Throws<SnapshotFormatException>(() => store.Read(Name));
            Assert.Equal($"{store.VerifiedPath(Name)}(1,17): unsupported schema version 0; this build reads version 1", e.Message);
        }

        [Fact]
        public void ExplicitWrite_ReplacesACorruptFile()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            File.WriteAllText(store.VerifiedPath(Name), "parity-snap");
            store.Write(Name, Sample());
            BitEqual(Sample(), store.Read(Name));
        }
    }

    public class Mutations
    {
        /// <summary>Bytes that make plausible damage: digits, number and shape punctuation, quotes, escapes, newlines.</summary>
        private const string Alphabet = "0123456789-.E[], \"\\\nabNI";

        [Fact]
        public void SeededRandomDamage_EitherParsesOrRaisesAPositionedFormatError()
        {
            byte[] valid = SnapshotStore.Serialize(Name, new SnapshotContent(
                [M("case", "{\"op\":\"nll_loss\"}"), M("note", "tab\there")],
                [T("output", Tensor.Scalar(0.2576, DType.Float32)), T("grad", Tensor.FromArray([0.25, -0.5, double.NaN, -0.0], 2, 2)),
                 T("idx", Tensor.Vector(3L, -1L))],
                "x"));
            int lineCount = valid.Count(b => b == (byte)'\n');
            var rng = new Random(5);
            int parsed = 0, rejected = 0;
            using var dir = new TempDir();
            string path = dir.File(Name + ".verified.txt");
            var store = new SnapshotStore(dir.Path, Local);
            for (int trial = 0; trial < 2000; trial++)
            {
                var bytes = valid.ToList();
                for (int k = rng.Next(1, 4); k > 0 && bytes.Count > 0; k--)
                {
                    int at = rng.Next(bytes.Count);
                    byte b = (byte)Alphabet[rng.Next(Alphabet.Length)];
                    switch (rng.Next(4))
                    {
                        case 0: bytes[at] = b; break;
                        case 1: bytes.Insert(at, b); break;
                        case 2: bytes.RemoveAt(at); break;
                        default: bytes.RemoveRange(at, bytes.Count - at); break;
                    }
                }
                File.WriteAllBytes(path, [.. bytes]);
                try
                {
                    _ = store.Read(Name);
                    parsed++;
                }
                catch (SnapshotFormatException e)
                {
                    rejected++;
                    Assert.Equal(path, e.Path);
                    Assert.InRange(e.Line, 1, lineCount + 4);
                    Assert.InRange(e.Column, 1, bytes.Count + 1);
                }
            }
            // Most damage is caught (1,870 of 2,000 with this seed); some, such as one digit changed into another, is a
            // different valid file.
            Assert.True(rejected > 1800, $"rejected {rejected}, parsed {parsed}");
        }
    }

    public class InterruptedWrite
    {
        [Theory]
        [InlineData(0)]
        [InlineData(40)]
        [InlineData(100)]
        public void WriteFailingHalfWay_LeavesTheOldFileIntactAndNoTempFile(int failAfter)
        {
            using var dir = new TempDir();
            new SnapshotStore(dir.Path, Local).Write(Name, Sample());
            string path = dir.File(Name + ".verified.txt");
            byte[] before = File.ReadAllBytes(path);
            var failing = new SnapshotStore(dir.Path, Local with { WrapWriteStream = s => new FailingStream(s, failAfter) });

            var replacement = new SnapshotContent([], [T("output", Tensor.Zeros(DType.Float64, 50))]);
            var e = Assert.Throws<IOException>(() => failing.Write(Name, replacement));

            Assert.Equal("injected failure: no space left on device", e.Message);
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal([Name + ".verified.txt"], dir.Listing());
        }

        [Fact]
        public void ReceivedWriteFailingHalfWay_LeavesNoReceivedFile()
        {
            using var dir = new TempDir();
            new SnapshotStore(dir.Path, Local).Write(Name, Sample());
            byte[] before = File.ReadAllBytes(dir.File(Name + ".verified.txt"));
            var failing = new SnapshotStore(dir.Path, Local with { WrapWriteStream = s => new FailingStream(s, 30) });

            Assert.Throws<IOException>(() => failing.Check(Name, Content(T("output", Tensor.Scalar(1)))));

            Assert.Equal(before, File.ReadAllBytes(dir.File(Name + ".verified.txt")));
            Assert.Equal([Name + ".verified.txt"], dir.Listing());
        }

        [Fact]
        public void DurableWrite_ProducesTheSameBytes()
        {
            using var dir = new TempDir();
            new SnapshotStore(dir.Path, Local with { DurableWrites = true }).Write(Name, Sample());
            Assert.Equal(SnapshotStore.Serialize(Name, Sample()), File.ReadAllBytes(dir.File(Name + ".verified.txt")));
        }
    }

    public class Parallel
    {
        private const int Writers = 8;

        private static SnapshotContent Numbered(int k) => Content(T("output", Tensor.Vector(1000f + k, -k)));

        [Fact]
        public async Task ChecksOfDifferentNames_EachKeepTheirReceivedFile()
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            for (int k = 0; k < Writers; k++)
            {
                store.Write($"case.{k}", Numbered(-1));
            }
            using var gate = new Barrier(Writers);
            var checks = await Task.WhenAll(Enumerable.Range(0, Writers).Select(k => OnOwnThread(() =>
            {
                gate.SignalAndWait();
                return store.Check($"case.{k}", Numbered(k));
            })));

            for (int k = 0; k < Writers; k++)
            {
                Assert.Equal(SnapshotStatus.Mismatch, checks[k].Status);
                Assert.Equal(dir.File($"case.{k}.received.txt"), checks[k].ReceivedPath);
                BitEqual(Numbered(k), SnapshotStore.ReadFile(checks[k].ReceivedPath!));
            }
            Assert.Equal(Writers * 2, dir.Listing().Length);
        }

        [Fact]
        public async Task ChecksOfTheSameName_EachKeepTheirReceivedFile()
        {
            // Several rounds: a check-then-rename race shows up within a few (it did, before slots were claimed with an
            // exclusive create).
            for (int round = 0; round < 50; round++)
            {
                using var dir = new TempDir();
                var store = new SnapshotStore(dir.Path, Local);
                store.Write(Name, Numbered(-1));
                using var gate = new Barrier(Writers);
                var checks = await Task.WhenAll(Enumerable.Range(0, Writers).Select(k => OnOwnThread(() =>
                {
                    gate.SignalAndWait();
                    // A store instance per writer, as separate test processes would have.
                    return new SnapshotStore(dir.Path, Local).Check(Name, Numbered(k));
                })));

                var paths = checks.Select(c => c.ReceivedPath!).ToArray();
                Assert.Equal(
                    Enumerable.Range(1, Writers).Select(slot => dir.File(slot == 1 ? Name + ".received.txt" : $"{Name}.received.{slot}.txt")).Order(StringComparer.Ordinal),
                    paths.Order(StringComparer.Ordinal));
                for (int k = 0; k < Writers; k++)
                {
                    BitEqual(Numbered(k), SnapshotStore.ReadFile(paths[k]));
                }
                Assert.Equal(paths.Order(StringComparer.Ordinal), store.ReceivedPaths(Name).Order(StringComparer.Ordinal));
                Assert.DoesNotContain(dir.Listing(), f => f.StartsWith('.'));
            }
        }

        /// <summary>A dedicated thread, so that eight writers blocked on the barrier do not wait for the pool to grow.</summary>
        private static Task<T> OnOwnThread<T>(Func<T> body) =>
            Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }
}
