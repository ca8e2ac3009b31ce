using Parity.Snapshots;
using Parity.Native;
using static Parity.Snapshots.Tests.Snap;

namespace Parity.Snapshots.Tests;

public class SnapshotFormatTests
{
    public class Text
    {
        [Fact]
        public void KnownContent_IsWrittenAsDocumented()
        {
            var content = new SnapshotContent(
                [M("case", "{\"op\":\"cross_entropy\",\"label_smoothing\":0.1}"), M("libtorch", "2.10.0"), M("note", "line1\nline2\t\\ \u0001")],
                [
                    T("output", Tensor.Scalar(0.2576, DType.Float32)),
                    T("grad", Tensor.FromArray([-0f, float.Epsilon, F32(0xFFC00000), float.PositiveInfinity], 2, 2)),
                    T("target", Tensor.Vector(long.MinValue, long.MaxValue)),
                    T("w", Tensor.FromArray([0.1, -1e-300, double.NegativeInfinity], 3)),
                ]);
            // Written by hand from docs/snapshots.md, not produced by the code under test.
            const string expected =
                "parity-snapshot 1\n" +
                "name cross_entropy.float32.mean.w.ii=1.ls=0.1.idx.N4C5\n" +
                "meta case \"{\\\"op\\\":\\\"cross_entropy\\\",\\\"label_smoothing\\\":0.1}\"\n" +
                "meta libtorch \"2.10.0\"\n" +
                "meta note \"line1\\nline2\\t\\\\ \\u0001\"\n" +
                "tensor output float32 []\n" +
                "0.2576\n" +
                "tensor grad float32 [2, 2]\n" +
                "-0\n" +
                "1E-45\n" +
                "-NaN\n" +
                "Infinity\n" +
                "tensor target int64 [2]\n" +
                "-9223372036854775808\n" +
                "9223372036854775807\n" +
                "tensor w float64 [3]\n" +
                "0.1\n" +
                "-1E-300\n" +
                "-Infinity\n" +
                "end\n";
            Assert.Equal(expected, Utf8(SnapshotStore.Serialize("cross_entropy.float32.mean.w.ii=1.ls=0.1.idx.N4C5", content)));
        }

        [Fact]
        public void ErrorSnapshot_HasOneQuotedErrorLine()
        {
            var content = new SnapshotContent([], [], "Expected input batch_size (3) to match target batch_size (2).");
            Assert.Equal(
                "parity-snapshot 1\nname nll_loss.bad\nerror \"Expected input batch_size (3) to match target batch_size (2).\"\nend\n",
                Utf8(SnapshotStore.Serialize("nll_loss.bad", content)));
        }

        [Fact]
        public void OneChangedValue_ChangesOneLine()
        {
            var a = Content(T("grad", Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3)));
            var b = Content(T("grad", Tensor.FromArray([1f, 2f, 3f, 4.5f, 5f, 6f], 2, 3)));
            string[] la = Utf8(SnapshotStore.Serialize("x", a)).Split('\n');
            string[] lb = Utf8(SnapshotStore.Serialize("x", b)).Split('\n');
            Assert.Equal(la.Length, lb.Length);
            var differing = Enumerable.Range(0, la.Length).Where(i => la[i] != lb[i]).ToArray();
            Assert.Equal([6], differing);
            Assert.Equal(("4", "4.5"), (la[6], lb[6]));
        }
    }

    public class RoundTrip
    {
        private static readonly float[] Float32Classes =
        [
            0f, -0f, 1f, -1f, 0.2576f, 1f / 3f, 123456790f, 1e16f,
            float.Epsilon,                 // smallest subnormal, 2^-149
            F32(0x007FFFFF),               // largest subnormal
            F32(0x00800000),               // smallest normal, 1.17549435E-38
            -F32(0x00000003),              // negative subnormal
            float.MaxValue, float.MinValue,
            F32(0x34000000),               // machine epsilon 2^-23
            float.PositiveInfinity, float.NegativeInfinity,
            F32(0x7FC00000), F32(0xFFC00000), // quiet NaN, x86 default NaN
            F32(0x7FC00001), F32(0x7F800001), F32(0xFFFFFFFF), // payload, signalling, all-ones NaN
        ];

        private static readonly double[] Float64Classes =
        [
            0d, -0d, 1d, -1d, 0.1, 1d / 3d, 1e16, 1e15, 2.5e-8,
            double.Epsilon,                     // 2^-1074
            F64(0x000FFFFFFFFFFFFF),            // largest subnormal
            F64(0x0010000000000000),            // smallest normal
            double.MaxValue, double.MinValue,
            F64(0x3CB0000000000000),            // machine epsilon 2^-52
            double.PositiveInfinity, double.NegativeInfinity,
            F64(0x7FF8000000000000), F64(0xFFF8000000000000),
            F64(0x7FF8000000000001), F64(0x7FF0000000000001), F64(0xFFFFFFFFFFFFFFFF),
            (double)float.MaxValue, (double)float.Epsilon,
        ];

        private static readonly long[] Int64Classes = [0, 1, -1, long.MaxValue, long.MinValue, int.MaxValue + 1L, -4611686018427387904];

        private static SnapshotContent ThroughFile(SnapshotContent content, string name = "round.trip")
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            store.Write(name, content);
            return store.Read(name)!;
        }

        [Fact]
        public void EveryValueClass_IsBitExact()
        {
            var content = new SnapshotContent(
                [M("seed", "42"), M("empty", ""), M("unicode", "naïve → ∞ \"q\" \ud83d\ude00")],
                [
                    T("f32", Tensor.FromArray(Float32Classes, Float32Classes.Length)),
                    T("f64", Tensor.FromArray(Float64Classes, Float64Classes.Length)),
                    T("i64", Tensor.FromArray(Int64Classes, Int64Classes.Length)),
                ],
                "multi-line\r\nerror \u0000 text");
            BitEqual(content, ThroughFile(content));
        }

        [Fact]
        public void ZeroDimAndEmptyTensors_KeepShapeAndDType()
        {
            var content = Content(
                T("scalar32", Tensor.Scalar(-0.0, DType.Float32)),
                T("scalar64", Tensor.Scalar(double.Epsilon, DType.Float64)),
                T("scalar_i", Tensor.Scalar(-7, DType.Int64)),
                T("empty1", Tensor.Zeros(DType.Float32, 0)),
                T("empty3", Tensor.Zeros(DType.Float64, 2, 0, 3)),
                T("empty_i", Tensor.Zeros(DType.Int64, 0, 5)),
                T("matrix", Tensor.FromArray([1.5, -2.25, 3, 4, 5, 6], 3, 2)));
            BitEqual(content, ThroughFile(content));
        }

        [Fact]
        public void SeededRandomBitPatterns_AreBitExact()
        {
            var rng = new Random(20261129);
            var f = new float[4096];
            var d = new double[4096];
            var l = new long[4096];
            for (int i = 0; i < f.Length; i++)
            {
                f[i] = F32((uint)rng.NextInt64(0, 1L << 32));
                d[i] = F64((ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63));
                l[i] = rng.NextInt64(long.MinValue, long.MaxValue);
            }
            var content = Content(T("f", Tensor.FromArray(f, 64, 64)), T("d", Tensor.FromArray(d, 4096)), T("l", Tensor.FromArray(l, 16, 16, 16)));
            BitEqual(content, ThroughFile(content));
        }

        [Fact]
        public void Int32_RoundTrips_SpelledInt32()
        {
            int[] values = [0, 1, -1, int.MaxValue, int.MinValue, 65536];
            var content = Content(T("lengths", Tensor.FromArray(values, 2, 3)), T("scalar", Tensor.Scalar(-7, DType.Int32)), T("empty", Tensor.Zeros(DType.Int32, 0)));
            var written = Utf8(SnapshotStore.Serialize("x", content));
            Assert.Equal(
                "parity-snapshot 1\nname x\ntensor lengths int32 [2, 3]\n0\n1\n-1\n2147483647\n-2147483648\n65536\n" +
                "tensor scalar int32 []\n-7\ntensor empty int32 [0]\nend\n", written);
            var back = ThroughFile(content);
            BitEqual(content, back);
            Assert.Equal(DType.Int32, back.GetTensor("lengths")!.DType);
        }

        [Fact]
        public void Float32_UsesShortestFloat32Form()
        {
            var written = Utf8(SnapshotStore.Serialize("x", Content(T("v", Tensor.Vector(0.2576f, 0.1f, float.MaxValue, F32(0x7FC00001))))));
            Assert.Equal("parity-snapshot 1\nname x\ntensor v float32 [4]\n0.2576\n0.1\n3.4028235E+38\nNaN:0x7FC00001\nend\n", written);
        }
    }

    public class Validation
    {
        [Theory]
        [InlineData("a b", "snapshot name 'a b' has the character 'U+0020' at position 1; names use only [A-Za-z0-9._=-]")]
        [InlineData("loss/x", "snapshot name 'loss/x' has the character '/' at position 4; names use only [A-Za-z0-9._=-]")]
        [InlineData("", "a snapshot name must not be empty")]
        [InlineData("a..b", "snapshot name 'a..b' has an empty segment (two dots in a row or a trailing dot)")]
        [InlineData(".hidden", "snapshot name '.hidden' must not start with '.'")]
        [InlineData("x.received", "snapshot name 'x.received' has the reserved segment 'received'")]
        public void BadName_IsRejectedWithReason(string name, string message)
        {
            using var dir = new TempDir();
            var store = new SnapshotStore(dir.Path, Local);
            var e = Assert.Throws<ArgumentException>(() => store.Check(name, Content()));
            Assert.Equal(message + " (Parameter 'name')", e.Message);
            Assert.Empty(dir.Listing());
        }

        [Fact]
        public void CaseName_FromTheCatalogue_IsValid()
        {
            Assert.True(SnapshotNames.IsValid("cross_entropy.float32.mean.w.ii=1.ls=0.1.idx.N4C5"));
            Assert.True(SnapshotNames.IsValid("bce-with-logits.float64.none.N3"));
        }

        [Fact]
        public void DuplicateTensorName_IsRejected()
        {
            var e = Assert.Throws<ArgumentException>(() => SnapshotStore.Serialize("x", Content(T("a", Tensor.Vector(1f)), T("a", Tensor.Vector(2f)))));
            Assert.Equal("tensor 'a' appears twice (Parameter 'content')", e.Message);
        }

        [Fact]
        public void MetadataKeyWithSpace_IsRejected()
        {
            var e = Assert.Throws<ArgumentException>(() => SnapshotStore.Serialize("x", new SnapshotContent([M("lib torch", "2")], [])));
            Assert.Equal("metadata key 'lib torch' is not allowed: keys match [A-Za-z0-9._:/-]+ (Parameter 'content')", e.Message);
        }
    }
}
