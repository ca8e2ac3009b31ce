using Parity.Harness.Ops;
using Parity.Native;

namespace UserLoss.Tests;

/// <summary>
/// A user's own mean-squared-error loss, written without Parity's losses: <c>mse_loss(input, target, reduction)</c> for
/// float32/float64 tensors of one shape. Everything else (broadcasting, <c>weight</c>, other ops) it declines with
/// <see cref="NotSupportedException"/>, which Parity reports as unsupported, never as passed.
/// </summary>
public static class MyMseLoss
{
    /// <summary>The loss: <c>(input − target)²</c>, reduced by <paramref name="reduction"/> (none, mean, sum).</summary>
    public static Tensor Forward(Tensor input, Tensor target, string reduction)
    {
        var (d, round) = Differences(input, target);
        var sq = d.Select(x => round(x * x)).ToArray();
        return reduction switch
        {
            "none" => Tensor.FromDoubles(input.DType, sq, input.ShapeArray()),
            "sum" => Tensor.Scalar(round(sq.Sum()), input.DType),
            "mean" => Tensor.Scalar(round(sq.Sum() / sq.Length), input.DType),
            _ => throw new ArgumentException($"{reduction} is not a valid value for reduction", nameof(reduction)),
        };
    }

    /// <summary>The gradients of <c>sum(gradOutput · loss)</c>: with respect to input, and its negation for target.</summary>
    public static (Tensor Input, Tensor Target) Backward(Tensor gradOutput, Tensor input, Tensor target, string reduction)
    {
        var (d, round) = Differences(input, target);
        double norm = reduction == "mean" ? 2.0 / d.Length : 2.0;
        var gi = new double[d.Length];
        for (int i = 0; i < d.Length; i++)
        {
            double g = gradOutput.Numel == 1 && reduction != "none" ? gradOutput.GetDouble(0) : gradOutput.GetDouble(i);
            gi[i] = round(round(norm * d[i]) * g);
        }
        var shape = input.ShapeArray();
        return (Tensor.FromDoubles(input.DType, gi, shape), Tensor.FromDoubles(input.DType, gi.Select(x => -x).ToArray(), shape));
    }

    private static (double[] Diff, Func<double, double> Round) Differences(Tensor input, Tensor target)
    {
        Func<double, double> round = input.DType == DType.Float32 ? x => (float)x : x => x;
        var d = new double[input.Numel];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = round(input.GetDouble(i) - target.GetDouble(i));
        }
        return (d, round);
    }
}

/// <summary>The user's loss as a Parity backend: what Parity's matrix and <c>ParityAssert.Agrees</c> evaluate.</summary>
public sealed class MyBackend : IOpBackend
{
    /// <inheritdoc/>
    public string Name => "my-engine";

    /// <inheritdoc/>
    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(wrt);
        if (call.Op.Name != "mse_loss")
        {
            throw new NotSupportedException($"my-engine implements mse_loss only, not {call.Op.Name}");
        }
        var input = call.Required("input");
        var target = call.Required("target");
        if (call["weight"] is not null)
        {
            throw new NotSupportedException("my-engine's mse_loss takes no weight");
        }
        if (input.DType is not (DType.Float32 or DType.Float64) || target.DType != input.DType)
        {
            throw new NotSupportedException($"my-engine's mse_loss takes float32/float64 tensors of one dtype, not {input.DType}/{target.DType}");
        }
        if (!input.Shape.SequenceEqual(target.Shape))
        {
            throw new NotSupportedException($"my-engine's mse_loss does not broadcast ({Tensor.ShapeString(input.Shape)} vs {Tensor.ShapeString(target.Shape)})");
        }
        _ = call.Reduction; // PyTorch's ValueError for a reduction outside none/mean/sum
        string reduction = call.Arg("reduction").AsString;
        var output = MyMseLoss.Forward(input, target, reduction);
        if (wrt.Count == 0)
        {
            return new OpResult(output);
        }
        var g = gradOutput ?? Tensor.FromDoubles(output.DType, Enumerable.Repeat(1.0, output.Numel).ToArray(), output.ShapeArray());
        var (gi, gt) = MyMseLoss.Backward(g, input, target, reduction);
        var grads = wrt.Select(n => n switch
        {
            "input" => new KeyValuePair<string, Tensor>("input", gi),
            "target" => new KeyValuePair<string, Tensor>("target", gt),
            _ => throw new NotSupportedException($"my-engine gives no gradient with respect to {n}"),
        }).ToList();
        return new OpResult(output, grads, []);
    }
}
