using Parity.Native;
using Parity.Native.Ops;

namespace Parity.Harness.Ops;

/// <summary>
/// The native implementation as an <see cref="IOpBackend"/> named <c>native</c>: each call goes to its definition's
/// <see cref="OpDefinition.Forward"/> and <see cref="OpDefinition.Backward"/> (which call <see cref="Functional"/>).
/// </summary>
/// <remarks>
/// Gradient requests are checked as libtorch's autograd checks them, after the forward (so the op's own error wins):
/// an integer tensor cannot require gradients, and a tensor libtorch does not differentiate raises the text its
/// definition records (<see cref="OpDefinition.NoGradError"/>).
/// </remarks>
public sealed class NativeBackend : IOpBackend
{
    /// <inheritdoc/>
    public string Name => "native";

    /// <inheritdoc/>
    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(wrt);
        using var capture = TorchWarnings.Capture(out var warnings);
        var op = call.Op;
        Tensor output = op.Forward(call);
        if (wrt.Count == 0)
        {
            return new OpResult(output, [], [.. warnings]);
        }
        CheckGradientRequest(call, wrt);
        OpBackends.CheckGradOutput(gradOutput, output.Shape);
        var grads = op.Backward(call, gradOutput ?? OpBackends.Ones(output.DType, output.ShapeArray()), wrt);
        return new OpResult(output, grads, [.. warnings]);
    }

    /// <summary>What libtorch raises for a gradient request it cannot serve, in the order it would raise it.</summary>
    internal static void CheckGradientRequest(OpCall call, IReadOnlyList<string> wrt)
    {
        foreach (string name in wrt)
        {
            _ = call.Op.Schema.Tensor(name) ?? throw new ArgumentException($"{call.Op.Name} has no tensor argument '{name}'", nameof(wrt));
            var t = call[name] ?? throw new ArgumentException($"{call.Op.Name}: a gradient with respect to '{name}', which the call does not pass", nameof(wrt));
            if (!t.DType.IsFloatingPoint())
            {
                throw OpBackends.IntegerGradError();
            }
            if (!call.Op.IsDifferentiable(call, name))
            {
                throw new TorchException(TorchErrorKind.RuntimeError, call.Op.NoGradError(call, name) ?? $"the derivative for '{name}' is not implemented.");
            }
        }
    }
}
