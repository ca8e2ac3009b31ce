using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Tests.Fuzz;

/// <summary>
/// A test-only backend that evaluates sigmoid and binary_cross_entropy_with_logits from their formulas in float64
/// (then rounds to the input dtype). Both sides of a fake run use it, so any disagreement comes from a decorator.
/// </summary>
internal sealed class FormulaBackend(string name) : IOpBackend
{
    public string Name { get; } = name;

    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        bool grad = wrt.Count > 0;
        return call.Op == TestOps.Sigmoid ? Sigmoid(call.Input, grad)
            : call.Op == TestOps.BinaryCrossEntropyWithLogits ? BceWithLogits(call, grad)
            : throw new TorchException(TorchErrorKind.NotImplementedError, $"{call.Op.Name} is not in the formula backend");
    }

    private static OpResult Sigmoid(Tensor x, bool grad)
    {
        var y = Tensor.Zeros(x.DType, x.ShapeArray());
        var g = Tensor.Zeros(x.DType, x.ShapeArray());
        for (int i = 0; i < x.Numel; i++)
        {
            double s = 1.0 / (1.0 + Math.Exp(-x.GetDouble(i)));
            y.SetDouble(i, s);
            g.SetDouble(i, s * (1 - s));
        }
        return new OpResult(y, grad ? g : null);
    }

    private static OpResult BceWithLogits(OpCall call, bool grad)
    {
        var x = call.Input;
        var y = call.Target!;
        if (!x.Shape.SequenceEqual(y.Shape))
        {
            throw new TorchException(TorchErrorKind.ValueError,
                $"Target size ({Tensor.ShapeString(y.Shape)}) must be the same as input size ({Tensor.ShapeString(x.Shape)})");
        }
        int[] shape = x.ShapeArray();
        int n = x.Numel;
        var loss = new double[n];
        var dloss = new double[n];
        for (int i = 0; i < n; i++)
        {
            double xi = x.GetDouble(i), yi = y.GetDouble(i);
            double pw = call.PosWeight is null ? 1 : Broadcast(call.PosWeight!, shape, i);
            double w = call.Weight is null ? 1 : Broadcast(call.Weight!, shape, i);
            double lw = 1 + ((pw - 1) * yi);
            // ℓ = (1−y)·x − lw·log σ(x), log σ(x) = min(x,0) − log1p(exp(−|x|)); dℓ/dx = (1−y) − lw·(1 − σ(x)).
            double logSig = Math.Min(xi, 0) - Math.Log(1 + Math.Exp(-Math.Abs(xi)));
            double sig = 1.0 / (1.0 + Math.Exp(-xi));
            loss[i] = w * (((1 - yi) * xi) - (lw * logSig));
            dloss[i] = w * ((1 - yi) - (lw * (1 - sig)));
        }
        Tensor output, gradient = Tensor.FromDoubles(x.DType, dloss, shape);
        if (call.Reduction == Reduction.None)
        {
            output = Tensor.FromDoubles(x.DType, loss, shape);
        }
        else
        {
            double sum = loss.Sum();
            double scale = call.Reduction == Reduction.Mean ? 1.0 / n : 1.0;
            output = Tensor.Scalar(call.Reduction == Reduction.Mean ? sum / n : sum, x.DType);
            gradient = Tensor.FromDoubles(x.DType, dloss.Select(d => d * scale).ToArray(), shape);
        }
        return new OpResult(output, grad ? gradient : null);
    }

    /// <summary>Element of <paramref name="t"/> broadcast to <paramref name="shape"/> at flat index <paramref name="flat"/>.</summary>
    private static double Broadcast(Tensor t, int[] shape, int flat)
    {
        if (t.Dim > shape.Length)
        {
            throw new TorchException($"output with shape {Tensor.ShapeString(shape)} doesn't match the broadcast shape {Tensor.ShapeString(t.Shape)}");
        }
        int offset = 0, stride = 1;
        for (int d = shape.Length - 1, k = t.Dim - 1; d >= 0; d--, k--)
        {
            int i = flat % shape[d];
            flat /= shape[d];
            if (k < 0)
            {
                continue;
            }
            int size = t.Size(k);
            if (size != 1 && size != shape[d])
            {
                throw new TorchException($"The size of tensor a ({shape[d]}) must match the size of tensor b ({size}) at non-singleton dimension {k}");
            }
            offset += (size == 1 ? 0 : i) * stride;
            stride *= size;
        }
        return t.GetDouble(offset);
    }
}

/// <summary>
/// A deliberately wrong native op: binary_cross_entropy_with_logits that ignores <c>pos_weight</c> whenever some target
/// is fractional (strictly between 0 and 1). Wraps any backend.
/// </summary>
internal sealed class PosWeightIgnoredWhenFractional(IOpBackend inner) : IOpBackend
{
    public string Name => inner.Name;

    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        bool grad = wrt.Count > 0;
        if (call.Op == TestOps.BinaryCrossEntropyWithLogits && call.PosWeight is not null && call.Target is { } t &&
            t.ToDoubleArray().Any(v => v is > 0 and < 1))
        {
            call = call.With("pos_weight", null);
        }
        return inner.Evaluate(call, grad, gradOutput);
    }
}

/// <summary>A backend that throws a fixed message for every call.</summary>
internal sealed class ThrowingBackend(string name, string message) : IOpBackend
{
    public string Name { get; } = name;

    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null) => throw new TorchException(message);
}

/// <summary>A backend that declines every call by throwing <see cref="NotSupportedException"/>.</summary>
internal sealed class DecliningBackend : IOpBackend
{
    public string Name => "declining";

    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null) =>
        throw new NotSupportedException($"{call.Op.Name} is not implemented here");
}

/// <summary>
/// Wraps a backend as one that gives the gradient with respect to <c>input</c> only (<see cref="ISupportedOps.SupportedGradients"/>),
/// and throws if asked for another — so a fuzz run over it passes only if the runner narrows its gradient requests.
/// </summary>
internal sealed class InputGradientOnly(IOpBackend inner) : IOpBackend, ISupportedOps
{
    public string Name => inner.Name;

    public IReadOnlyCollection<string> SupportedOps => ["sigmoid", "binary_cross_entropy_with_logits"];

    public IReadOnlyList<string> SupportedGradients(OpCall call, IReadOnlyList<string> requested) => [.. requested.Where(n => n == "input")];

    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        Assert.All(wrt, n => Assert.Equal("input", n));
        return inner.Evaluate(call, wrt, gradOutput);
    }
}

/// <summary>Adds <paramref name="offset"/> to every output of the wrapped backend; optionally declares a tolerance that covers it.</summary>
internal sealed class OffsetBackend(IOpBackend inner, double offset, double? declaredAtol) : IOpBackend, IDeclaredTolerance
{
    public string Name => inner.Name;

    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        var r = inner.Evaluate(call, wrt, gradOutput);
        var shifted = r.Output.Clone();
        for (int i = 0; i < shifted.Numel; i++)
        {
            shifted.SetDouble(i, shifted.GetDouble(i) + offset);
        }
        return r with { Output = shifted };
    }

    public Parity.Comparison.Tolerance Tolerance(OpCall call, string result, Parity.Comparison.Tolerance standard) =>
        declaredAtol is { } atol && result == "output" ? standard with { Atol = atol } : standard;
}
