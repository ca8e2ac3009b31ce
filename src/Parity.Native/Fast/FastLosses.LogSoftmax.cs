using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Parity.Native.Fast;

public static partial class FastLosses
{
    /// <summary><c>torch.log_softmax(input, dim=1)</c> over input laid out as <c>(n, c, inner)</c> (dim 1 is the class dimension).</summary>
    /// <param name="input">Input, shape <c>(n, c, inner)</c> flattened row-major.</param>
    /// <param name="n">Outer size (product of the dimensions before the softmax dimension).</param>
    /// <param name="c">Size of the softmax dimension.</param>
    /// <param name="output">Receives the result, same length as the input; may not overlap it.</param>
    /// <param name="inner">Product of the dimensions after the softmax dimension; 1 for the last dimension.</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The output does not depend on it.</param>
    /// <exception cref="ArgumentException">A span has the wrong length for <c>(n, c, inner)</c>. Any of the three may be 0
    /// (an empty tensor, as libtorch allows): then there is nothing to write.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>
    /// <c>out = (x − m) − log Σ exp(x − m)</c> with m the maximum over the softmax dimension. For the last dimension the
    /// exponential sum runs in vector lanes (float lanes for float, then added in double; double chunks for double);
    /// across an inner dimension it runs in the element type over the classes in order, as libtorch does.
    /// </remarks>
    public static unsafe void LogSoftmax<T>(ReadOnlySpan<T> input, int n, int c, Span<T> output, int inner = 1, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireFloatingType<T>();
        threads = ResolveThreads(threads);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        ArgumentOutOfRangeException.ThrowIfNegative(inner);
        RequireLength(input.Length, (long)n * c * inner, nameof(input));
        RequireLength(output.Length, input.Length, nameof(output));
        if (input.IsEmpty)
        {
            return;
        }

        long units = inner == 1 ? n : (long)n * ((inner + InnerChunk - 1) / InnerChunk);
        long unitElements = inner == 1 ? c : (long)c * Math.Min(inner, InnerChunk);
        int perBlock = UnitsPerBlock(units, unitElements);
        int blocks = BlockCount(units, perBlock);
        fixed (T* x = input)
        fixed (T* o = output)
        {
            var job = new ClassJob<T> { X = x, Grad = o, C = c, Inner = inner, N = n, UnitsPerBlock = perBlock, Units = units };
            BlockPool.Run(blocks, threads, &LogSoftmaxBlock<T>, &job);
        }
    }

    private static unsafe void LogSoftmaxBlock<T>(void* state, int block)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref ClassJob<T> job = ref *(ClassJob<T>*)state;
        int c = job.C;
        int inner = job.Inner;
        long first = (long)block * job.UnitsPerBlock;
        long last = Math.Min(job.Units, first + job.UnitsPerBlock);
        Span<T> scratch = stackalloc T[Chunk];
        if (inner == 1)
        {
            for (long i = first; i < last; i++)
            {
                var row = new ReadOnlySpan<T>(job.X + i * c, c);
                var outRow = new Span<T>(job.Grad + i * c, c);
                T m = RowMax(row);
                double s = ShiftedExpSum(row, m, scratch, i + 1 < last ? job.X + ((i + 1) * c) : null);
                SubtractTwo(row, m, T.CreateTruncating(Math.Log(s)), outRow);
            }
            return;
        }

        int chunks = (inner + InnerChunk - 1) / InnerChunk;
        // A float output of at least StreamingStoreBytes is written around the cache (see StreamingStoreBytes).
        bool streaming = typeof(T) == typeof(float) && Sse.IsSupported && (long)job.N * c * inner * sizeof(float) >= StreamingStoreBytes;
        Span<T> m2 = stackalloc T[InnerChunk];
        Span<T> s2 = stackalloc T[InnerChunk];
        for (long u = first; u < last; u++)
        {
            long b = u / chunks;
            int j0 = (int)(u % chunks) * InnerChunk;
            int len = Math.Min(InnerChunk, inner - j0);
            T* xs = job.X + b * c * inner + j0;
            T* os = job.Grad + b * c * inner + j0;
            Span<T> mm = m2[..len], ss = s2[..len], tt = scratch[..len];
            T* next = UnitStart(job.X, u + 1, last, c, inner);
            new ReadOnlySpan<T>(xs, len).CopyTo(mm);
            for (int k = 1; k < c; k++)
            {
                MaxInto(mm, new ReadOnlySpan<T>(xs + (long)k * inner, len));
            }
            ss.Clear();
            for (int k = 0; k < c; k++)
            {
                PrefetchSegment(next, k, inner);
                var xk = new ReadOnlySpan<T>(xs + (long)k * inner, len);
                if (typeof(T) == typeof(float))
                {
                    VectorMath.ShiftedExpAccumulate(
                        MemoryMarshal.Cast<T, float>(xk), MemoryMarshal.Cast<T, float>(mm), MemoryMarshal.Cast<T, float>(tt), MemoryMarshal.Cast<T, float>(ss));
                }
                else
                {
                    TensorPrimitives.Subtract(xk, mm, tt);
                    TensorPrimitives.Exp(tt, tt);
                    TensorPrimitives.Add(ss, tt, ss);
                }
            }
            TensorPrimitives.Log(ss, ss);
            for (int k = 0; k < c; k++)
            {
                if (streaming)
                {
                    fixed (T* mp = mm)
                    fixed (T* sp = ss)
                    {
                        SubtractTwoIntoStreaming((float*)(xs + ((long)k * inner)), (float*)mp, (float*)sp, (float*)(os + ((long)k * inner)), len);
                    }
                }
                else
                {
                    SubtractTwoInto(new ReadOnlySpan<T>(xs + (long)k * inner, len), mm, ss, new Span<T>(os + (long)k * inner, len));
                }
            }
        }
        if (streaming)
        {
            Sse.StoreFence();
        }
    }

    /// <summary>Sum of <paramref name="values"/> (PyTorch's <c>reduction='sum'</c>), deterministic for any thread count.</summary>
    /// <param name="values">The values.</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The result does not depend on it.</param>
    /// <returns>Σ values, accumulated in double per fixed block, blocks combined in order, rounded once to <typeparamref name="T"/>.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static T Sum<T>(ReadOnlySpan<T> values, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(DeterministicSum(values, threads));

    /// <summary>Mean of <paramref name="values"/> (PyTorch's <c>reduction='mean'</c>): <see cref="Sum{T}"/> / length; NaN when empty.</summary>
    /// <param name="values">The values.</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The result does not depend on it.</param>
    /// <returns>The mean, divided in double and rounded once to <typeparamref name="T"/>.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static T Mean<T>(ReadOnlySpan<T> values, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MeanOf<T>(DeterministicSum(values, threads), values.Length);

    /// <summary>Σ values in double: per fixed block (independent of the thread count), blocks combined in order.</summary>
    private static unsafe double DeterministicSum<T>(ReadOnlySpan<T> values, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireFloatingType<T>();
        threads = ResolveThreads(threads);
        var layout = ElementwiseLayout.For(values.Length);
        Span<double> partials = stackalloc double[Math.Max(1, layout.Blocks)];
        partials.Clear();
        fixed (T* x = values)
        fixed (double* p = partials)
        {
            var job = new ElementwiseJob<T> { X = x, Partials = p, Length = values.Length, PerBlock = layout.PerBlock };
            BlockPool.Run(layout.Blocks, threads, &SumBlock<T>, &job);
        }
        return CombineInOrder(partials[..layout.Blocks]);
    }

    private static unsafe void SumBlock<T>(void* state, int block)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref ElementwiseJob<T> job = ref *(ElementwiseJob<T>*)state;
        int first = block * job.PerBlock;
        int end = Math.Min(job.Length, first + job.PerBlock);
        job.Partials[block] = SumToDouble<T>(new ReadOnlySpan<T>(job.X + first, end - first));
    }

    /// <summary>out = (x − a) − b, element-wise, in that order of operations.</summary>
    private static void SubtractTwo<T>(ReadOnlySpan<T> x, T a, T b, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T or = ref MemoryMarshal.GetReference(output);
        var av = Vector256.Create(a);
        var bv = Vector256.Create(b);
        int j = 0;
        for (; j <= x.Length - vc; j += vc)
        {
            ((Vector256.LoadUnsafe(ref xr, (nuint)j) - av) - bv).StoreUnsafe(ref or, (nuint)j);
        }
        for (; j < x.Length; j++)
        {
            output[j] = (x[j] - a) - b;
        }
    }
}
