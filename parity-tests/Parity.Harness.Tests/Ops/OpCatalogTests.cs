using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Harness.Ops;
using Parity.Harness.Tests.Live;

namespace Parity.Harness.Tests.Ops;

/// <summary>Every registered op has every piece the generic layers need, named after the op.</summary>
public class OpCatalogTests
{
    public static TheoryData<string> Ops => new(OpCatalog.Names);

    [Theory]
    [MemberData(nameof(Ops))]
    public void Definition_HasEveryPiece(string name)
    {
        var op = OpCatalog.Get(name);
        Assert.Same(op, OpCatalog.Find(name));
        Assert.True(op.Matrix().Any(), $"{name}: no matrix cases");
        Assert.True(op.BadInputs().Any(), $"{name}: no bad inputs");
        Assert.False(string.IsNullOrWhiteSpace(op.ReferenceScript), $"{name}: no reference script");
        Assert.Contains("def ", op.ReferenceScript, StringComparison.Ordinal);
        Assert.All(op.Matrix().Concat(op.Edges()).Concat(op.Pinned()), c => Assert.Same(op, c.Op));
        foreach (var dtype in CaseKit.FloatTypes)
        {
            Assert.True(op.Matrix().Any(c => c.DType == dtype), $"{name}: no {dtype} matrix case");
        }
        var call = FuzzCases.For(op).Generate(new CsCheck.PCG(op.FuzzStream, 1), null, out _);
        Assert.Same(op, call.Op);
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Definition_CasesAreNamedAfterTheOp(string name)
    {
        var op = OpCatalog.Get(name);
        Assert.All(op.Matrix().Concat(op.Edges()), c => Assert.StartsWith(name + ".", c.Name!, StringComparison.Ordinal));
        Assert.All(op.BadInputs(), b => Assert.StartsWith($"bad.{name}.", CaseKit.ToCase(op, b).Name!, StringComparison.Ordinal));
    }

    [Fact]
    public void FuzzStreams_AreDistinct_AndTheFirstSevenArePinned()
    {
        Assert.Equal(OpCatalog.All.Count, OpCatalog.All.Select(o => o.FuzzStream).Distinct().Count());
        Assert.Equal([1u, 2u, 3u, 4u, 5u, 6u, 7u],
            new[] { "sigmoid", "softmax", "log_softmax", "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy" }
                .Select(n => OpCatalog.Get(n).FuzzStream));
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Readme_HasTheOpsRow(string name)
    {
        var op = OpCatalog.Get(name);
        string readme = File.ReadAllText(Path.Combine(LiveBackends.RepositoryRoot()!, "README.md"));
        string row = $"| {op.Docs.PyTorch} | {op.Docs.Parity} | {op.Docs.Reference} | {op.Docs.Arguments} |";
        Assert.True(readme.Contains(row, StringComparison.Ordinal), $"README.md lacks the row of {name}:\n{row}");
    }

    [Fact]
    public void UnknownOp_ListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => OpCatalog.Get("smooth_l2_loss"));
        Assert.StartsWith("unknown op 'smooth_l2_loss' (expected one of: sigmoid, softmax", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GradList_SelectsGradients_AndIsWrittenBack()
    {
        var c = Assert.Single(CaseReader.Parse("""{"op": "binary_cross_entropy", "inputs": {"input": {"rand": [3]}, "target": {"rand": [3]}}, "grad": ["target"]}"""));
        Assert.Equal(["target"], c.GradOnly!);
        var back = Assert.Single(CaseReader.Parse(CaseWriter.Write([c], asArray: false)));
        Assert.Equal(["target"], back.GradOnly!);
    }
}

/// <summary>The covering design the catalogues use where a full grid explodes.</summary>
public class PairwiseTests
{
    [Theory]
    [InlineData(new[] { 3, 2, 2, 3, 2 })]
    [InlineData(new[] { 2, 2, 2, 2, 2, 2, 2, 2 })]
    [InlineData(new[] { 4, 1, 3 })]
    [InlineData(new[] { 5 })]
    public void EveryPairOfValues_IsCovered(int[] levels)
    {
        var rows = CaseKit.Pairwise(levels);
        for (int i = 0; i < levels.Length; i++)
        {
            for (int a = 0; a < levels[i]; a++)
            {
                Assert.Contains(rows, r => r[i] == a);
                for (int j = i + 1; j < levels.Length; j++)
                {
                    for (int b = 0; b < levels[j]; b++)
                    {
                        Assert.Contains(rows, r => r[i] == a && r[j] == b);
                    }
                }
            }
        }
        long grid = levels.Aggregate(1L, (x, y) => x * y);
        Assert.True(rows.Count <= grid, $"{rows.Count} rows for a grid of {grid}");
    }

    [Fact]
    public void EightBinaryFactors_NeedFarFewerRowsThanTheGrid() =>
        Assert.InRange(CaseKit.Pairwise(2, 2, 2, 2, 2, 2, 2, 2).Count, 4, 12);
}

/// <summary>Docs rendered from the catalogue stay in step with it.</summary>
public class CatalogDocsTests
{
    [Fact]
    public void BadInputsDoc_IsUpToDate()
    {
        string path = Path.Combine(LiveBackends.RepositoryRoot()!, CatalogDocs.BadInputsPath);
        string expected = CatalogDocs.BadInputsMarkdown();
        if (Environment.GetEnvironmentVariable("PARITY_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
        }
        Assert.True(File.Exists(path) && File.ReadAllText(path).ReplaceLineEndings("\n") == expected,
            $"{CatalogDocs.BadInputsPath} differs from the catalogue; rerun this test with PARITY_WRITE_DOCS=1 to rewrite it");
    }
}
