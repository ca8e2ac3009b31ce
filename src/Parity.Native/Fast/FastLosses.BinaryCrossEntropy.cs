using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Parity.Native.Fast;

public static partial class FastLosses
{
    /// <summary><c>torch.nn.functional.binary_cross_entropy(input, target, weight, reduction=reduction)</c>: the loss only.</summary>
    /// <param name="input">Probabilities x in [0, 1], any shape flattened row-major.</param>
    /// <param name="target">Targets y in [0, 1], same length as the input.</param>
    /// <param name="weight">Empty, the same length as the input, or a length dividing it (broadcast over the trailing dimension).</param>
    /// <param name="reduction">Mean (Σ/numel), sum or none.</param>
    /// <param name="lossOut">For <see cref="Reduction.None"/>: receives the element losses. Otherwise ignored.</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The result does not depend on it.</param>
    /// <returns>The reduced loss; zero for <see cref="Reduction.None"/>.</returns>
    /// <exception cref="TorchException">An input or target element lies outside [0, 1] or is NaN (PyTorch's texts
    /// <c>all elements of input should be between 0 and 1</c> / <c>… target …</c>, for the first offending element);
    /// or the target length differs from the input's.</exception>
    /// <exception cref="ArgumentException">A weight length does not divide the input length, or an output span has the wrong length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>See <see cref="BinaryCrossEntropyForwardBackward{T}"/> for the formula.</remarks>
    public static T BinaryCrossEntropy<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> weight = default,
        Reduction reduction = Reduction.Mean, Span<T> lossOut = default, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        BceCore(input, target, weight, reduction, lossOut, default, default, threads, withGrad: false);

    /// <summary><c>binary_cross_entropy</c> forward and its gradient with respect to the input, in one pass.</summary>
    /// <param name="input">Probabilities x in [0, 1], any shape flattened row-major.</param>
    /// <param name="target">Targets y in [0, 1], same length as the input.</param>
    /// <param name="gradInput">Receives ∂loss/∂x, same length as the input.</param>
    /// <param name="weight">Empty, the same length as the input, or a length dividing it (broadcast over the trailing dimension).</param>
    /// <param name="reduction">Mean (Σ/numel), sum or none.</param>
    /// <param name="gradOutput">Upstream gradient: empty means 1; one element for mean/sum; numel elements (or empty) for none.</param>
    /// <param name="lossOut">For <see cref="Reduction.None"/>: receives the element losses. Otherwise ignored.</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The result does not depend on it.</param>
    /// <returns>The reduced loss; zero for <see cref="Reduction.None"/>.</returns>
    /// <exception cref="TorchException">An input or target element lies outside [0, 1] or is NaN, or the target length differs.</exception>
    /// <exception cref="ArgumentException">A weight length does not divide the input length, or an output span has the wrong length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>
    /// <para><c>ℓ = w·((y − 1)·max(log1p(−x), −100) − y·max(log x, −100))</c>: PyTorch clamps both logarithms at −100, so
    /// x = 0 or 1 gives a finite loss.</para>
    /// <para>Gradient: <c>g·w·(x − y) / max((1 − x)·x, ε)</c> with PyTorch's ε = 1e-12 (as float, also for double);
    /// divided by numel for mean.</para>
    /// <para>log1p(−x) is log(1 − x) corrected by −((u − 1) + x)/u with u = 1 − x where x &lt; 0.5 (for x ≥ 0.5, 1 − x is
    /// exact). The range check runs in the same pass; on failure the outputs are left partly written.</para>
    /// </remarks>
    public static T BinaryCrossEntropyForwardBackward<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<T> target, Span<T> gradInput, ReadOnlySpan<T> weight = default,
        Reduction reduction = Reduction.Mean, ReadOnlySpan<T> gradOutput = default, Span<T> lossOut = default, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        BceCore(input, target, weight, reduction, lossOut, gradInput, gradOutput, threads, withGrad: true);

    private static unsafe T BceCore<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> weight, Reduction reduction,
        Span<T> lossOut, Span<T> gradInput, ReadOnlySpan<T> gradOutput, int threads, bool withGrad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireFloatingType<T>();
        threads = ResolveThreads(threads);
        if (target.Length != input.Length)
        {
            throw new TorchException(
                TorchErrorKind.ValueError,
                $"Using a target size ([{target.Length}]) that is different to the input size ([{input.Length}]) is deprecated. Please ensure they have the same size.");
        }
        ValidateBroadcastWeight(weight.Length, input.Length, nameof(weight));
        ValidateElementwiseOutputs(input.Length, reduction, lossOut.Length, withGrad, gradInput.Length, gradOutput.Length);

        T result = RunElementwiseKernel(input, target, weight, default, reduction, lossOut, gradInput, gradOutput, threads, withGrad,
            &BceBlock<T>, out long firstBad);
        if (firstBad != long.MaxValue)
        {
            // code = 2·index + (0 for input, 1 for target): the first offender in element order, input checked first.
            throw new TorchException(
                (firstBad & 1) == 0 ? "all elements of input should be between 0 and 1" : "all elements of target should be between 0 and 1");
        }
        return result;
    }

    private static unsafe void BceBlock<T>(void* state, int block)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref ElementwiseJob<T> job = ref *(ElementwiseJob<T>*)state;
        Span<T> logX = stackalloc T[Chunk];
        Span<T> log1m = stackalloc T[Chunk];
        Span<T> wbuf = stackalloc T[Chunk];
        Span<T> lbuf = stackalloc T[Chunk];
        double partial = 0;
        int first = block * job.PerBlock;
        int end = Math.Min(job.Length, first + job.PerBlock);
        int vc = Vector256<T>.Count;
        var one = Vector256<T>.One;
        var half = Vector256.Create(T.CreateTruncating(0.5));
        var floor = Vector256.Create(T.CreateTruncating(-100.0));
        T epsilon = T.CreateTruncating(1e-12f);
        var eps = Vector256.Create(epsilon);
        for (int start = first; start < end; start += Chunk)
        {
            int len = Math.Min(Chunk, end - start);
            var xs = new ReadOnlySpan<T>(job.X + start, len);
            var ys = new ReadOnlySpan<T>(job.Y + start, len);
            if (!InUnitInterval(xs) || !InUnitInterval(ys))
            {
                for (int k = 0; k < len; k++)
                {
                    if (!(xs[k] >= T.Zero && xs[k] <= T.One))
                    {
                        job.FirstBad[block] = 2L * (start + k);
                        return;
                    }
                    if (!(ys[k] >= T.Zero && ys[k] <= T.One))
                    {
                        job.FirstBad[block] = 2L * (start + k) + 1;
                        return;
                    }
                }
            }
            Span<T> lx = logX[..len], l1 = log1m[..len];
            if (typeof(T) == typeof(float))
            {
                VectorMath.Log(MemoryMarshal.Cast<T, float>(xs), MemoryMarshal.Cast<T, float>(lx));
                VectorMath.LogOneMinus(MemoryMarshal.Cast<T, float>(xs), MemoryMarshal.Cast<T, float>(l1));
            }
            else
            {
                TensorPrimitives.Log(xs, lx);
                TensorPrimitives.Subtract(T.One, xs, l1);
                TensorPrimitives.Log(l1, l1);
            }
            Span<T> ww = job.Weight == null ? default : FillBroadcast(job.Weight, job.WeightLength, start, wbuf[..len]);
            Span<T> loss = job.Loss != null ? new Span<T>(job.Loss + start, len) : lbuf[..len];
            Span<T> grad = job.Grad != null ? new Span<T>(job.Grad + start, len) : default;
            ReadOnlySpan<T> go = job.GradOut != null ? new ReadOnlySpan<T>(job.GradOut + start, len) : default;
            var scale = Vector256.Create(job.Scale);
            var divisor = Vector256.Create(job.Divisor);

            int k2 = 0;
            for (; k2 <= len - vc; k2 += vc)
            {
                Vector256<T> x = Vector256.Create(xs.Slice(k2, vc));
                Vector256<T> y = Vector256.Create(ys.Slice(k2, vc));
                Vector256<T> u = one - x;
                Vector256<T> lu = Vector256.Create(l1.Slice(k2, vc));
                Vector256<T> log1mx = Vector256.ConditionalSelect(Vector256.LessThan(x, half), lu - ((u - one) + x) / u, lu);
                Vector256<T> l = (y - one) * Vector256.Max(log1mx, floor) - y * Vector256.Max(Vector256.Create(lx.Slice(k2, vc)), floor);
                Vector256<T> wv = ww.IsEmpty ? one : Vector256.Create(ww.Slice(k2, vc));
                if (!ww.IsEmpty)
                {
                    l *= wv;
                }
                l.CopyTo(loss.Slice(k2, vc));
                if (!grad.IsEmpty)
                {
                    Vector256<T> gv = (x - y) / Vector256.Max(u * x, eps);
                    gv *= go.IsEmpty ? scale : Vector256.Create(go.Slice(k2, vc));
                    if (!ww.IsEmpty)
                    {
                        gv *= wv;
                    }
                    if (job.Divide)
                    {
                        gv /= divisor;
                    }
                    gv.CopyTo(grad.Slice(k2, vc));
                }
            }
            for (; k2 < len; k2++)
            {
                T x = xs[k2], y = ys[k2];
                T u = T.One - x;
                T log1mx = x < T.CreateTruncating(0.5) ? l1[k2] - ((u - T.One) + x) / u : l1[k2];
                T l = (y - T.One) * T.Max(log1mx, T.CreateTruncating(-100.0)) - y * T.Max(lx[k2], T.CreateTruncating(-100.0));
                T wv = ww.IsEmpty ? T.One : ww[k2];
                l *= wv;
                loss[k2] = l;
                if (!grad.IsEmpty)
                {
                    T gs = (x - y) / T.Max(u * x, epsilon) * (go.IsEmpty ? job.Scale : go[k2]) * wv;
                    grad[k2] = job.Divide ? gs / job.Divisor : gs;
                }
            }
            partial += SumToDouble<T>(loss);
        }
        job.Partials[block] = partial;
    }

    /// <summary>Whether every element is in [0, 1] (NaN is not).</summary>
    private static bool InUnitInterval<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vc = Vector256<T>.Count;
        var ok = Vector256<T>.AllBitsSet;
        int k = 0;
        for (; k <= values.Length - vc; k += vc)
        {
            Vector256<T> v = Vector256.Create(values.Slice(k, vc));
            ok &= Vector256.GreaterThanOrEqual(v, Vector256<T>.Zero) & Vector256.LessThanOrEqual(v, Vector256<T>.One);
        }
        bool all = ok.AsByte() == Vector256<byte>.AllBitsSet;
        for (; k < values.Length; k++)
        {
            all &= values[k] >= T.Zero && values[k] <= T.One;
        }
        return all;
    }
}
