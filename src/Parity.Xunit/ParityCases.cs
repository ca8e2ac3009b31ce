using System.Reflection;
using Parity.Harness.Matrix;
using Parity.Harness.Ops;
using Xunit;
using Xunit.Sdk;
using Xunit.v3;

namespace Parity.Xunit;

/// <summary>The names of the built-in matrix cases of an op (<see cref="ParityMatrix.All"/>), for theory data.</summary>
public static class ParityCases
{
    /// <summary>The names of every matrix case of <paramref name="op"/> (matrix, edges, <c>bad.*</c>, pinned fuzz findings), in catalogue order.</summary>
    /// <param name="op">PyTorch's functional name, e.g. <c>mse_loss</c>.</param>
    /// <exception cref="ArgumentException">No such op; the message lists the known ones.</exception>
    public static IReadOnlyList<string> Names(string op)
    {
        var definition = OpCatalog.Get(op);
        return [.. ParityMatrix.All.Where(c => ReferenceEquals(c.Op, definition)).Select(c => c.Name!)];
    }

    /// <summary>
    /// One theory row per matrix case of <paramref name="op"/>, for <c>[MemberData]</c>:
    /// <c>public static TheoryData&lt;string&gt; Cases =&gt; ParityCases.For("mse_loss");</c>.
    /// </summary>
    /// <param name="op">PyTorch's functional name.</param>
    /// <exception cref="ArgumentException">No such op.</exception>
    public static TheoryData<string> For(string op) => new(Names(op));
}

/// <summary>
/// Theory data: one row per matrix case of an op, the row's only argument being the case name. Use with
/// <see cref="ParityAssert.Agrees"/>:
/// <code>
/// [Theory, ParityCases("mse_loss")]
/// public void MseLoss(string caseName) =&gt; ParityAssert.Agrees(new MyBackend(), caseName);
/// </code>
/// </summary>
/// <param name="op">PyTorch's functional name, e.g. <c>mse_loss</c>.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ParityCasesAttribute(string op) : DataAttribute
{
    /// <summary>The op.</summary>
    public string Op { get; } = op;

    /// <inheritdoc/>
    public override ValueTask<IReadOnlyCollection<ITheoryDataRow>> GetData(MethodInfo testMethod, DisposalTracker disposalTracker)
    {
        IReadOnlyCollection<ITheoryDataRow> rows = [.. ParityCases.Names(Op).Select(n => (ITheoryDataRow)new TheoryDataRow<string>(n))];
        return new(rows);
    }

    /// <inheritdoc/>
    public override bool SupportsDiscoveryEnumeration() => true;
}
