using Parity.Harness.Cases;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Fuzz;

/// <summary>
/// Turns an <see cref="OpCall"/> into a <c>parity eval</c> case (<see cref="CaseSpec"/>: explicit <c>{"values": …}</c>
/// inputs, the dtype, the arguments written, <c>"grad": true</c>) and prints it with <see cref="CaseWriter"/>.
/// </summary>
/// <remarks>
/// A tensor with no elements cannot be written as nested arrays without losing its shape (<c>[[], []]</c> reads as
/// [2, 0] whatever the trailing sizes), so it is written as <c>{"randn": shape}</c> (<c>randint</c> for int64), which
/// draws no random numbers and so reproduces the same empty tensor.
/// </remarks>
public static class FuzzCaseJson
{
    /// <summary>The case for <paramref name="call"/>.</summary>
    /// <param name="call">The call.</param>
    /// <param name="name">The case name.</param>
    /// <param name="gradients">The gradients to ask for (<c>"grad": [...]</c>); null: every differentiable tensor (<c>"grad": true</c>).</param>
    public static CaseSpec ToCaseSpec(OpCall call, string name, IReadOnlyList<string>? gradients = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        return new CaseSpec
        {
            Name = name,
            Op = call.Op,
            DType = call.Primary.DType,
            DTypeWritten = true,
            Inputs = call.Tensors.Select(kv => Input(kv.Key, kv.Value)).ToList(),
            Args = call.Args,
            Grad = gradients is null || gradients.Count > 0,
            GradOnly = gradients is { Count: > 0 } ? gradients : null,
        };
    }

    /// <summary>The case as JSON text, in the format <c>parity eval</c> reads.</summary>
    /// <param name="call">The call.</param>
    /// <param name="name">The case name.</param>
    /// <param name="gradients">See <see cref="ToCaseSpec"/>.</param>
    public static string Write(OpCall call, string name, IReadOnlyList<string>? gradients = null) =>
        CaseWriter.Write([ToCaseSpec(call, name, gradients)], asArray: false);

    private static InputSpec Input(string name, Tensor t) => t.Numel > 0
        ? InputSpec.FromValues(name, t)
        : t.DType.IsIntegral()
            ? InputSpec.Randint(name, 0, 1, t.ShapeArray(), t.DType)
            : InputSpec.Randn(name, t.ShapeArray(), dtype: t.DType);
}
