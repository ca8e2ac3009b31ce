using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Harness.Matrix;
using Parity.Native;
using Parity.Native.Ops;
using static Parity.Harness.Matrix.CaseKit;

namespace Parity.Harness.Ops.Definitions;

/// <summary>
/// <c>torch.nn.functional.binary_cross_entropy(input, target, weight, reduction)</c>: native
/// <see cref="Functional.BinaryCrossEntropy"/>; reference <c>aten::binary_cross_entropy</c> after Python's steps.
/// </summary>
/// <remarks>
/// Python's frontend (<c>binary_cross_entropy</c> in torch/nn/functional.py) raises a ValueError when
/// <c>target.size() != input.size()</c> (sizes printed as <c>torch.Size([…])</c>), expands the weight to the broadcast
/// of target and weight (<c>weight.expand(_infer_size(target.size(), weight.size()))</c>), then calls ATen. libtorch's
/// kernel is a scalar loop and its sums follow the cascade order the native port reproduces: cases are bit-identical.
/// </remarks>
public sealed class BinaryCrossEntropy : OpDefinition
{
    /// <inheritdoc/>
    public override OpSchema Schema { get; } = new("binary_cross_entropy",
        [new TensorParam("input", Differentiable: true), new TensorParam("target", Differentiable: true), new TensorParam("weight", Required: false, NoGradError: "The function 'binary_cross_entropy' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.")],
        [ScalarParam.Reduction()]);

    /// <inheritdoc/>
    public override OpDocs Docs { get; } = new(
        "`F.binary_cross_entropy`, `nn.BCELoss`", "`Functional.BinaryCrossEntropy(input, target, weight, reduction)`, `BCELoss`",
        "TorchScript `torch.binary_cross_entropy` after Python's weight expansion", "`weight`, `reduction` / both / both");

    /// <inheritdoc/>
    public override uint FuzzStream => 4;

    /// <inheritdoc/>
    public override Tensor Forward(OpCall call) =>
        Functional.BinaryCrossEntropy(call.Required("input"), call.Required("target"), call["weight"], call.Reduction);

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt) => Pick(wrt,
        ("input", () => Functional.BinaryCrossEntropyBackward(gradOutput, call.Required("input"), call.Required("target"), call["weight"], call.Reduction)),
        ("target", () => Functional.BinaryCrossEntropyTargetBackward(gradOutput, call.Required("input"), call.Required("target"), call["weight"], call.Reduction)));

    /// <inheritdoc/>
    public override string ReferenceScript => """
        def binary_cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: int) -> Tensor:
            if weight is not None:
                weight = torch.broadcast_tensors(target, weight)[1]
            return torch.binary_cross_entropy(input, target, weight, reduction)
        """;

    /// <inheritdoc/>
    public override ReferenceCall Reference(OpCall call)
    {
        var input = call.Required("input");
        var target = call.Required("target");
        if (!target.Shape.SequenceEqual(input.Shape))
        {
            throw new TorchException(TorchErrorKind.ValueError,
                $"Using a target size ({PythonSize(target.Shape)}) that is different to the input size ({PythonSize(input.Shape)}) is deprecated. Please ensure they have the same size.");
        }
        return new("binary_cross_entropy", [input, target, call["weight"], AtenReduction(call)]);
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Matrix()
    {
        foreach (var dtype in FloatTypes)
        {
            foreach (var red in CaseKit.Reductions)
            {
                foreach (string w in new[] { "nw", "w", "wb" })
                {
                    foreach (string t in new[] { "t=01", "t=p" })
                    {
                        foreach (var s in ElementShapes)
                        {
                            if (w == "wb" && s.Input.Length == 0)
                            {
                                continue;
                            }
                            var inputs = new List<InputSpec>
                            {
                                InputSpec.Randn("input", s.Input, InputMap.Sigmoid),
                                t == "t=01" ? InputSpec.Randint("target", 0, 2, s.Target) : InputSpec.Rand("target", s.Target),
                            };
                            if (w != "nw")
                            {
                                inputs.Add(InputSpec.Rand("weight", w == "w" ? s.Input : [s.Last]));
                            }
                            yield return new CaseSpec
                            {
                                Name = $"binary_cross_entropy.{dtype.Name()}.{red.Name()}.{w}.{t}.{s.Tag}",
                                Op = this, DType = dtype, DTypeWritten = true, Seed = Seeds.BinaryCrossEntropy,
                                Inputs = inputs, Args = A(red), Grad = true, ExpectBitIdentical = true, BitIdenticalGrads = ["input"],
                            };
                        }
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<CaseSpec> Edges()
    {
        foreach (var dt in FloatTypes)
        {
            foreach (var r in CaseKit.Reductions)
            {
                // x = 0 or 1 hits the log clamp at -100 (and x=1, y=1 gives -0 in 'none'); the gradient guard max((1-x)x, eps).
                yield return new CaseSpec
                {
                    Name = $"binary_cross_entropy.{dt.Name()}.{r.Name()}.edges.zero-one", Op = this, DType = dt, DTypeWritten = true, Seed = Seeds.Edges,
                    Inputs =
                    [
                        I("input", V(dt, [8], 0, 1, 0, 1, 0.5, 1e-30, 1 - 1e-7, 0.25)),
                        I("target", V(dt, [8], 0, 0, 1, 1, 0.5, 1, 0, 0.75)),
                    ],
                    Args = A(r), Grad = true, ExpectBitIdentical = true, BitIdenticalGrads = ["input"],
                };
            }
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<BadInput> BadInputs()
    {
        const TorchErrorKind R = TorchErrorKind.RuntimeError, V = TorchErrorKind.ValueError;
        const string Range = "all elements of input should be between 0 and 1", TargetRange = "all elements of target should be between 0 and 1";
        var p22 = F([2, 2], 0.1, 0.2, 0.3, 0.4);
        var y22 = F([2, 2], 0, 1, 1, 0);
        return
        [
            new("input-above-one", R, Range, [I("input", F([2], 2.0, 0.5)), I("target", F([2], 1, 0))]),
            new("input-negative", R, Range, [I("input", F([2], -0.1, 0.5)), I("target", F([2], 1, 0))]),
            new("input-nan", R, Range, [I("input", F([2], double.NaN, 0.5)), I("target", F([2], 1, 0))]),
            new("input-above-one.float64", R, Range, [I("input", D([2], 1.5, 0.5)), I("target", D([2], 1, 0))]),
            new("target-above-one", R, TargetRange, [I("input", F([2], 0.3, 0.5)), I("target", F([2], 1.5, 0))]),
            new("target-negative.float64", R, TargetRange, [I("input", D([2], 0.3, 0.5)), I("target", D([2], -1, 0))]),
            new("target-size", V, "Using a target size (torch.Size([4])) that is different to the input size (torch.Size([2, 2])) is deprecated. Please ensure they have the same size.",
                [I("input", p22), I("target", F([4], 0, 1, 1, 0))]),
            new("weight-not-broadcastable", R, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1",
                [I("input", p22), I("target", y22), I("weight", F([3], 1, 2, 3))]),
            new("weight-larger", R, "output with shape [2, 2] doesn't match the broadcast shape [2, 2, 2]",
                [I("input", p22), I("target", y22), I("weight", F([2, 2, 2], 1, 1, 1, 1, 1, 1, 1, 1))]),
            new("int64", TorchErrorKind.NotImplementedError, "\"binary_cross_entropy\" not implemented for 'Long'", [I("input", L([2], 0, 1)), I("target", L([2], 1, 0))]),
            new("float64-target", R, "Found dtype Double but expected Float", [I("input", F([2], 0.3, 0.5)), I("target", D([2], 1, 0))]),
            new("target-nan", R, TargetRange, [I("input", F([2], 0.5, 0.5)), I("target", F([2], 0, double.NaN))]),
            new("target-size-scalar", V, "Using a target size (torch.Size([])) that is different to the input size (torch.Size([2])) is deprecated. Please ensure they have the same size.",
                [I("input", F([2], 0.125, 0.25)), I("target", F([], 0.5))]),
            new("int64-target", R, "Found dtype Long but expected Float", [I("input", F([2], 0.3, 0.5)), I("target", L([2], 1, 0))]),
        ];
    }

    /// <inheritdoc/>
    public override Gen<OpCall> Fuzz(FuzzBounds bounds) => BinaryCrossEntropyWithLogits.BceFuzz(this, bounds, withLogits: false);
}
