using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Harness.Cases;
using Parity.Harness.Matrix;
using Parity.Harness.Running;
using Parity.Native;

namespace Parity.Harness.Tests.Matrix;

public class ParityMatrixTests
{
    private static IReadOnlyList<CaseSpec> All => ParityMatrix.All;

    private static int Numel(CaseSpec c, InputSpec i) => i.Values?.Numel ?? Tensor.NumelOf(i.Shape);

    public class Catalogue
    {
        [Fact]
        public void AtLeast1500Cases_UniqueSafeNames()
        {
            Assert.True(All.Count >= 1500, $"{All.Count} cases");
            Assert.Equal(All.Count, All.Select(c => c.Name).Distinct().Count());
            Assert.All(All, c => Assert.Matches("^[A-Za-z0-9._=-]+$", c.Name!));
        }

        [Fact]
        public void Deterministic_SameCasesEveryBuild()
        {
            string a = CaseWriter.Write(All);
            string b = CaseWriter.Write(All.ToList());
            Assert.Equal(a, b);
            Assert.Equal("cross_entropy.float32.mean.w.ii=1.ls=0.1.idx.N4C5",
                ParityMatrix.Find("cross_entropy.float32.mean.w.ii=1.ls=0.1.idx.N4C5")!.Name);
        }

        [Fact]
        public void EveryCaseIsSeeded_ExceptTheSeedDocumentChain()
        {
            var unseeded = All.Where(c => c.Seed is null).Select(c => c.Name).ToList();
            Assert.Equal(["seed_document.binary_cross_entropy.batch", "seed_document.cross_entropy.single.first-run", "seed_document.cross_entropy.single",
                          "seed_document.cross_entropy.batch"], unseeded);
            Assert.Equal(Seeds.SeedDocument, All.Single(c => c.Name == "seed_document.binary_cross_entropy.single").Seed);
        }

        [Fact]
        public void SmallTensors_AtMost100Elements_ExceptTheSeedDocument()
        {
            // Besides the seed document, an op may add a few cases of realistic size, named so (".realistic.").
            var big = All.Where(c => !c.Name!.StartsWith("seed_document.", StringComparison.Ordinal) && !c.Name.Contains(".realistic.", StringComparison.Ordinal))
                         .Where(c => c.Inputs.Any(i => Numel(c, i) > 100)).Select(c => c.Name).ToList();
            Assert.Empty(big);
        }

        [Fact]
        public void AtLeast40BadInputCases_EachExpectingAnError()
        {
            var bad = All.Where(c => c.ExpectError is not null).ToList();
            Assert.True(bad.Count >= 40, $"{bad.Count} bad-input cases");
            Assert.All(bad, c => Assert.StartsWith("bad.", c.Name, StringComparison.Ordinal));
            Assert.True(bad.Count(c => c.ExpectError!.Length > 0) >= 40);
        }

        [Fact]
        public void RoundTripsThroughTheEvalFormat()
        {
            string json = CaseWriter.Write(All);
            var back = CaseReader.Parse(json, "matrix.json");
            Assert.Equal(All.Select(c => c.Name), back.Select(c => c.Name));
            Assert.Equal(json, CaseWriter.Write(back));
        }
    }

    public class Coverage
    {
        private static IEnumerable<CaseSpec> Grid => All.Where(c => c.Seed is not null && c.ExpectError is null);

        [Fact]
        public void EveryOp_EveryDType()
        {
            foreach (var op in TestOps.First)
            {
                foreach (var d in new[] { DType.Float32, DType.Float64 })
                {
                    Assert.Contains(Grid, c => c.Op == op && c.DType == d);
                }
            }
        }

        [Fact]
        public void EveryLoss_EveryReduction_WithAndWithoutWeight()
        {
            foreach (var op in TestOps.First.Where(o => o.IsLoss))
            {
                foreach (var r in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
                {
                    Assert.Contains(Grid, c => c.Op == op && c.Args.Reduction == r && c.Input("weight") is not null);
                    Assert.Contains(Grid, c => c.Op == op && c.Args.Reduction == r && c.Input("weight") is null);
                }
            }
            Assert.Contains(Grid, c => c.Input("pos_weight") is not null);
        }

        [Theory]
        [InlineData("nll_loss")]
        [InlineData("cross_entropy")]
        public void IgnoreIndex_DefaultInRangeAndNegative(string opName)
        {
            var op = OpCatalog.Get(opName);
            Assert.Contains(Grid, c => c.Op == op && c.Args.IgnoreIndex is null);
            Assert.Contains(Grid, c => c.Op == op && c.Args.IgnoreIndex == 1);
            Assert.Contains(Grid, c => c.Op == op && c.Args.IgnoreIndex == -1);
        }

        [Fact]
        public void LabelSmoothing_AndTargetKinds()
        {
            foreach (double ls in new[] { 0.0, 0.1, 1.0 })
            {
                Assert.Contains(Grid, c => c.Op == TestOps.CrossEntropy && c.Args.LabelSmoothing == ls && c.Input("target")!.Kind == InputKind.Randint);
                Assert.Contains(Grid, c => c.Op == TestOps.CrossEntropy && c.Args.LabelSmoothing == ls && c.Input("target")!.Map == InputMap.Softmax);
            }
        }

        [Theory]
        [InlineData("C5")]
        [InlineData("N4C5")]
        [InlineData("N2C3d4")]
        [InlineData("N2C3d2x1x2")]
        [InlineData("N0C5")]
        [InlineData("N4C1")]
        public void EveryShape_ForEveryOp(string shape)
        {
            foreach (var op in TestOps.First)
            {
                Assert.Contains(Grid, c => c.Op == op && c.Name!.EndsWith("." + shape, StringComparison.Ordinal));
            }
        }

        [Fact]
        public void ExpectedBitIdentical_AreBceAndNll()
        {
            // Among the first seven ops (later ops mark their own bit-identical cases, checked live by LiveMatrixTests).
            string[] first = ["sigmoid", "softmax", "log_softmax", "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy"];
            var marked = All.Where(c => c.ExpectBitIdentical && first.Contains(c.Op.Name)).ToList();
            Assert.All(marked, c => Assert.True((c.Op == TestOps.BinaryCrossEntropy || c.Op == TestOps.NllLoss), c.Name));
            Assert.All(Grid.Where(c => (c.Op == TestOps.BinaryCrossEntropy || c.Op == TestOps.NllLoss)), c => Assert.True(c.ExpectBitIdentical, c.Name));
        }
    }

    public class Selection
    {
        [Fact]
        public void Shards_PartitionTheCatalogue()
        {
            for (int n = 1; n <= 9; n++)
            {
                var parts = Enumerable.Range(1, n).Select(i => new CaseSelection { Shard = new Shard(i, n) }.Apply(All)).ToList();
                Assert.Equal(Enumerable.Range(0, All.Count), parts.SelectMany(p => p).Order());
                Assert.True(parts.Max(p => p.Count) - parts.Min(p => p.Count) <= 1);
            }
        }

        [Fact]
        public void Filter_SubstringOrWildcard()
        {
            var sub = new CaseSelection { Filter = "ls=0.1.prob.N4C1" }.Apply(All);
            Assert.Equal(2 * 3 * 2 * 3, sub.Count);
            var wild = new CaseSelection { Filter = "sigmoid.*.N4C?" }.Apply(All).Select(i => All[i].Name);
            Assert.Equal(["sigmoid.float32.N4C5", "sigmoid.float32.N4C1", "sigmoid.float64.N4C5", "sigmoid.float64.N4C1"], wild);
        }

        [Fact]
        public void OpAndDType()
        {
            var s = new CaseSelection { Ops = [TestOps.Sigmoid], DType = DType.Float64 }.Apply(All);
            Assert.All(s, i => Assert.Equal((TestOps.Sigmoid, DType.Float64), (All[i].Op, All[i].DType)));
            Assert.Equal(All.Count(c => c.Op == TestOps.Sigmoid && c.DType == DType.Float64), s.Count);
        }
    }
}
