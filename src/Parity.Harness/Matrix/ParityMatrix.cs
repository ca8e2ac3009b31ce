using System.Text.RegularExpressions;
using Parity.Harness.Cases;
using Parity.Harness.Ops;

namespace Parity.Harness.Matrix;

/// <summary>
/// The built-in parity matrix: the seed document's examples, then every registered op's catalogue
/// (<see cref="OpDefinition.Matrix"/>, <see cref="OpDefinition.Edges"/>, <see cref="OpDefinition.BadInputs"/> as
/// <c>bad.*</c> cases — both sides must raise the same error — and <see cref="OpDefinition.Pinned"/> fuzz findings).
/// </summary>
/// <remarks>
/// <para>Names use only <c>[A-Za-z0-9._=-]</c> so they are safe as snapshot file names, and read left to right:
/// <c>{op}.{dtype}.{reduction}.{w|wb|nw}[.pw].ii={def|1|-1}.ls={0|0.1|1}.{idx|prob}.{shape}</c>, e.g.
/// <c>cross_entropy.float32.mean.w.ii=1.ls=0.1.idx.N4C5</c>. Shape tags: <c>S</c> 0-D, <c>C5</c> unbatched, <c>N4C5</c>,
/// <c>N2C3d4</c> (3-D), <c>N2C3d2x1x2</c> (5-D), <c>N0C5</c> (empty batch), <c>N4C1</c> (one class).</para>
/// <para>Every case has a named seed (<see cref="Seeds"/>) except the seed document's later cells, which continue the
/// stream of the previous cell as the document does; runners replay the draws of the chain before such a case.</para>
/// <para>Bit-identity is expected (<see cref="CaseSpec.ExpectBitIdentical"/>) where libtorch runs scalar code that the
/// native port mirrors: binary_cross_entropy (forward and backward) and nll_loss, including their float32
/// cascade sums. Elsewhere libtorch's vectorised exp/log (Sleef) leaves ulp-level differences inside the tolerance.</para>
/// </remarks>
public static partial class ParityMatrix
{
    private static readonly Lazy<IReadOnlyList<CaseSpec>> LazyAll = new(Build);

    /// <summary>All built-in cases, in catalogue order.</summary>
    public static IReadOnlyList<CaseSpec> All => LazyAll.Value;

    /// <summary>The characters allowed in a case name.</summary>
    [GeneratedRegex("^[A-Za-z0-9._=-]+$")]
    public static partial Regex SafeName();

    /// <summary>A case by name, or null.</summary>
    public static CaseSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    private static IReadOnlyList<CaseSpec> Build()
    {
        var list = new List<CaseSpec>();
        list.AddRange(SeedDocumentCases.Cases);
        foreach (var op in OpCatalog.All)
        {
            list.AddRange(op.Matrix());
        }
        foreach (var op in OpCatalog.All)
        {
            list.AddRange(op.Edges());
        }
        foreach (var op in OpCatalog.All)
        {
            list.AddRange(op.BadInputs().Select(b => CaseKit.ToCase(op, b)));
        }
        foreach (var op in OpCatalog.All)
        {
            list.AddRange(op.Pinned());
        }
        var dup = list.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new InvalidOperationException($"duplicate matrix case name {dup.Key}");
        }
        var bad = list.FirstOrDefault(c => c.Name is null || !SafeName().IsMatch(c.Name));
        if (bad is not null)
        {
            throw new InvalidOperationException($"matrix case name '{bad.Name}' is not safe as a file name");
        }
        var foreign = list.FirstOrDefault(c => c.Name!.StartsWith("bad.", StringComparison.Ordinal) && !c.Name.StartsWith($"bad.{c.Op.Name}.", StringComparison.Ordinal));
        if (foreign is not null)
        {
            throw new InvalidOperationException($"case '{foreign.Name}' is named after another op than its own ({foreign.Op.Name})");
        }
        return list;
    }
}
