using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// What <c>torch.softmax(input, dim)</c> and <c>torch.log_softmax(input, dim)</c> share: the schema shape, the implicit
/// dim, the catalogue and the fuzz generator. Each op's file supplies its kernels and reference.
/// </summary>
/// <remarks>
/// <c>dim=None</c> means 0 for inputs of rank 0 or 1, else 1 — the class dimension. Python's deprecated implicit dim picks 0
/// for 3-D input instead; both sides here follow this rule, so the cases stay well defined.
/// </remarks>
public abstract class SoftmaxFamily : OpDefinition
{
    /// <summary>The dim actually used: the written one, or 0 for rank ≤ 1 and 1 otherwise.</summary>
    public static int EffectiveDim(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.OptionalInt("dim") is long d ? (int)d : call.Required("input").Dim <= 1 ? 0 : 1;
    }

    /// <summary>A schema named <paramref name="name"/> with <c>input</c> and an optional <c>dim</c>.</summary>
    protected static OpSchema MakeSchema(string name) =>
        new(name, [new TensorParam("input", Differentiable: true)], [new ScalarParam("dim", ArgKind.Int, ArgValue.None, Nullable: true)]);

    /// <summary>The ATen kernel's name in its dtype-dispatch error (<c>softmax_lastdim_kernel_impl</c>, …).</summary>
    protected abstract string KernelName { get; }

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call) => new(Name, [call.Required("input"), (long)EffectiveDim(call)]);

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var s in ElementShapes)
            {
                foreach (int? dim in new int?[] { null, -1, 0 })
                {
                    yield return new CaseSpec
                    {
                        Name = $"{Name}.{dtype.Name()}.dim={Sigmoid.DimTag(dim)}.{s.Tag}",
                        Op = this, DType = dtype, DTypeWritten = true, Seed = Seeds.Activations,
                        Inputs = [InputSpec.Randn("input", s.Input)], Args = A(dim: dim), Grad = true,
                    };
                }
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
                Name = $"{Name}.{dt.Name()}.edges.rows", Op = this, DType = dt, DTypeWritten = true, Seed = Seeds.Edges, Grad = true,
                Inputs = [I("input", V(dt, [5, 3], 0, -Inf, 1, 1000, 0, -1000, double.NaN, 0, 1, -Inf, -Inf, -Inf, 1e4, 1e4, 1e4))],
            };
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        var x23 = F([2, 3], 0.5, -1, 2, 0.25, 0, -0.5);
        int dim = this is Softmax ? 2 : -3;
        yield return new("dim-out-of-range", TorchErrorKind.IndexError,
            $"Dimension out of range (expected to be in range of [-2, 1], but got {dim})", [I("input", x23)], A(dim: dim));
        yield return new("int64", TorchErrorKind.NotImplementedError, $"\"{KernelName}\" not implemented for 'Long'", [I("input", L([2, 3], 0, 1, 2, 0, 1, 2))]);
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) =>
        from dtype in FuzzCases.FloatType
        from shape in FuzzCases.Shape(0, 5, bounds)
        from input in FuzzCases.Values(dtype, shape, ValueKind.Logit)
        from dim in SoftmaxDim(shape.Length)
        select new OpCall(this, A(dim: dim), ("input", input));

    private static Gen<int?> SoftmaxDim(int rank)
    {
        int lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 0 : rank - 1;
        return Gen.Frequency(
            (6, Gen.Const<int?>(() => null)),
            (3, Gen.Int[lo, hi].Select(d => (int?)d)),
            (1, Gen.OneOfConst<int?>(hi + 1, lo - 1)));
    }
}
