using Parity.Tests.Shared;
using Parity.Harness.Ops;
using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Native;

namespace Parity.Harness.Tests.Fuzz;

/// <summary>Printed fuzz cases read back through the <c>parity eval</c> reader to the same call, bit for bit.</summary>
public sealed class FuzzCaseJsonTests
{
    public sealed class RoundTrip
    {
        public static TheoryData<OpDefinition> Ops => [.. OpCatalog.All];

        [Theory]
        [MemberData(nameof(Ops))]
        public void GeneratedCalls_ReadBackBitIdentical(OpDefinition op)
        {
            var gen = FuzzCases.For(op);
            var pcg = new PCG(9, 424242);
            for (int i = 0; i < 400; i++)
            {
                var call = gen.Generate(pcg, null, out _);
                string json = FuzzCaseJson.Write(call, $"fuzz.{op.Name}.case={i}");

                var spec = Assert.Single(CaseReader.Parse(json, "fuzz.json"));

                Assert.Equal(op, spec.Op);
                Assert.Equal(call.Primary.DType, spec.DType);
                Assert.True(spec.Grad);
                foreach (var p in op.Schema.Tensors)
                {
                    AssertSame(call[p.Name], spec.Input(p.Name), json);
                }
                if (op.IsLoss)
                {
                    // As written (an op may be fuzzed with reductions Python rejects, which OpCall.Reduction would raise).
                    Assert.Equal(call.Arg("reduction"), spec.Args.Get("reduction") ?? op.Schema.Scalar("reduction")!.Default);
                }
                if ((op == TestOps.NllLoss || op == TestOps.CrossEntropy))
                {
                    Assert.Equal(call.IgnoreIndex, spec.Args.IgnoreIndex);
                }
                if (op == TestOps.CrossEntropy)
                {
                    Assert.Equal(BitConverter.DoubleToInt64Bits(call.LabelSmoothing), BitConverter.DoubleToInt64Bits(spec.Args.LabelSmoothing!.Value));
                }
                if ((op == TestOps.Softmax || op == TestOps.LogSoftmax))
                {
                    Assert.Equal(call.Dim, spec.Args.Dim);
                }
            }
        }

        [Fact]
        public void EmptyTensor_WrittenAsADrawOfItsShape()
        {
            var call = TestOps.Call(TestOps.Sigmoid, Tensor.Zeros(DType.Float32, 2, 0, 3));

            string json = FuzzCaseJson.Write(call, "empty");
            var input = Assert.Single(CaseReader.Parse(json)).Input("input")!;

            Assert.Contains("\"randn\"", json, StringComparison.Ordinal);
            Assert.Equal(InputKind.Randn, input.Kind);
            Assert.Equal([2, 0, 3], input.Shape);
        }

        private static void AssertSame(Tensor? expected, InputSpec? actual, string json)
        {
            if (expected is null)
            {
                Assert.Null(actual);
                return;
            }
            Assert.NotNull(actual);
            if (expected.Numel == 0)
            {
                Assert.Equal(expected.ShapeArray(), actual.Shape);
                Assert.Equal(expected.DType, actual.DType);
                return;
            }
            Assert.Equal(InputKind.Values, actual.Kind);
            Assert.True(expected.BitEquals(actual.Values!), $"{actual.Name} differs after the round trip:\n{json}");
        }
    }
}
