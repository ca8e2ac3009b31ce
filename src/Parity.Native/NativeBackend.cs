using Parity.Native.Ops;

namespace Parity.Native;

/// <summary>The native implementation as an <see cref="IOpBackend"/> named <c>native</c>: each call goes to <see cref="Functional"/>.</summary>
public sealed class NativeBackend : IOpBackend
{
    /// <inheritdoc/>
    public string Name => "native";

    /// <inheritdoc/>
    public OpResult Evaluate(OpCall call, bool grad, Tensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        Tensor output = Forward(call);
        if (!grad)
        {
            return new OpResult(output, null);
        }
        Tensor g = gradOutput ?? Ones(output);
        return new OpResult(output, Backward(call, g));
    }

    private static Tensor Ones(Tensor like)
    {
        var t = Tensor.Zeros(like.DType, like.ShapeArray());
        for (int i = 0; i < t.Numel; i++)
        {
            t.SetDouble(i, 1.0);
        }
        return t;
    }

    private static Tensor RequireTarget(OpCall call) =>
        call.Target ?? throw new ArgumentException($"{call.Op.Name()} needs a target", nameof(call));

    private static Tensor Forward(OpCall c) => c.Op switch
    {
        LossOp.Sigmoid => Functional.Sigmoid(c.Input),
        LossOp.Softmax => Functional.Softmax(c.Input, c.EffectiveDim),
        LossOp.LogSoftmax => Functional.LogSoftmax(c.Input, c.EffectiveDim),
        LossOp.BinaryCrossEntropy => Functional.BinaryCrossEntropy(c.Input, RequireTarget(c), c.Weight, c.Reduction),
        LossOp.BinaryCrossEntropyWithLogits => Functional.BinaryCrossEntropyWithLogits(c.Input, RequireTarget(c), c.Weight, c.PosWeight, c.Reduction),
        LossOp.NllLoss => Functional.NllLoss(c.Input, RequireTarget(c), c.Weight, c.IgnoreIndex, c.Reduction),
        LossOp.CrossEntropy => Functional.CrossEntropy(c.Input, RequireTarget(c), c.Weight, c.IgnoreIndex, c.Reduction, c.LabelSmoothing),
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    private static Tensor Backward(OpCall c, Tensor g) => c.Op switch
    {
        LossOp.Sigmoid => Functional.SigmoidBackward(g, c.Input),
        LossOp.Softmax => Functional.SoftmaxBackward(g, c.Input, c.EffectiveDim),
        LossOp.LogSoftmax => Functional.LogSoftmaxBackward(g, c.Input, c.EffectiveDim),
        LossOp.BinaryCrossEntropy => Functional.BinaryCrossEntropyBackward(g, c.Input, RequireTarget(c), c.Weight, c.Reduction),
        LossOp.BinaryCrossEntropyWithLogits => Functional.BinaryCrossEntropyWithLogitsBackward(g, c.Input, RequireTarget(c), c.Weight, c.PosWeight, c.Reduction),
        LossOp.NllLoss => Functional.NllLossBackward(g, c.Input, RequireTarget(c), c.Weight, c.IgnoreIndex, c.Reduction),
        LossOp.CrossEntropy => Functional.CrossEntropyBackward(g, c.Input, RequireTarget(c), c.Weight, c.IgnoreIndex, c.Reduction, c.LabelSmoothing),
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };
}
