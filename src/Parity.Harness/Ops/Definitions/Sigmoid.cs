using System.Globalization;
using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary><c>torch.sigmoid(input)</c>: native <see cref="Functional.Sigmoid"/>; reference <c>torch.sigmoid</c>.</summary>
public sealed class Sigmoid : OpDefinition
{
    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("sigmoid", [new TensorParam("input", Differentiable: true)], []);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`torch.sigmoid(input)`, `nn.Sigmoid`", "`Functional.Sigmoid(input)`, `SigmoidBackward`", "`torch.sigmoid`", "— / — / —");

    /// <inheritdoc/>
    public override uint FuzzStream => 1;

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) => Functional.Sigmoid(call.Required("input"));

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) =>
        Pick(wrt, ("input", () => Functional.SigmoidBackward(gradOutput, call.Required("input"))));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def sigmoid(input: Tensor) -> Tensor:
            return torch.sigmoid(input)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call) => new("sigmoid", [call.Required("input")]);

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var s in ElementShapes)
            {
                yield return new CaseSpec
                {
                    Name = $"sigmoid.{dtype.Name()}.{s.Tag}", Op = this, DType = dtype, DTypeWritten = true, Seed = Seeds.Activations,
                    Inputs = [InputSpec.Randn("input", s.Input)], Grad = true,
                };
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Edges()
    {
        const double Inf = double.PositiveInfinity;
        foreach (var dt in FloatTypes)
        {
            yield return new CaseSpec
            {
                Name = $"sigmoid.{dt.Name()}.edges.special", Op = this, DType = dt, DTypeWritten = true, Seed = Seeds.Edges, Grad = true,
                Inputs = [I("input", V(dt, [12], double.NaN, Inf, -Inf, 0.0, -0.0, 100, -100, 1e-30, 20, -20, 88.7, -88.8))],
            };
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        yield return new("int64-grad", TorchErrorKind.RuntimeError, "only Tensors of floating point and complex dtype can require gradients",
            [I("input", L([3], 0, 1, 2))]) { Grad = true };
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from shape in FuzzCases.Shape(0, 5, bounds)
        from input in FuzzCases.Values(dtype, shape, ValueKind.Logit)
        from dim in Gen.Const<int?>(() => null)
        select new OpCall(this, ArgSet.Empty, ("input", input));

    internal static string DimTag(int? dim) => dim is int d ? d.ToString(CultureInfo.InvariantCulture) : "def";
}
