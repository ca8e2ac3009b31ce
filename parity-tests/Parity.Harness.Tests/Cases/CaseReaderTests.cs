using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Harness.Cases;
using Parity.Native;

namespace Parity.Harness.Tests.Cases;

public class CaseReaderTests
{
    private static CaseFormatException Fails(string json) =>
        Assert.Throws<CaseFormatException>(() => CaseReader.Parse(json, "cases.json"));

    public class ElementwiseMean
    {
        [Fact]
        public void NotModelled_RefusedAsSuch_NotAnsweredWithAPyTorchError()
        {
            var e = Fails("""{"op": "l1_loss", "inputs": {"input": {"randn": [3]}, "target": {"randn": [3]}}, "args": {"reduction": "elementwise_mean"}}""");
            Assert.Contains("args.reduction: reduction 'elementwise_mean' (PyTorch's deprecated spelling of 'mean') is not modelled for l1_loss; write 'mean'", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void CtcLoss_ModelsIt()
        {
            var c = Assert.Single(CaseReader.Parse("""
                {"op": "ctc_loss", "inputs": {"log_probs": {"randn": [2, 1, 3]}, "targets": {"values": [[1]], "dtype": "int64"},
                 "input_lengths": {"values": [2], "dtype": "int64"}, "target_lengths": {"values": [1], "dtype": "int64"}},
                 "args": {"reduction": "elementwise_mean"}}
                """));
            Assert.Equal("elementwise_mean", c.Args.Get("reduction")!.Value.AsString);
        }
    }

    public class Valid
    {
        [Fact]
        public void SingleObject_EveryField_Read()
        {
            var c = Assert.Single(CaseReader.Parse("""
                {"name": "ce1", "op": "cross_entropy", "dtype": "float64", "seed": 7,
                 "inputs": {"input": {"randn": [2, 3]}, "target": {"randint": {"low": 0, "high": 3, "shape": [2]}, "dtype": "int64"},
                            "weight": {"values": [1, 2.5, 0.25]}},
                 "args": {"reduction": "sum", "ignore_index": 1, "label_smoothing": 0.1},
                 "grad": true}
                """));
            Assert.Equal("ce1", c.Name);
            Assert.Equal(TestOps.CrossEntropy, c.Op);
            Assert.Equal(DType.Float64, c.DType);
            Assert.Equal(7L, c.Seed);
            Assert.True(c.Grad);
            Assert.Equal(["input", "target", "weight"], c.Inputs.Select(i => i.Name));
            Assert.Equal(InputKind.Randn, c.Inputs[0].Kind);
            Assert.Equal([2, 3], c.Inputs[0].Shape);
            Assert.Equal((InputKind.Randint, 0L, 3L, DType.Int64), (c.Inputs[1].Kind, c.Inputs[1].Low, c.Inputs[1].High, c.Inputs[1].EffectiveDType(c.DType)));
            Assert.Equal([1.0, 2.5, 0.25], c.Inputs[2].Values!.ToArray<double>());
            Assert.Equal(Reduction.Sum, c.Args.Reduction);
            Assert.Equal(1L, c.Args.IgnoreIndex);
            Assert.Equal(0.1, c.Args.LabelSmoothing);
        }

        [Theory]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        [InlineData(double.NegativeInfinity)]
        public void NonFiniteLabelSmoothing_WrittenByCaseWriter_ReadsBack(double smoothing)
        {
            // The writer spells non-finite scalars as strings; the reader must take back what the writer printed
            // (a fuzzer-shrunk case with label_smoothing NaN was unreadable before).
            var original = Assert.Single(CaseReader.Parse("""{"op": "cross_entropy", "inputs": {"input": {"values": [[0, 1]]}, "target": {"values": [1], "dtype": "int64"}}}"""));
            var written = CaseWriter.Write([original with { Args = original.Args.With("label_smoothing", smoothing) }], asArray: false);

            var back = Assert.Single(CaseReader.Parse(written));

            Assert.Equal(smoothing, back.Args.LabelSmoothing); // xunit's double equality treats NaN as equal to NaN
        }

        [Fact]
        public void LabelSmoothing_UnknownString_NamesTheField()
        {
            var e = Fails("""{"op": "cross_entropy", "inputs": {"input": {"values": [[0, 1]]}, "target": {"values": [1], "dtype": "int64"}}, "args": {"label_smoothing": "tiny"}}""");
            Assert.Contains("args.label_smoothing", e.Message, StringComparison.Ordinal);
            Assert.Contains("found the string \"tiny\"", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Array_KeepsOrder_AndDefaults()
        {
            var cases = CaseReader.Parse("""[{"op": "sigmoid", "inputs": {"input": {"rand": [3]}}}, {"op": "softmax", "inputs": {"input": {"randn": [2, 2]}}, "args": {"dim": -1}}]""");
            Assert.Equal([TestOps.Sigmoid, TestOps.Softmax], cases.Select(c => c.Op));
            Assert.Null(cases[0].Seed);
            Assert.Null(cases[0].Name);
            Assert.Equal(DType.Float32, cases[0].DType);
            Assert.False(cases[0].Grad);
            Assert.Equal(Reduction.Mean, cases[0].Args.Reduction);
            Assert.Equal(-1, cases[1].Args.Dim);
        }

        [Fact]
        public void Values_Float32_ParsedAsFloat32_NotRoundedTwice()
        {
            // 0.1 parsed as float32 directly, NaN and infinities spelled as strings, -0 kept.
            var c = Assert.Single(CaseReader.Parse("""{"op": "sigmoid", "inputs": {"input": {"values": [[0.1, "NaN"], ["Infinity", "-Infinity"], [-0.0, 16777217]]}}}"""));
            var t = c.Inputs[0].Values!;
            Assert.Equal([3, 2], t.ShapeArray());
            var f = t.ToArray<float>();
            Assert.Equal(0.1f, f[0]);
            Assert.True(float.IsNaN(f[1]));
            Assert.Equal(float.PositiveInfinity, f[2]);
            Assert.Equal(float.NegativeInfinity, f[3]);
            Assert.True(float.IsNegative(f[4]) && f[4] == 0);
            Assert.Equal(16777216f, f[5]);
        }

        [Fact]
        public void Int32Inputs_ValuesAndRandint_ReadAndWrittenBack()
        {
            var c = Assert.Single(CaseReader.Parse("""
                {"op": "ctc_loss", "seed": 3, "inputs": {"log_probs": {"randn": [4, 2, 3]},
                 "targets": {"randint": {"low": 1, "high": 3, "shape": [2, 2]}, "dtype": "int32"},
                 "input_lengths": {"values": [4, 3], "dtype": "int32"}, "target_lengths": {"values": [2, 1], "dtype": "int64"}}}
                """));
            Assert.Equal(DType.Int32, c.Input("targets")!.DType);
            Assert.Equal(InputKind.Randint, c.Input("targets")!.Kind);
            var il = c.Input("input_lengths")!.Values!;
            Assert.Equal(DType.Int32, il.DType);
            Assert.Equal([4, 3], il.ToArray<int>());
            var back = Assert.Single(CaseReader.Parse(CaseWriter.Write([c], asArray: false)));
            Assert.Equal(DType.Int32, back.Input("targets")!.DType);
            Assert.True(il.BitEquals(back.Input("input_lengths")!.Values!));
        }

        [Fact]
        public void Values_Scalar_Is0D()
        {
            var c = Assert.Single(CaseReader.Parse("""{"op": "sigmoid", "dtype": "float64", "inputs": {"input": {"values": 1.5}}}"""));
            Assert.Equal(0, c.Inputs[0].Values!.Dim);
            Assert.Equal(1.5, c.Inputs[0].Values!.GetDouble(0));
        }

        [Theory]
        [InlineData("sigmoid", InputMap.Sigmoid)]
        [InlineData("softmax", InputMap.Softmax)]
        [InlineData("log_softmax", InputMap.LogSoftmax)]
        public void Map_Read(string map, InputMap expected)
        {
            var c = Assert.Single(CaseReader.Parse("{\"op\": \"nll_loss\", \"inputs\": {\"input\": {\"randn\": [2, 3], \"map\": \"" + map + "\"}, \"target\": {\"values\": [0, 2], \"dtype\": \"int64\"}}}"));
            Assert.Equal(expected, c.Inputs[0].Map);
            Assert.Equal([0L, 2L], c.Inputs[1].Values!.ToArray<long>());
        }

        [Fact]
        public void InputOrder_IsWrittenOrder()
        {
            var c = Assert.Single(CaseReader.Parse("""{"op": "binary_cross_entropy_with_logits", "inputs": {"pos_weight": {"rand": [3]}, "target": {"rand": [3]}, "input": {"randn": [3]}}}"""));
            Assert.Equal(["pos_weight", "target", "input"], c.Inputs.Select(i => i.Name));
        }
    }

    public class Malformed
    {
        // Positions are 1-based line:column of the offending JSON value (checked by hand against each string's index).
        [Fact]
        public void TruncatedJson_NamesFilePositionAndDocument()
        {
            var e = Fails("{\"op\": \"sigmoid\",\n \"inputs\": {\"input\": {\"randn\": [3");
            Assert.Equal("cases.json:2:34: (document): invalid JSON: unexpected end of input inside an array (truncated JSON?)", e.Message);
            Assert.Equal((2, 34, "(document)"), (e.Line, e.Column, e.Field));
        }

        [Fact]
        public void UnknownOp_NamesField()
        {
            var e = Fails("[{\"op\": \"sigmoid\", \"inputs\": {\"input\": {\"randn\": [3]}}},\n {\"op\": \"hinge\", \"inputs\": {}}]");
            Assert.Equal("cases.json:2:9: [1].op: unknown op 'hinge' (expected one of: " +
                         string.Join(", ", Parity.Harness.Ops.OpCatalog.Names) + ")", e.Message);
        }

        [Fact]
        public void WrongFieldType_NamesField()
        {
            var e = Fails("{\"op\": \"sigmoid\", \"seed\": \"2020\", \"inputs\": {\"input\": {\"randn\": [3]}}}");
            Assert.Equal("cases.json:1:27: seed: expected an integer, found a string", e.Message);
        }

        [Fact]
        public void WrongShapeElementType_NamesIndexedField()
        {
            var e = Fails("{\"op\": \"sigmoid\", \"inputs\": {\"input\": {\"randn\": [3, true]}}}");
            Assert.Equal("cases.json:1:53: inputs.input.randn[1]: expected an integer, found a boolean", e.Message);
        }

        [Fact]
        public void RaggedValues_ShapeMismatch()
        {
            var e = Fails("{\"op\": \"sigmoid\", \"inputs\": {\"input\": {\"values\": [[1, 2], [3]]}}}");
            Assert.Equal("cases.json:1:59: inputs.input.values[1]: shape mismatch: expected 2 items at depth 1 (shape [2, 2]), found 1", e.Message);
        }

        [Fact]
        public void MissingTarget_ForLoss()
        {
            var e = Fails("{\"op\": \"nll_loss\", \"inputs\": {\"input\": {\"randn\": [2, 3]}}}");
            Assert.Equal("cases.json:1:30: inputs.target: missing required tensor argument (required by nll_loss)", e.Message);
        }

        [Fact]
        public void ArgumentTheOpDoesNotTake()
        {
            var e = Fails("{\"op\": \"nll_loss\", \"inputs\": {\"input\": {\"randn\": [2, 3]}, \"target\": {\"values\": [0, 1], \"dtype\": \"int64\"}}, \"args\": {\"label_smoothing\": 0.1}}");
            Assert.Equal("cases.json:1:136: args.label_smoothing: nll_loss takes no argument 'label_smoothing' (it takes: ignore_index, reduction)", e.Message);
        }

        [Fact]
        public void TensorArgumentTheOpDoesNotTake()
        {
            var e = Fails("{\"op\": \"cross_entropy\", \"inputs\": {\"input\": {\"randn\": [2, 3]}, \"pos_weight\": {\"rand\": [3]}}}");
            Assert.Equal("cases.json:1:78: inputs.pos_weight: cross_entropy has no tensor argument 'pos_weight' (expected: input, target, weight)", e.Message);
        }

        [Fact]
        public void UnknownField()
        {
            var e = Fails("{\"op\": \"sigmoid\", \"inputs\": {\"input\": {\"randn\": [3]}}, \"gard\": true}");
            Assert.Equal("cases.json:1:64: gard: unknown field (expected one of: name, op, dtype, seed, inputs, args, grad)", e.Message);
        }

        [Fact]
        public void BadReduction_ReachesTheOp_WhichRaisesPythonsValueError()
        {
            // reduction is checked by the op, as Python's _Reduction.get_enum does, so a bad-input case can carry one.
            var c = Assert.Single(CaseReader.Parse("{\"op\": \"binary_cross_entropy\", \"inputs\": {\"input\": {\"rand\": [3]}, \"target\": {\"rand\": [3]}}, \"args\": {\"reduction\": \"avg\"}}"));
            var call = new Parity.Harness.Ops.OpCall(c.Op, c.Args, ("input", Parity.Native.Tensor.Vector(0.5f, 0.5f, 0.5f)), ("target", Parity.Native.Tensor.Vector(1f, 0f, 1f)));
            var e = Assert.Throws<Parity.Native.TorchException>(() => new Parity.Harness.Ops.NativeBackend().Evaluate(call, []));
            Assert.Equal((Parity.Native.TorchErrorKind.ValueError, "avg is not a valid value for reduction"), (e.Kind, e.Message));
        }

        [Fact]
        public void RandnInt64_Rejected()
        {
            var e = Fails("{\"op\": \"sigmoid\", \"inputs\": {\"input\": {\"randn\": [3], \"dtype\": \"int64\"}}}");
            Assert.Equal("cases.json:1:49: inputs.input.randn: randn draws floating-point numbers; the dtype int64 is not allowed (use randint)", e.Message);
        }

        [Fact]
        public void Int32Values_MustFitInt32()
        {
            var e = Fails("{\"op\": \"nll_loss\", \"inputs\": {\"input\": {\"randn\": [2, 3]}, \"target\": {\"values\": [0, 2147483648], \"dtype\": \"int32\"}}}");
            Assert.Equal("cases.json:1:84: inputs.target.values[1]: expected an int32 integer, found 2147483648", e.Message);
        }

        [Fact]
        public void RandInt32_Rejected()
        {
            var e = Fails("{\"op\": \"sigmoid\", \"inputs\": {\"input\": {\"rand\": [3], \"dtype\": \"int32\"}}}");
            Assert.Equal("cases.json:1:48: inputs.input.rand: rand draws floating-point numbers; the dtype int32 is not allowed (use randint)", e.Message);
        }

        [Fact]
        public void TwoKinds_Rejected()
        {
            var e = Fails("{\"op\": \"sigmoid\", \"inputs\": {\"input\": {\"randn\": [3], \"rand\": [3]}}}");
            Assert.Equal("cases.json:1:39: inputs.input: expected exactly one of values, randn, rand, randint, found randn and rand", e.Message);
        }

        [Fact]
        public void Int64Values_MustBeIntegers()
        {
            var e = Fails("{\"op\": \"nll_loss\", \"inputs\": {\"input\": {\"randn\": [2, 3]}, \"target\": {\"values\": [0, 1.5], \"dtype\": \"int64\"}}}");
            Assert.Equal("cases.json:1:84: inputs.target.values[1]: expected an int64 integer, found 1.5", e.Message);
        }

        [Fact]
        public void EmptyDocument()
        {
            var e = Fails("  \n");
            Assert.Equal("cases.json:2:1: (document): invalid JSON: the document is empty", e.Message);
        }

        [Fact]
        public void NotAnObject()
        {
            var e = Fails("42");
            Assert.Equal("cases.json:1:1: (document): expected a case object or an array of case objects, found a number", e.Message);
        }

        [Fact]
        public void UnreadableFile_NamesPath()
        {
            string path = Path.Combine(Path.GetTempPath(), "parity-no-such-dir-" + Guid.NewGuid().ToString("N"), "x.json");
            var e = Assert.Throws<CaseFormatException>(() => CaseReader.ReadFile(path));
            Assert.StartsWith(path + ": cannot read the case file: ", e.Message);
        }
    }
}
