using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary><c>torch.log_softmax(input, dim)</c>: log(softmax(x)) along <paramref name="dim"/>.</summary>
    /// <param name="input">float32 or float64, any shape (a 0-D input counts as one element along dim 0).</param>
    /// <param name="dim">The dimension to normalise; negative values count from the end.</param>
    /// <returns>A tensor of the input's shape.</returns>
    /// <exception cref="TorchException">dim is out of range (IndexError), or the input is an integer tensor (NotImplementedError).</exception>
    /// <remarks>
    /// <para>out = (x − m) − log Σ exp(x − m), with m the maximum of each slice along dim (per row, never a global
    /// maximum), so no exp overflows and the largest term is exactly 1. The subtraction is done in this order so a
    /// large m does not swallow a small log-sum.</para>
    /// <para>On the last dimension the sum follows libtorch's vector lanes (8 or 16 floats); on another dimension it
    /// is sequential over the classes. exp and log are evaluated as libtorch's vector lanes do (SLEEF on x86 builds, see
    /// <c>SleefFloat</c>/<c>SleefDouble</c>), so results match libtorch bit for bit on Linux x86-64.</para>
    /// <para>A slice containing NaN gives NaN; a slice that is all −∞ gives NaN.</para>
    /// </remarks>
    public static Tensor LogSoftmax(Tensor input, int dim)
    {
        ArgumentNullException.ThrowIfNull(input);
        int d = WrapDim(dim, input.Dim);
        return input.DType switch
        {
            DType.Float32 => Make(LogSoftmaxCore(input.ToArray<float>(), input.Shape, d), input.Shape),
            DType.Float64 => Make(LogSoftmaxCore(input.ToArray<double>(), input.Shape, d), input.Shape),
            _ => throw NotImplemented(IsLastDim(input.Dim, d) ? "log_softmax_lastdim_kernel_impl" : "softmax_kernel_impl", input.DType),
        };
    }

    /// <summary>The gradient of <see cref="LogSoftmax"/>: gᵢ − exp(outᵢ)·Σⱼ gⱼ along dim.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the input.</param>
    /// <param name="input">The input of the forward call.</param>
    /// <param name="dim">The dimension of the forward call.</param>
    /// <returns>d(Σ output·gradOutput)/d input.</returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    public static Tensor LogSoftmaxBackward(Tensor gradOutput, Tensor input, int dim)
    {
        ArgumentNullException.ThrowIfNull(input);
        int d = WrapDim(dim, input.Dim);
        return input.DType switch
        {
            DType.Float32 => LogSoftmaxBackwardTyped<float>(gradOutput, input, d),
            DType.Float64 => LogSoftmaxBackwardTyped<double>(gradOutput, input, d),
            _ => throw IntegerGrad(),
        };
    }

    private static Tensor LogSoftmaxBackwardTyped<T>(Tensor gradOutput, Tensor input, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] g = GradValues<T>(gradOutput, input.Shape);
        T[] output = LogSoftmaxCore(input.ToArray<T>(), input.Shape, dim);
        return Make(LogSoftmaxBackwardCore(g, output, input.Shape, dim), input.Shape);
    }

    private static bool IsLastDim(int rank, int dim) => rank == 0 || dim == rank - 1;

    /// <summary>Splits a shape around dim into (outer, size, inner).</summary>
    internal static (int Outer, int Size, int Inner) SplitAt(ReadOnlySpan<int> shape, int dim)
    {
        if (shape.Length == 0)
        {
            return (1, 1, 1);
        }
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++)
        {
            outer *= shape[i];
        }
        for (int i = dim + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }
        return (outer, shape[dim], inner);
    }

    /// <summary>log_softmax along dim of a contiguous array (dim already wrapped).</summary>
    internal static T[] LogSoftmaxCore<T>(T[] x, ReadOnlySpan<int> shape, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var output = new T[x.Length];
        if (x.Length == 0)
        {
            return output;
        }
        var (outer, size, inner) = SplitAt(shape, dim);
        if (IsLastDim(shape.Length, dim))
        {
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<T> row = x.AsSpan(o * size, size);
                T max = VecReduce.MaxPropagateNaN(row);
                T logSum = VecReduce.VecLog(VecReduce.MapSum(row, new VecReduce.ExpShift<T>(max)));
                for (int c = 0; c < size; c++)
                {
                    output[(o * size) + c] = row[c] - max - logSum;
                }
            }
            return output;
        }
        for (int o = 0; o < outer; o++)
        {
            int b = o * size * inner;
            for (int j = 0; j < inner; j++)
            {
                T max = T.NegativeInfinity;
                for (int c = 0; c < size; c++)
                {
                    T v = x[b + (c * inner) + j];
                    max = v > max ? v : max;
                }
                T sum = T.Zero;
                for (int c = 0; c < size; c++)
                {
                    sum += VecReduce.BlockExp(x[b + (c * inner) + j] - max, j, inner, VecReduce.Lanes<T>());
                }
                T logSum = VecReduce.VecLog(sum);
                for (int c = 0; c < size; c++)
                {
                    int k = b + (c * inner) + j;
                    output[k] = x[k] - max - logSum;
                }
            }
        }
        return output;
    }

    /// <summary>g − exp(out)·Σg along dim.</summary>
    internal static T[] LogSoftmaxBackwardCore<T>(T[] g, T[] output, ReadOnlySpan<int> shape, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gi = new T[g.Length];
        if (g.Length == 0)
        {
            return gi;
        }
        var (outer, size, inner) = SplitAt(shape, dim);
        if (IsLastDim(shape.Length, dim))
        {
            for (int o = 0; o < outer; o++)
            {
                T sum = VecReduce.MapSum(g.AsSpan(o * size, size), default(VecReduce.Identity<T>));
                for (int c = 0; c < size; c++)
                {
                    int k = (o * size) + c;
                    gi[k] = VecReduce.FusedNegMulAdd(VecReduce.VecExp(output[k]), sum, g[k]);
                }
            }
            return gi;
        }
        for (int o = 0; o < outer; o++)
        {
            int b = o * size * inner;
            for (int j = 0; j < inner; j++)
            {
                T sum = T.Zero;
                for (int c = 0; c < size; c++)
                {
                    sum += g[b + (c * inner) + j];
                }
                for (int c = 0; c < size; c++)
                {
                    int k = b + (c * inner) + j;
                    gi[k] = VecReduce.FusedNegMulAdd(VecReduce.BlockExp(output[k], j, inner, VecReduce.Lanes<T>()), sum, g[k]);
                }
            }
        }
        return gi;
    }
}
