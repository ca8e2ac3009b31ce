using Parity.Comparison;

namespace Parity.Harness.Ops;

/// <summary>
/// Optional for an <see cref="IOpBackend"/> that does not follow libtorch's order of operations (a fused kernel, another
/// engine): where its results can be further from libtorch's than the tolerance model allows, and by how much. The
/// fuzzer (<c>parity fuzz --backend</c>, <see cref="Fuzz.ParityProperty"/>) and the matrix (<c>parity run --backend</c>,
/// against libtorch and against the snapshots) compare the backend's results with this tolerance instead of the op's or
/// the case's.
/// </summary>
/// <remarks>
/// A declared tolerance is a claim about the backend's rounding error on one call, derived from its formulas — not a
/// number tuned until the fuzzer is quiet. Return the standard tolerance unchanged where the backend makes no
/// such claim.
/// </remarks>
public interface IDeclaredTolerance
{
    /// <summary>The tolerance for one result of <paramref name="call"/>.</summary>
    /// <param name="call">The call.</param>
    /// <param name="result"><c>output</c>, or the name of the tensor a gradient is taken with respect to.</param>
    /// <param name="standard">The tolerance that would be used: the case's (matrix), or the dtype's widened by
    /// <see cref="OpDefinition.FuzzTolerance"/> (fuzzer).</param>
    Tolerance Tolerance(OpCall call, string result, Tolerance standard);
}
