using System.Numerics;
using Parity.Native;
using Parity.Native.Fast;

namespace Parity.Harness.Ops;

/// <summary>
/// The fast kernels (<see cref="FastLosses"/>) as an <see cref="IOpBackend"/> named <c>fast</c>, so the matrix, the
/// snapshots and the fuzzer check them against libtorch (<c>parity run --backend fast</c>). Every call their span API
/// can make is made; every other call is declined as unsupported (<see cref="ISupportedOps.Unsupported"/>), never
/// approximated with the readable ops.
/// </summary>
/// <remarks>
/// <para>What the API covers: <c>binary_cross_entropy</c> (weight broadcast over trailing dimensions),
/// <c>binary_cross_entropy_with_logits</c> (weight, pos_weight), <c>nll_loss</c> and <c>cross_entropy</c> with class-index
/// targets (weight, ignore_index, no label smoothing), forward and the gradient with respect to <c>input</c>, and
/// <c>log_softmax</c> forward; float32 and float64, every reduction.</para>
/// <para>Declined: <c>sigmoid</c>, <c>softmax</c> and the ops added since (no fast kernel); the gradient of
/// <c>log_softmax</c> and gradients with respect to a target; probability targets and label smoothing; mixed dtypes;
/// shapes and weights the kernels' flat layout cannot express — which includes most of the bad inputs, since the
/// kernels do not make PyTorch's shape checks (they throw <see cref="ArgumentException"/>, not PyTorch's error).</para>
/// </remarks>
public sealed class FastBackend : IOpBackend, ISupportedOps
{
    private static readonly string[] s_ops = ["log_softmax", "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy"];

    /// <inheritdoc/>
    public string Name => "fast";

    /// <inheritdoc/>
    public IReadOnlyCollection<string> SupportedOps => s_ops;

    /// <inheritdoc/>
    public string? Unsupported(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        string op = call.Op.Name;
        if (!s_ops.Contains(op))
        {
            return $"no fast kernel for {op}";
        }
        var input = call.Primary;
        if (input.DType is not (DType.Float32 or DType.Float64))
        {
            return $"the fast kernels take float32 or float64 input, not {input.DType.Name()}";
        }
        foreach (var (name, t) in call.Tensors)
        {
            if (name != "target" || op is "binary_cross_entropy" or "binary_cross_entropy_with_logits")
            {
                if (t.DType != input.DType)
                {
                    return $"{name} is {t.DType.Name()} and input {input.DType.Name()}: the fast kernels take one element type";
                }
            }
        }
        return op switch
        {
            "log_softmax" => LogSoftmaxLayout(call, out _, out _, out _),
            "binary_cross_entropy" or "binary_cross_entropy_with_logits" => ElementwiseLayout(call),
            _ => ClassLayout(call, out _, out _, out _),
        };
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The call is one the fast kernels cannot make (see remarks of the class).</exception>
    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(wrt);
        if (((ISupportedOps)this).Unsupported(call) is { } why)
        {
            throw new NotSupportedException(why);
        }
        if (wrt.Any(n => n != "input"))
        {
            throw new NotSupportedException($"the fast kernels give the gradient with respect to input only, not {string.Join(", ", wrt.Where(n => n != "input"))}");
        }
        if (wrt.Count > 0 && call.Op.Name == "log_softmax")
        {
            throw new NotSupportedException("the fast log_softmax has no backward");
        }
        NativeBackend.CheckGradientRequest(call, wrt);
        return call.Primary.DType == DType.Float32
            ? Run<float>(call, wrt.Count > 0, gradOutput)
            : Run<double>(call, wrt.Count > 0, gradOutput);
    }

    private static OpResult Run<T>(OpCall call, bool grad, Tensor? gradOutput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var input = call.Primary;
        DType dtype = input.DType;
        if (call.Op.Name == "log_softmax")
        {
            LogSoftmaxLayout(call, out int ln, out int lc, out int linner);
            var output = Tensor.Zeros(dtype, input.ShapeArray());
            FastLosses.LogSoftmax<T>(input.AsSpan<T>(), ln, lc, output.AsSpan<T>(), linner);
            return new OpResult(output);
        }
        var reduction = call.Reduction;
        ReadOnlySpan<T> weight = call["weight"] is { } w ? w.AsSpan<T>() : default;
        ReadOnlySpan<T> g = gradOutput is null ? default : gradOutput.AsSpan<T>();
        Tensor? gradInput = grad ? Tensor.Zeros(dtype, input.ShapeArray()) : null;
        Span<T> gi = gradInput is null ? default : gradInput.AsSpan<T>();
        Tensor lossNone;
        T loss;
        switch (call.Op.Name)
        {
            case "binary_cross_entropy":
            {
                lossNone = Tensor.Zeros(dtype, input.ShapeArray());
                var target = call.Required("target").AsSpan<T>();
                Span<T> lo = reduction == Reduction.None ? lossNone.AsSpan<T>() : default;
                loss = grad
                    ? FastLosses.BinaryCrossEntropyForwardBackward(input.AsSpan<T>(), target, gi, weight, reduction, g, lo)
                    : FastLosses.BinaryCrossEntropy(input.AsSpan<T>(), target, weight, reduction, lo);
                break;
            }
            case "binary_cross_entropy_with_logits":
            {
                lossNone = Tensor.Zeros(dtype, input.ShapeArray());
                var target = call.Required("target").AsSpan<T>();
                ReadOnlySpan<T> pw = call["pos_weight"] is { } p ? p.AsSpan<T>() : default;
                Span<T> lo = reduction == Reduction.None ? lossNone.AsSpan<T>() : default;
                loss = grad
                    ? FastLosses.BinaryCrossEntropyWithLogitsForwardBackward(input.AsSpan<T>(), target, gi, weight, pw, reduction, g, lo)
                    : FastLosses.BinaryCrossEntropyWithLogits(input.AsSpan<T>(), target, weight, pw, reduction, lo);
                break;
            }
            default:
            {
                ClassLayout(call, out int n, out int c, out int inner);
                var target = call.Required("target");
                lossNone = Tensor.Zeros(dtype, target.ShapeArray());
                Span<T> lo = reduction == Reduction.None ? lossNone.AsSpan<T>() : default;
                long ignore = call.Int("ignore_index");
                var x = input.AsSpan<T>();
                var y = target.Int64Span;
                loss = (call.Op.Name, grad) switch
                {
                    ("nll_loss", true) => FastLosses.NllLossForwardBackward(x, y, n, c, gi, inner, weight, ignore, reduction, g, lo),
                    ("nll_loss", false) => FastLosses.NllLoss(x, y, n, c, inner, weight, ignore, reduction, lo),
                    (_, true) => FastLosses.CrossEntropyForwardBackward(x, y, n, c, gi, inner, weight, ignore, reduction, g, lo),
                    (_, false) => FastLosses.CrossEntropy(x, y, n, c, inner, weight, ignore, reduction, lo),
                };
                break;
            }
        }
        var result = lossNone;
        if (reduction != Reduction.None)
        {
            result = Tensor.Zeros(dtype);
            result.AsSpan<T>()[0] = loss;
        }
        return gradInput is null ? new OpResult(result) : new OpResult(result, gradInput);
    }

    private static string? LogSoftmaxLayout(OpCall call, out int n, out int c, out int inner)
    {
        var input = call.Primary;
        int rank = input.Dim;
        long d = call.OptionalInt("dim") is long given ? given : rank <= 1 ? 0 : 1;
        int r = Math.Max(rank, 1);
        n = c = inner = 1;
        if (d < -r || d >= r)
        {
            return $"dim {d} is out of range for a {rank}-D input (PyTorch's error is not the fast kernel's)";
        }
        int dim = (int)(d < 0 ? d + r : d);
        if (rank == 0)
        {
            return null;
        }
        var shape = input.Shape;
        for (int i = 0; i < dim; i++)
        {
            n *= shape[i];
        }
        c = shape[dim];
        for (int i = dim + 1; i < rank; i++)
        {
            inner *= shape[i];
        }
        return c == 0 ? "an empty softmax dimension" : null;
    }

    private static string? ElementwiseLayout(OpCall call)
    {
        var input = call.Primary;
        var target = call.Required("target");
        if (!target.Shape.SequenceEqual(input.Shape))
        {
            return "target and input shapes differ (the fast kernels do not broadcast, nor make PyTorch's size check)";
        }
        foreach (string name in new[] { "weight", "pos_weight" })
        {
            if (call[name] is not { } w)
            {
                continue;
            }
            // Broadcast over trailing dimensions only: the weight's shape (leading 1s dropped) is a suffix of the input's.
            var ws = w.Shape.ToArray().SkipWhile(s => s == 1).ToArray();
            var suffix = input.Shape.ToArray().TakeLast(ws.Length).ToArray();
            bool trailing = ws.Length <= input.Dim && ws.SequenceEqual(suffix) && w.Dim <= Math.Max(input.Dim, 1);
            if (name == "pos_weight" && !(w.Dim == 1 && input.Dim >= 1 && w.Numel == input.Shape[^1]))
            {
                return "pos_weight other than one value per trailing element";
            }
            if (!trailing || (w.Numel == 0 && input.Numel != 0))
            {
                return $"a {name} of shape {Tensor.ShapeString(w.Shape)} for input {Tensor.ShapeString(input.Shape)}: the fast kernels broadcast over trailing dimensions only";
            }
            if (w.Numel != 0 && input.Numel % w.Numel != 0)
            {
                return $"{name} does not divide the input";
            }
        }
        return null;
    }

    private static string? ClassLayout(OpCall call, out int n, out int c, out int inner)
    {
        var input = call.Primary;
        var target = call.Required("target");
        n = c = inner = 1;
        if (call.Op.Name == "cross_entropy" && call.Float("label_smoothing") != 0)
        {
            return "label smoothing (no fast kernel)";
        }
        if (target.DType != DType.Int64)
        {
            return "probability targets (the fast kernels take class indices)";
        }
        var shape = input.Shape;
        var ts = target.Shape;
        if (input.Dim == 1)
        {
            c = shape[0];
            if (target.Dim != 0)
            {
                return "an unbatched input needs a 0-D target";
            }
        }
        else if (input.Dim >= 2)
        {
            n = shape[0];
            c = shape[1];
            for (int i = 2; i < input.Dim; i++)
            {
                inner *= shape[i];
            }
            if (target.Dim != input.Dim - 1 || ts[0] != n || !ts[1..].SequenceEqual(shape[2..]))
            {
                return "target shape does not match the input's (PyTorch's size check is not the fast kernel's)";
            }
        }
        else
        {
            return "a 0-D input";
        }
        if (c < 1)
        {
            return "no classes";
        }
        if (inner < 1)
        {
            return "an empty trailing dimension (the fast kernels take inner >= 1)";
        }
        if (call["weight"] is { } w && (w.Dim != 1 || w.Numel != c))
        {
            return "a weight other than one per class";
        }
        return null;
    }
}
