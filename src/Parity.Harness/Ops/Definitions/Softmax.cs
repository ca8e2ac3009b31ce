using Parity.Native;
using Parity.Native.Ops;

namespace Parity.Harness.Ops.Definitions;

/// <summary><c>torch.softmax(input, dim)</c>: native <see cref="Functional.Softmax"/>; reference <c>torch.softmax</c> (see <see cref="SoftmaxFamily"/>).</summary>
public sealed class Softmax : SoftmaxFamily
{
    /// <inheritdoc/>
    public override OpSchema Schema { get; } = MakeSchema("softmax");

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`torch.softmax(input, dim)`", "`Functional.Softmax(input, dim)`, `SoftmaxBackward`", "`torch.softmax(dim)`", "`dim` / `dim` / `dim`");

    /// <inheritdoc/>
    public override uint FuzzStream => 2;

    /// <inheritdoc/>
    protected override string KernelName => "softmax_lastdim_kernel_impl";

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) => Functional.Softmax(call.Required("input"), EffectiveDim(call));

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) =>
        Pick(wrt, ("input", () => Functional.SoftmaxBackward(gradOutput, call.Required("input"), EffectiveDim(call))));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def softmax(input: Tensor, dim: int) -> Tensor:
            return torch.softmax(input, dim)
        """;
}
