using Parity.Comparison;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Running;

/// <summary>One row of the run summary: an op × dtype.</summary>
public sealed record SummaryRow
{
    /// <summary>The op.</summary>
    public required OpDefinition Op { get; init; }

    /// <summary>The case dtype.</summary>
    public required DType DType { get; init; }

    /// <summary>Cases run.</summary>
    public int Cases { get; init; }

    /// <summary>Cases passed.</summary>
    public int Passed { get; init; }

    /// <summary>Cases failed.</summary>
    public int Failed { get; init; }

    /// <summary>Cases skipped.</summary>
    public int Skipped { get; init; }

    /// <summary>Cases the backend under test does not implement (compared with nothing).</summary>
    public int Unsupported { get; init; }

    /// <summary>Largest abs difference of outputs.</summary>
    public double ValueMaxAbs { get; init; }

    /// <summary>Largest relative difference of outputs.</summary>
    public double ValueMaxRel { get; init; }

    /// <summary>Largest ULP difference of outputs.</summary>
    public long ValueMaxUlp { get; init; }

    /// <summary>Largest abs difference of gradients.</summary>
    public double GradMaxAbs { get; init; }

    /// <summary>Largest relative difference of gradients.</summary>
    public double GradMaxRel { get; init; }

    /// <summary>Largest ULP difference of gradients.</summary>
    public long GradMaxUlp { get; init; }

    /// <summary>Cases whose outputs, gradients (or error texts) are bit-identical to the reference (libtorch, else the snapshot).</summary>
    public int BitIdentical { get; init; }

    /// <summary>Cases marked as expected to be bit-identical.</summary>
    public int ExpectedBitIdentical { get; init; }

    /// <summary>Of the expected ones, how many were.</summary>
    public int ExpectedBitIdenticalHit { get; init; }

    /// <summary>Builds the rows, ordered by op then dtype.</summary>
    public static IReadOnlyList<SummaryRow> Build(IEnumerable<CaseRunResult> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        return cases.GroupBy(c => (c.Case.Op, c.Case.DType)).OrderBy(g => OpCatalog.Order(g.Key.Op)).ThenBy(g => g.Key.DType).Select(g =>
        {
            var list = g.ToList();
            IEnumerable<TensorComparison> outs = list.Select(c => c.OutputComparison).OfType<TensorComparison>().Where(t => t.StructuralMismatch is null);
            IEnumerable<TensorComparison> grads = list.Select(c => c.GradComparison).OfType<TensorComparison>().Where(t => t.StructuralMismatch is null);
            return new SummaryRow
            {
                Op = g.Key.Op,
                DType = g.Key.DType,
                Cases = list.Count,
                Passed = list.Count(c => c.Status == CaseStatus.Passed),
                Failed = list.Count(c => c.Status == CaseStatus.Failed),
                Skipped = list.Count(c => c.Status == CaseStatus.Skipped),
                Unsupported = list.Count(c => c.Status == CaseStatus.Unsupported),
                ValueMaxAbs = outs.Select(t => t.MaxAbsDiff).DefaultIfEmpty(0).Max(),
                ValueMaxRel = outs.Select(t => t.MaxRelDiff).DefaultIfEmpty(0).Max(),
                ValueMaxUlp = outs.Select(t => t.MaxUlpDiff).DefaultIfEmpty(0).Max(),
                GradMaxAbs = grads.Select(t => t.MaxAbsDiff).DefaultIfEmpty(0).Max(),
                GradMaxRel = grads.Select(t => t.MaxRelDiff).DefaultIfEmpty(0).Max(),
                GradMaxUlp = grads.Select(t => t.MaxUlpDiff).DefaultIfEmpty(0).Max(),
                BitIdentical = list.Count(c => c.BitIdentical),
                ExpectedBitIdentical = list.Count(c => c.Case.ExpectBitIdentical),
                ExpectedBitIdenticalHit = list.Count(c => c.Case.ExpectBitIdentical && c.ExpectedBitsMet),
            };
        }).ToList();
    }
}

/// <summary>Histogram of element-wise ULP differences (native vs libtorch, outputs and gradients) for one op.</summary>
public sealed record UlpHistogram(OpDefinition Op, IReadOnlyList<string> Labels, IReadOnlyList<long> Counts)
{
    /// <summary>Bucket labels: 0, 1, 2, 3–4, 5–8, …, 2^k+1–2^(k+1), then "&gt;65536" and "NaN/∞ mismatch".</summary>
    public static IReadOnlyList<string> BucketLabels { get; } = BuildLabels();

    private static List<string> BuildLabels()
    {
        var l = new List<string> { "0", "1", "2" };
        for (int k = 1; k < 16; k++)
        {
            l.Add($"{(1L << k) + 1}-{1L << (k + 1)}");
        }
        l.Add(">65536");
        l.Add("NaN/inf");
        return l;
    }

    /// <summary>The bucket of one ULP distance.</summary>
    public static int Bucket(long ulp)
    {
        if (ulp == long.MaxValue)
        {
            return BucketLabels.Count - 1;
        }
        if (ulp <= 2)
        {
            return (int)ulp;
        }
        if (ulp > 65536)
        {
            return BucketLabels.Count - 2;
        }
        // 3..4 → 3, 5..8 → 4, …
        int k = 64 - (int)ulong.LeadingZeroCount((ulong)(ulp - 1)); // ceil(log2(ulp))
        return k + 1;
    }

    /// <summary>Histograms per op over the cases where both sides produced tensors of equal shape and dtype.</summary>
    public static IReadOnlyList<UlpHistogram> Build(IEnumerable<CaseRunResult> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        return cases.GroupBy(c => c.Case.Op).OrderBy(g => OpCatalog.Order(g.Key)).Select(g =>
        {
            var counts = new long[BucketLabels.Count];
            foreach (var c in g)
            {
                var (n, t) = (c.Outcome.Native, c.Outcome.Torch);
                if (t is null)
                {
                    continue;
                }
                Add(counts, t.Output, n.Output);
                Add(counts, t.Grad, n.Grad);
            }
            return new UlpHistogram(g.Key, BucketLabels, counts);
        }).ToList();

        static void Add(long[] counts, Tensor? e, Tensor? a)
        {
            if (e is null || a is null || e.DType != a.DType || !e.Shape.SequenceEqual(a.Shape))
            {
                return;
            }
            for (int i = 0; i < e.Numel; i++)
            {
                counts[Bucket(TensorComparer.UlpDistance(e, a, i))]++;
            }
        }
    }
}
