using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

/// <summary>
/// Native counterparts of <c>torch.nn.functional</c> (and <c>torch.sigmoid</c>/<c>softmax</c>/<c>log_softmax</c>),
/// one file per op, each with its gradient beside it. Arguments and errors follow PyTorch 2.10 on CPU.
/// </summary>
public static partial class Functional
{
    /// <summary><c>torch.sigmoid(input)</c>: σ(x) = 1 / (1 + e^(−x)) element-wise.</summary>
    /// <param name="input">Any shape; float32 or float64 (int64 is converted to float32, as PyTorch does).</param>
    /// <returns>A tensor of the input's shape.</returns>
    /// <remarks>
    /// <para>Computed as 1/(1+exp(−x)) in the element type. For x → −∞, exp(−x) overflows to +∞ and the result is
    /// +0; for x → +∞ it is exactly 1; NaN stays NaN.</para>
    /// <para>Whole blocks of two vectors use SLEEF's exp, as libtorch's vectorised loop does, and the remaining
    /// elements the C library's exp, so the bits match libtorch on Linux x86-64.</para>
    /// </remarks>
    public static Tensor Sigmoid(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Tensor x = input.DType == DType.Int64 ? input.To(DType.Float32) : input;
        return x.DType == DType.Float32
            ? Make(SigmoidCore<float>(x.ToArray<float>()), x.Shape)
            : Make(SigmoidCore<double>(x.ToArray<double>()), x.Shape);
    }

    /// <summary>The gradient of <see cref="Sigmoid"/> with respect to input: g·(1 − y)·y with y = σ(x).</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the output.</param>
    /// <param name="input">The input of the forward call.</param>
    /// <returns>d(Σ output·gradOutput)/d input.</returns>
    /// <exception cref="TorchException">The input is an integer tensor, or gradOutput's shape differs from the output's.</exception>
    public static Tensor SigmoidBackward(Tensor gradOutput, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.DType == DType.Int64)
        {
            throw IntegerGrad();
        }
        return input.DType == DType.Float32 ? SigmoidBackwardCore<float>(gradOutput, input) : SigmoidBackwardCore<double>(gradOutput, input);
    }

    private static Tensor SigmoidBackwardCore<T>(Tensor gradOutput, Tensor input)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] g = GradValues<T>(gradOutput, input.Shape);
        T[] y = SigmoidCore(input.ToArray<T>());
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = g[i] * (T.One - y[i]) * y[i];
        }
        return Make(y, input.Shape);
    }

    /// <summary>σ element-wise, 1/(1+exp(−x)).</summary>
    internal static T[] SigmoidCore<T>(T[] x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // libtorch's vectorised loop covers whole blocks of two vectors; the rest goes through scalar exp.
        var y = new T[x.Length];
        int block = 2 * VecReduce.Lanes<T>();
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = T.One / (T.One + VecReduce.BlockExp(-x[i], i, x.Length, block));
        }
        return y;
    }
}
