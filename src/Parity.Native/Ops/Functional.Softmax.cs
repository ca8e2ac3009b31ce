using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary><c>torch.softmax(input, dim)</c>: exp(x) / Σ exp(x) along <paramref name="dim"/>.</summary>
    /// <param name="input">float32 or float64, any shape.</param>
    /// <param name="dim">The dimension to normalise; negative values count from the end.</param>
    /// <returns>A tensor of the input's shape whose slices along dim sum to 1.</returns>
    /// <exception cref="TorchException">dim is out of range (IndexError), or the input is an integer tensor (NotImplementedError).</exception>
    /// <remarks>
    /// <para>eᵢ = exp(xᵢ − m) with m the maximum of the slice, then out = eᵢ · (1 / Σe). The shift by the per-slice
    /// maximum keeps every exp ≤ 1, so large logits do not overflow.</para>
    /// <para>The sum follows libtorch's lane order on the last dimension and is sequential otherwise.</para>
    /// </remarks>
    public static Tensor Softmax(Tensor input, int dim)
    {
        ArgumentNullException.ThrowIfNull(input);
        int d = WrapDim(dim, input.Dim);
        return input.DType switch
        {
            DType.Float32 => Make(SoftmaxCore(input.ToArray<float>(), input.Shape, d), input.Shape),
            DType.Float64 => Make(SoftmaxCore(input.ToArray<double>(), input.Shape, d), input.Shape),
            _ => throw NotImplemented(IsLastDim(input.Dim, d) ? "softmax_lastdim_kernel_impl" : "softmax_kernel_impl", input.DType),
        };
    }

    /// <summary>The gradient of <see cref="Softmax"/>: yᵢ·(gᵢ − Σⱼ gⱼyⱼ) along dim.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the input.</param>
    /// <param name="input">The input of the forward call.</param>
    /// <param name="dim">The dimension of the forward call.</param>
    /// <returns>d(Σ output·gradOutput)/d input.</returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    public static Tensor SoftmaxBackward(Tensor gradOutput, Tensor input, int dim)
    {
        ArgumentNullException.ThrowIfNull(input);
        int d = WrapDim(dim, input.Dim);
        return input.DType switch
        {
            DType.Float32 => SoftmaxBackwardTyped<float>(gradOutput, input, d),
            DType.Float64 => SoftmaxBackwardTyped<double>(gradOutput, input, d),
            _ => throw IntegerGrad(),
        };
    }

    private static Tensor SoftmaxBackwardTyped<T>(Tensor gradOutput, Tensor input, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] g = GradValues<T>(gradOutput, input.Shape);
        T[] y = SoftmaxCore(input.ToArray<T>(), input.Shape, dim);
        var gi = new T[g.Length];
        if (g.Length == 0)
        {
            return Make(gi, input.Shape);
        }
        var (outer, size, inner) = SplitAt(input.Shape, dim);
        bool last = IsLastDim(input.Dim, dim);
        for (int o = 0; o < outer; o++)
        {
            int b = o * size * inner;
            for (int j = 0; j < inner; j++)
            {
                T sum;
                if (last)
                {
                    sum = VecReduce.DotSum<T>(g.AsSpan(b, size), y.AsSpan(b, size));
                }
                else
                {
                    // Σ g·y down the classes, each product fused into the running sum as libtorch's build contracts it.
                    sum = T.Zero;
                    for (int c = 0; c < size; c++)
                    {
                        int k = b + (c * inner) + j;
                        sum = VecReduce.ButterflyFold ? T.FusedMultiplyAdd(g[k], y[k], sum) : sum + (g[k] * y[k]);
                    }
                }
                for (int c = 0; c < size; c++)
                {
                    int k = b + (c * inner) + j;
                    gi[k] = (g[k] - sum) * y[k];
                }
            }
        }
        return Make(gi, input.Shape);
    }

    /// <summary>softmax along dim of a contiguous array (dim already wrapped).</summary>
    internal static T[] SoftmaxCore<T>(T[] x, ReadOnlySpan<int> shape, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var output = new T[x.Length];
        if (x.Length == 0)
        {
            return output;
        }
        var (outer, size, inner) = SplitAt(shape, dim);
        bool last = IsLastDim(shape.Length, dim);
        var e = new T[size];
        for (int o = 0; o < outer; o++)
        {
            int b = o * size * inner;
            for (int j = 0; j < inner; j++)
            {
                T max;
                if (last)
                {
                    max = VecReduce.MaxPropagateNaN<T>(x.AsSpan(b, size));
                }
                else
                {
                    max = T.NegativeInfinity;
                    for (int c = 0; c < size; c++)
                    {
                        T v = x[b + (c * inner) + j];
                        max = v > max ? v : max;
                    }
                }
                for (int c = 0; c < size; c++)
                {
                    e[c] = last
                        ? VecReduce.VecExp(x[b + (c * inner) + j] - max)
                        : VecReduce.BlockExp(x[b + (c * inner) + j] - max, j, inner, VecReduce.Lanes<T>());
                }
                T sum;
                if (last)
                {
                    sum = VecReduce.MapSum<T, VecReduce.Identity<T>>(e, default);
                }
                else
                {
                    sum = T.Zero;
                    foreach (T v in e)
                    {
                        sum += v;
                    }
                }
                // The last-dim kernel multiplies by 1/Σ; the strided kernel divides by Σ.
                T inv = T.One / sum;
                for (int c = 0; c < size; c++)
                {
                    output[b + (c * inner) + j] = last ? e[c] * inv : e[c] / sum;
                }
            }
        }
        return output;
    }
}
