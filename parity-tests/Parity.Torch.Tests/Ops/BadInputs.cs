using Parity.Tests.Shared;
using Parity.Harness.Ops;
using System.Globalization;
using System.Text;
using Parity.Native;

namespace Parity.Torch.Tests.Ops;

/// <summary>
/// One input libtorch rejects, with the error Python PyTorch 2.10 raises for it.
/// </summary>
/// <param name="Id">A stable short name.</param>
/// <param name="Description">What is wrong, in words.</param>
/// <param name="Call">The call (built fresh on each use).</param>
/// <param name="Grad">Whether the gradient is asked for (only matters for errors raised by autograd).</param>
/// <param name="Kind">The Python exception class.</param>
/// <param name="Message">The exact first line of the message, as measured through <see cref="TorchBackend"/>.</param>
/// <param name="Remark">Where this differs from notes §3, or why the text is Python's rather than TorchSharp's.</param>
public sealed record BadInput(
    string Id,
    string Description,
    Func<OpCall> Call,
    bool Grad,
    TorchErrorKind Kind,
    string Message,
    string? Remark = null)
{
    /// <summary>The id, so theory cases read well.</summary>
    public override string ToString() => Id;
}

/// <summary>
/// A catalogue of bad-input <see cref="OpCall"/>s and the exact libtorch 2.10 (Python-reference) errors, used by the
/// error-text tests here and meant to be copied into the harness's built-in matrix (also written out as
/// <c>docs/bad-inputs.md</c>).
/// </summary>
public static class BadInputs
{
    private const string PythonFrontend =
        "Python's torch.nn.functional check (ValueError, shapes as torch.Size([…])); TorchSharp's C++ frontend raises a RuntimeError with bare shapes instead";

    private static Tensor F(params float[] v) => Tensor.Vector(v);

    private static Tensor F(int[] shape, params float[] v) => Tensor.FromArray(v, shape);

    private static Tensor D(params double[] v) => Tensor.Vector(v);

    private static Tensor L(params long[] v) => Tensor.Vector(v);

    private static Tensor L(int[] shape, params long[] v) => Tensor.FromArray(v, shape);

    private static Tensor Seq(DType dtype, params int[] shape)
    {
        // Small distinct values in (0, 1): usable as probabilities, logits or log-probabilities.
        var t = Tensor.Zeros(dtype, shape);
        for (int i = 0; i < t.Numel; i++)
        {
            t.SetDouble(i, (i % 7 + 1) / 8.0);
        }
        return t;
    }

    private static Tensor Zeros(DType dtype, params int[] shape) => Tensor.Zeros(dtype, shape);

    private static Tensor ScalarLong(long v) => Tensor.Scalar(v, DType.Int64);

    private static readonly DType F32 = DType.Float32;

    /// <summary>Every case.</summary>
    public static IReadOnlyList<BadInput> All { get; } =
    [
        // ---- binary_cross_entropy -------------------------------------------------------------------------
        new("bce-input-above-one", "BCE input element > 1",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, F(0.5f, 1.5f), F(0f, 1f)), false,
            TorchErrorKind.RuntimeError, "all elements of input should be between 0 and 1"),
        new("bce-input-negative", "BCE input element < 0",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, F(-0.5f, 0.5f), F(0f, 1f)), false,
            TorchErrorKind.RuntimeError, "all elements of input should be between 0 and 1"),
        new("bce-input-nan", "BCE input NaN",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, F(float.NaN, 0.5f), F(0f, 1f)), false,
            TorchErrorKind.RuntimeError, "all elements of input should be between 0 and 1"),
        new("bce-target-above-one", "BCE target element > 1",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, F(0.5f, 0.5f), F(0f, 2f)), false,
            TorchErrorKind.RuntimeError, "all elements of target should be between 0 and 1"),
        new("bce-target-nan", "BCE target NaN",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, F(0.5f, 0.5f), F(0f, float.NaN)), false,
            TorchErrorKind.RuntimeError, "all elements of target should be between 0 and 1"),
        new("bce-target-size", "BCE target [4] for input [2, 2]",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, Seq(F32, 2, 2), Seq(F32, 4)), false,
            TorchErrorKind.ValueError,
            "Using a target size (torch.Size([4])) that is different to the input size (torch.Size([2, 2])) is deprecated. Please ensure they have the same size.",
            PythonFrontend),
        new("bce-target-size-scalar", "BCE 0-D target for input [2]",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, Seq(F32, 2), Tensor.Scalar(0.5)), false,
            TorchErrorKind.ValueError,
            "Using a target size (torch.Size([])) that is different to the input size (torch.Size([2])) is deprecated. Please ensure they have the same size.",
            PythonFrontend),
        new("bce-weight-not-broadcastable", "BCE weight [3] for input [2, 2]",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, Seq(F32, 2, 2), Seq(F32, 2, 2), Weight: Seq(F32, 3)), false,
            TorchErrorKind.RuntimeError, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"),
        new("bce-weight-larger", "BCE weight [2, 2, 2] for input [2, 2]",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, Seq(F32, 2, 2), Seq(F32, 2, 2), Weight: Seq(F32, 2, 2, 2)), false,
            TorchErrorKind.RuntimeError, "output with shape [2, 2] doesn't match the broadcast shape [2, 2, 2]"),
        new("bce-int64", "BCE int64 input and target",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, L(0, 1), L(0, 1)), false,
            TorchErrorKind.NotImplementedError, "\"binary_cross_entropy\" not implemented for 'Long'"),
        new("bce-target-float64", "BCE float32 input, float64 target",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, F(0.5f, 0.5f), D(0, 1)), false,
            TorchErrorKind.RuntimeError, "Found dtype Double but expected Float"),
        new("bce-target-int64", "BCE float32 input, int64 target",
            () => TestOps.Call(TestOps.BinaryCrossEntropy, F(0.5f, 0.5f), L(0, 1)), false,
            TorchErrorKind.RuntimeError, "Found dtype Long but expected Float"),

        // ---- binary_cross_entropy_with_logits ----------------------------------------------------------------
        new("bcel-target-size", "BCEWithLogits target [6] for input [2, 3]",
            () => TestOps.Call(TestOps.BinaryCrossEntropyWithLogits, Seq(F32, 2, 3), Seq(F32, 6)), false,
            TorchErrorKind.ValueError, "Target size (torch.Size([6])) must be the same as input size (torch.Size([2, 3]))",
            PythonFrontend),
        new("bcel-target-int64", "BCEWithLogits int64 target",
            () => TestOps.Call(TestOps.BinaryCrossEntropyWithLogits, F(0.5f, -0.5f), L(0, 1)), false,
            TorchErrorKind.RuntimeError, "result type Float can't be cast to the desired output type Long"),
        new("bcel-weight-not-broadcastable", "BCEWithLogits weight [4] for input [2, 3]",
            () => TestOps.Call(TestOps.BinaryCrossEntropyWithLogits, Seq(F32, 2, 3), Seq(F32, 2, 3), Weight: Seq(F32, 4)), false,
            TorchErrorKind.RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
        new("bcel-pos-weight-not-broadcastable", "BCEWithLogits pos_weight [4] for input [2, 3]",
            () => TestOps.Call(TestOps.BinaryCrossEntropyWithLogits, Seq(F32, 2, 3), Seq(F32, 2, 3), PosWeight: Seq(F32, 4)), false,
            TorchErrorKind.RuntimeError, "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1"),

        // ---- nll_loss -----------------------------------------------------------------------------------------
        new("nll-target-too-large", "NLL target 3 with 3 classes",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3), L(0, 3)), false,
            TorchErrorKind.IndexError, "Target 3 is out of bounds."),
        new("nll-target-negative", "NLL target -1",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3), L(-1, 0)), false,
            TorchErrorKind.IndexError, "Target -1 is out of bounds."),
        new("nll-target-default-ignore-not-ignored", "NLL target -100 while ignore_index=0",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3), L(-100, 0), IgnoreIndex: 0), false,
            TorchErrorKind.IndexError, "Target -100 is out of bounds."),
        new("nll-target-too-large-none", "NLL target 5, reduction='none'",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3), L(5, 0), Reduction: Reduction.None), false,
            TorchErrorKind.IndexError, "Target 5 is out of bounds."),
        new("nll-target-too-large-1d", "NLL 1-D input (C=3), 0-D target 3",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 3), ScalarLong(3)), false,
            TorchErrorKind.IndexError, "Target 3 is out of bounds."),
        new("nll-target-too-large-3d", "NLL input [2, 3, 2], target value 7",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3, 2), L([2, 2], 0, 1, 7, 2)), false,
            TorchErrorKind.IndexError, "Target 7 is out of bounds."),
        new("nll-target-float", "NLL float32 target",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3), F(0f, 1f)), false,
            TorchErrorKind.RuntimeError, "expected scalar type Long but found Float"),
        new("nll-batch-mismatch", "NLL input batch 2, target batch 3",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3), L(0, 1, 2)), false,
            TorchErrorKind.ValueError, "Expected input batch_size (2) to match target batch_size (3)."),
        new("nll-weight-size", "NLL weight [2] for 3 classes",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3), L(0, 1), Weight: F(1f, 2f)), false,
            TorchErrorKind.RuntimeError, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]"),
        new("nll-weight-2d", "NLL weight [3, 1]",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3), L(0, 1), Weight: F([3, 1], 1f, 2f, 3f)), false,
            TorchErrorKind.RuntimeError, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [3, 1]"),
        new("nll-target-2d", "NLL input [2, 3], target [2, 1]",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3), L([2, 1], 0, 1)), false,
            TorchErrorKind.RuntimeError, "0D or 1D target tensor expected, multi-target not supported"),
        new("nll-3d-target-size", "NLL input [2, 3, 4], target [2, 5]",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3, 4), Zeros(DType.Int64, 2, 5)), false,
            TorchErrorKind.RuntimeError, "Expected target size [2, 4], got [2, 5]"),
        new("nll-4d-target-size", "NLL input [2, 3, 4, 5], target [2, 4, 6]",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3, 4, 5), Zeros(DType.Int64, 2, 4, 6)), false,
            TorchErrorKind.RuntimeError, "size mismatch (got input: [2, 3, 4, 5] , target: [2, 4, 6]"),
        new("nll-4d-target-2d", "NLL input [2, 3, 4, 5], target [2, 4]",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3, 4, 5), Zeros(DType.Int64, 2, 4)), false,
            TorchErrorKind.RuntimeError, "only batches of spatial targets supported (3D tensors) but got targets of dimension: 2"),
        new("nll-1d-target-size-2", "NLL 1-D input (C=3), target [2]",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 3), L(0, 1)), false,
            TorchErrorKind.ValueError, "For 1D input, 1D target must have size 1, but got target size: 2"),
        new("nll-0d-input", "NLL 0-D input",
            () => TestOps.Call(TestOps.NllLoss, Tensor.Scalar(0.5), ScalarLong(0)), false,
            TorchErrorKind.ValueError, "Expected 1 or more dimensions (got 0)"),
        new("nll-int64-input", "NLL int64 input",
            () => TestOps.Call(TestOps.NllLoss, L([2, 2], 1, 2, 3, 4), L(0, 1)), false,
            TorchErrorKind.NotImplementedError, "\"nll_loss_out_frame\" not implemented for 'Long'"),
        new("nll-weight-float64", "NLL float32 input, float64 weight",
            () => TestOps.Call(TestOps.NllLoss, Seq(F32, 2, 3), L(0, 1), Weight: D(1, 2, 3)), false,
            TorchErrorKind.RuntimeError, "expected scalar type Float but found Double"),

        // ---- cross_entropy ------------------------------------------------------------------------------------
        new("ce-int64-input", "CE int64 input, index target",
            () => TestOps.Call(TestOps.CrossEntropy, L([2, 2], 1, 2, 3, 4), L(0, 1)), false,
            TorchErrorKind.NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
        new("ce-prob-target-int64", "CE target int64 with the input's shape (probability path)",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), Zeros(DType.Int64, 2, 3)), false,
            TorchErrorKind.RuntimeError, "Expected floating point type for target with class probabilities, got Long"),
        new("ce-prob-target-ignore-index", "CE probability target with ignore_index=0",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), Seq(F32, 2, 3), IgnoreIndex: 0), false,
            TorchErrorKind.RuntimeError, "ignore_index is not supported for floating point target"),
        new("ce-label-smoothing-above-one", "CE label_smoothing=1.5, index target",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), L(0, 1), LabelSmoothing: 1.5), false,
            TorchErrorKind.RuntimeError, "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
        new("ce-label-smoothing-above-one-prob", "CE label_smoothing=1.5, probability target",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), Seq(F32, 2, 3), LabelSmoothing: 1.5), false,
            TorchErrorKind.RuntimeError, "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
        new("ce-prob-weight-size", "CE probability target, weight [2] for 3 classes",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), Seq(F32, 2, 3), Weight: F(1f, 2f)), false,
            TorchErrorKind.RuntimeError, "cross_entropy: weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]"),
        new("ce-1d-smoothing-target-1", "CE 1-D input (C=3), target [1], label_smoothing=0.1",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 3), L(1), LabelSmoothing: 0.1), false,
            TorchErrorKind.RuntimeError, "output with shape [] doesn't match the broadcast shape [1]"),
        new("ce-target-too-large", "CE target 5 with 3 classes",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), L(0, 5)), false,
            TorchErrorKind.IndexError, "Target 5 is out of bounds."),
        new("ce-target-too-large-smoothing", "CE target 5 with 3 classes, label_smoothing=0.2",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), L(0, 5), LabelSmoothing: 0.2), false,
            TorchErrorKind.IndexError, "Target 5 is out of bounds."),
        new("ce-target-negative", "CE target -2",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), L(-2, 0)), false,
            TorchErrorKind.IndexError, "Target -2 is out of bounds."),
        new("ce-batch-mismatch", "CE input batch 2, target batch 3",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), L(0, 1, 2)), false,
            TorchErrorKind.ValueError, "Expected input batch_size (2) to match target batch_size (3)."),
        new("ce-target-float-index-shape", "CE float32 target of shape [2] for input [2, 3]",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), F(0f, 1f)), false,
            TorchErrorKind.RuntimeError, "expected scalar type Long but found Float"),
        new("ce-weight-size", "CE index target, weight [2] for 3 classes",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), L(0, 1), Weight: F(1f, 2f)), false,
            TorchErrorKind.RuntimeError, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]"),
        new("ce-3d-target-size", "CE input [2, 3, 4], target [2, 5]",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3, 4), Zeros(DType.Int64, 2, 5)), false,
            TorchErrorKind.RuntimeError, "Expected target size [2, 4], got [2, 5]"),
        new("ce-weight-float64", "CE float32 input, float64 weight",
            () => TestOps.Call(TestOps.CrossEntropy, Seq(F32, 2, 3), L(0, 1), Weight: D(1, 2, 3)), false,
            TorchErrorKind.RuntimeError, "expected scalar type Float but found Double"),
        new("ce-0d-input", "CE 0-D input, 0-D int64 target (equal shapes: probability path)",
            () => TestOps.Call(TestOps.CrossEntropy, Tensor.Scalar(0.5), ScalarLong(0)), false,
            TorchErrorKind.RuntimeError, "Expected floating point type for target with class probabilities, got Long"),
        new("ce-0d-input-1d-target", "CE 0-D input, int64 target [1] (class dim 1 of a 0-D tensor)",
            () => TestOps.Call(TestOps.CrossEntropy, Tensor.Scalar(0.5), L(0)), false,
            TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),

        // ---- softmax / log_softmax / sigmoid ------------------------------------------------------------------
        new("softmax-dim-too-large", "softmax dim=2 on [2, 3]",
            () => TestOps.Call(TestOps.Softmax, Seq(F32, 2, 3), Dim: 2), false,
            TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
        new("log-softmax-dim-too-negative", "log_softmax dim=-3 on [2, 3]",
            () => TestOps.Call(TestOps.LogSoftmax, Seq(F32, 2, 3), Dim: -3), false,
            TorchErrorKind.IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
        new("softmax-int64", "softmax on int64",
            () => TestOps.Call(TestOps.Softmax, L(1, 2, 3)), false,
            TorchErrorKind.NotImplementedError, "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
        new("log-softmax-int64", "log_softmax on int64",
            () => TestOps.Call(TestOps.LogSoftmax, L(1, 2, 3)), false,
            TorchErrorKind.NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
        new("sigmoid-int64-grad", "sigmoid on int64 with the gradient asked for",
            () => TestOps.Call(TestOps.Sigmoid, L(1, 2, 3)), true,
            TorchErrorKind.RuntimeError, "only Tensors of floating point and complex dtype can require gradients",
            "Python's text (lower-case 'only', torch/csrc/autograd/python_variable.cpp); libtorch's C++ set_requires_grad says 'Only …'"),
    ];

    /// <summary>The ids, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> Ids
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in All)
            {
                data.Add(c.Id);
            }
            return data;
        }
    }

    /// <summary>The case with this id.</summary>
    public static BadInput Get(string id) => All.Single(c => c.Id == id);

    /// <summary>A compact, unambiguous spelling of a call: op, then each non-default argument with dtype, shape and values.</summary>
    public static string Describe(OpCall call, bool grad)
    {
        ArgumentNullException.ThrowIfNull(call);
        var sb = new StringBuilder();
        sb.Append(call.Op.Name).Append("(input=").Append(DescribeTensor(call.Input));
        if (call.Target is not null)
        {
            sb.Append(", target=").Append(DescribeTensor(call.Target!));
        }
        if (call.Weight is not null)
        {
            sb.Append(", weight=").Append(DescribeTensor(call.Weight!));
        }
        if (call.PosWeight is not null)
        {
            sb.Append(", pos_weight=").Append(DescribeTensor(call.PosWeight!));
        }
        if (call.Op.IsLoss)
        {
            sb.Append(", reduction='").Append(call.Reduction.Name()).Append('\'');
        }
        if ((call.Op == TestOps.NllLoss || call.Op == TestOps.CrossEntropy) && call.IgnoreIndex != Parity.Native.Ops.Functional.DefaultIgnoreIndex)
        {
            sb.Append(", ignore_index=").Append(call.IgnoreIndex.ToString(CultureInfo.InvariantCulture));
        }
        if (call.LabelSmoothing != 0)
        {
            sb.Append(", label_smoothing=").Append(call.LabelSmoothing.ToString("R", CultureInfo.InvariantCulture));
        }
        if (call.Dim is int dim)
        {
            sb.Append(", dim=").Append(dim.ToString(CultureInfo.InvariantCulture));
        }
        sb.Append(')');
        if (grad)
        {
            sb.Append(" + backward");
        }
        return sb.ToString();
    }

    private static string DescribeTensor(Tensor t)
    {
        string values = t.Numel <= 8
            ? " {" + string.Join(", ", t.ToDoubleArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "}"
            : "";
        return t.DType.Name() + Tensor.ShapeString(t.Shape) + values;
    }

    /// <summary>The catalogue as a Markdown table (the content of <c>bad-inputs.md</c>).</summary>
    public static string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| id | description | OpCall | Python kind | exact libtorch message (first line) | remark |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var c in All)
        {
            sb.Append("| ").Append(c.Id)
              .Append(" | ").Append(Escape(c.Description))
              .Append(" | `").Append(Describe(c.Call(), c.Grad).Replace("|", "\\|", StringComparison.Ordinal)).Append('`')
              .Append(" | ").Append(c.Kind)
              .Append(" | `").Append(c.Message.Replace("|", "\\|", StringComparison.Ordinal)).Append('`')
              .Append(" | ").Append(Escape(c.Remark ?? ""))
              .AppendLine(" |");
        }
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}
