using Parity.Harness.Cases;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;

namespace Parity.Harness.Ops.Definitions;

/// <summary><c>torch.log_softmax(input, dim)</c>: native <see cref="Functional.LogSoftmax"/>; reference <c>torch.log_softmax</c> (see <see cref="SoftmaxFamily"/>).</summary>
public sealed class LogSoftmax : SoftmaxFamily
{
    /// <inheritdoc/>
    public override OpSchema Schema { get; } = MakeSchema("log_softmax");

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.log_softmax(input, dim)`, `nn.LogSoftmax`", "`Functional.LogSoftmax(input, dim)`, `LogSoftmaxBackward`", "`torch.log_softmax(dim)`", "`dim` / `dim` / `dim`");

    /// <inheritdoc/>
    public override uint FuzzStream => 3;

    /// <inheritdoc/>
    protected override string KernelName => "log_softmax_lastdim_kernel_impl";

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) => Functional.LogSoftmax(call.Required("input"), EffectiveDim(call));

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) =>
        Pick(wrt, ("input", () => Functional.LogSoftmaxBackward(gradOutput, call.Required("input"), EffectiveDim(call))));

    /// <inheritdoc/>
    /// <remarks>FF1 (docs/fuzz-findings.md, fast kernels): empty tensors whose empty dimension is not the softmax one.</remarks>
    public override IEnumerable<CaseSpec> Pinned() =>
    [
        NllLoss.Finding(this, "FF1.log_softmax.seed=1.case=27", DType.Float32, [InputSpec.Randn("input", [1, 0])], CaseKit.A(dim: -2)) with { Grad = false },
        NllLoss.Finding(this, "FF1.log_softmax.empty-classes", DType.Float64, [InputSpec.Randn("input", [2, 0, 3])], CaseKit.A(dim: 1)) with { Grad = false },
    ];

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def log_softmax(input: Tensor, dim: int) -> Tensor:
            return torch.log_softmax(input, dim)
        """;
}
