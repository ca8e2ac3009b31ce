using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Parity.Native.Fast;

public static partial class FastLosses
{
    /// <summary>
    /// <c>torch.nn.functional.binary_cross_entropy_with_logits(input, target, weight, reduction=reduction, pos_weight=posWeight)</c>:
    /// the loss only.
    /// </summary>
    /// <param name="input">Logits x, any shape flattened row-major.</param>
    /// <param name="target">Targets y, same length as <paramref name="input"/> (not range-checked, as in PyTorch).</param>
    /// <param name="weight">Empty, the same length as the input, or a length dividing it (broadcast over the trailing dimension).</param>
    /// <param name="posWeight">Empty, or weights of the positive class broadcast over the trailing dimension like <paramref name="weight"/>.</param>
    /// <param name="reduction">Mean (Σ/numel), sum or none.</param>
    /// <param name="lossOut">For <see cref="Reduction.None"/>: receives the element losses. Otherwise ignored.</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The result does not depend on it.</param>
    /// <returns>The reduced loss; zero for <see cref="Reduction.None"/>.</returns>
    /// <exception cref="TorchException">The target length differs from the input's (PyTorch's <c>Target size (…) must be the same as input size (…)</c>, with flat sizes).</exception>
    /// <exception cref="ArgumentException">A weight length does not divide the input length, or an output span has the wrong length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>See <see cref="BinaryCrossEntropyWithLogitsForwardBackward{T}"/> for the formula.</remarks>
    public static T BinaryCrossEntropyWithLogits<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> weight = default, ReadOnlySpan<T> posWeight = default,
        Reduction reduction = Reduction.Mean, Span<T> lossOut = default, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        BceWithLogitsCore(input, target, weight, posWeight, reduction, lossOut, default, default, threads, withGrad: false);

    /// <summary>
    /// <c>binary_cross_entropy_with_logits</c> forward and its gradient with respect to the logits, in one pass.
    /// </summary>
    /// <param name="input">Logits x, any shape flattened row-major.</param>
    /// <param name="target">Targets y, same length as <paramref name="input"/>.</param>
    /// <param name="gradInput">Receives ∂loss/∂x, same length as the input.</param>
    /// <param name="weight">Empty, the same length as the input, or a length dividing it (broadcast over the trailing dimension).</param>
    /// <param name="posWeight">Empty, or positive-class weights broadcast over the trailing dimension.</param>
    /// <param name="reduction">Mean (Σ/numel), sum or none.</param>
    /// <param name="gradOutput">Upstream gradient: empty means 1; one element for mean/sum; numel elements (or empty) for none.</param>
    /// <param name="lossOut">For <see cref="Reduction.None"/>: receives the element losses. Otherwise ignored.</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The result does not depend on it.</param>
    /// <returns>The reduced loss; zero for <see cref="Reduction.None"/>.</returns>
    /// <exception cref="TorchException">The target length differs from the input's.</exception>
    /// <exception cref="ArgumentException">A weight length does not divide the input length, or an output span has the wrong length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>
    /// <para>With log σ(x) = min(x, 0) − log1p(exp(−|x|)) (no overflow for any x) and, when a positive weight p is given,
    /// the factor l = (p − 1)·y + 1: <c>ℓ = w·((1 − y)·x − l·log σ(x))</c>.</para>
    /// <para>Gradient: <c>g·w·(σ(x) − y)</c>, or with p: <c>g·w·((p·y + 1 − y)·σ(x) − p·y)</c>; divided by numel for mean.</para>
    /// <para>log1p(e) is evaluated as log(u) − ((u − 1) − e)/u with u = 1 + e, accurate for small e, and σ(x) reuses e:
    /// 1/u for x ≥ 0, e/u otherwise. The element sum is accumulated in double per fixed block.</para>
    /// </remarks>
    public static T BinaryCrossEntropyWithLogitsForwardBackward<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<T> target, Span<T> gradInput, ReadOnlySpan<T> weight = default,
        ReadOnlySpan<T> posWeight = default, Reduction reduction = Reduction.Mean, ReadOnlySpan<T> gradOutput = default,
        Span<T> lossOut = default, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        BceWithLogitsCore(input, target, weight, posWeight, reduction, lossOut, gradInput, gradOutput, threads, withGrad: true);

    private static unsafe T BceWithLogitsCore<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> weight, ReadOnlySpan<T> posWeight,
        Reduction reduction, Span<T> lossOut, Span<T> gradInput, ReadOnlySpan<T> gradOutput, int threads, bool withGrad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireFloatingType<T>();
        threads = ResolveThreads(threads);
        if (target.Length != input.Length)
        {
            throw new TorchException(
                TorchErrorKind.ValueError, $"Target size ([{target.Length}]) must be the same as input size ([{input.Length}])");
        }
        ValidateBroadcastWeight(weight.Length, input.Length, nameof(weight));
        ValidateBroadcastWeight(posWeight.Length, input.Length, nameof(posWeight));
        ValidateElementwiseOutputs(input.Length, reduction, lossOut.Length, withGrad, gradInput.Length, gradOutput.Length);

        return RunElementwiseKernel(input, target, weight, posWeight, reduction, lossOut, gradInput, gradOutput, threads, withGrad,
            typeof(T) == typeof(float) ? &BceWithLogitsFloatBlock : &BceWithLogitsBlock<T>, out _);
    }

    private static unsafe void BceWithLogitsBlock<T>(void* state, int block)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref ElementwiseJob<T> job = ref *(ElementwiseJob<T>*)state;
        Span<T> e = stackalloc T[Chunk];
        Span<T> lu = stackalloc T[Chunk];
        Span<T> wbuf = stackalloc T[Chunk];
        Span<T> pbuf = stackalloc T[Chunk];
        Span<T> lbuf = stackalloc T[Chunk];
        double partial = 0;
        int first = block * job.PerBlock;
        int end = Math.Min(job.Length, first + job.PerBlock);
        int vc = Vector256<T>.Count;
        var one = Vector256<T>.One;
        for (int start = first; start < end; start += Chunk)
        {
            int len = Math.Min(Chunk, end - start);
            var xs = new ReadOnlySpan<T>(job.X + start, len);
            Span<T> ee = e[..len], ll = lu[..len];
            if (typeof(T) == typeof(float))
            {
                VectorMath.ExpNegativeAbs(MemoryMarshal.Cast<T, float>(xs), MemoryMarshal.Cast<T, float>(ee));
                VectorMath.LogOnePlus(MemoryMarshal.Cast<T, float>(ee), MemoryMarshal.Cast<T, float>(ll));
            }
            else
            {
                TensorPrimitives.Abs(xs, ee);
                TensorPrimitives.Negate(ee, ee);
                TensorPrimitives.Exp(ee, ee);
                TensorPrimitives.Add(ee, T.One, ll);
                TensorPrimitives.Log(ll, ll);
            }
            Span<T> ww = job.Weight == null ? default : FillBroadcast(job.Weight, job.WeightLength, start, wbuf[..len]);
            Span<T> pp = job.PosWeight == null ? default : FillBroadcast(job.PosWeight, job.PosWeightLength, start, pbuf[..len]);
            Span<T> loss = job.Loss != null ? new Span<T>(job.Loss + start, len) : lbuf[..len];
            Span<T> grad = job.Grad != null ? new Span<T>(job.Grad + start, len) : default;
            ReadOnlySpan<T> go = job.GradOut != null ? new ReadOnlySpan<T>(job.GradOut + start, len) : default;
            var scale = Vector256.Create(job.Scale);
            var divisor = Vector256.Create(job.Divisor);
            var tiny = Vector256.Create(SigmoidUnderflow<T>());

            int k = 0;
            for (; k <= len - vc; k += vc)
            {
                Vector256<T> x = Vector256.Create(xs.Slice(k, vc));
                Vector256<T> y = Vector256.Create(new ReadOnlySpan<T>(job.Y + start + k, vc));
                Vector256<T> ev = Vector256.Create(ee.Slice(k, vc));
                Vector256<T> u = one + ev;
                Vector256<T> log1p = Vector256.Create(ll.Slice(k, vc)) - ((u - one) - ev) / u;
                Vector256<T> logSigmoid = Vector256.Min(x, Vector256<T>.Zero) - log1p;
                Vector256<T> pv = default;
                if (!pp.IsEmpty)
                {
                    pv = Vector256.Create(pp.Slice(k, vc));
                    logSigmoid *= (pv - one) * y + one;
                }
                Vector256<T> l = (one - y) * x - logSigmoid;
                Vector256<T> wv = ww.IsEmpty ? one : Vector256.Create(ww.Slice(k, vc));
                if (!ww.IsEmpty)
                {
                    l *= wv;
                }
                l.CopyTo(loss.Slice(k, vc));
                if (!grad.IsEmpty)
                {
                    Vector256<T> sigma = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<T>.Zero), one, ev) / u;
                    // libtorch's sigmoid is 1/(1 + exp(−x)): 0 once exp(−x) overflows, where exp(x) < 1/MaxValue.
                    sigma = Vector256.AndNot(sigma, Vector256.LessThan(ev, tiny) & Vector256.LessThan(x, Vector256<T>.Zero));
                    Vector256<T> gv;
                    if (pp.IsEmpty)
                    {
                        gv = sigma - y;
                    }
                    else
                    {
                        Vector256<T> t = pv * y;
                        gv = ((t + one) - y) * sigma - t;
                    }
                    gv *= go.IsEmpty ? scale : Vector256.Create(go.Slice(k, vc));
                    if (!ww.IsEmpty)
                    {
                        gv *= wv;
                    }
                    if (job.Divide)
                    {
                        gv /= divisor;
                    }
                    gv.CopyTo(grad.Slice(k, vc));
                }
            }
            for (; k < len; k++)
            {
                T x = xs[k], y = job.Y[start + k], ev = ee[k];
                T u = T.One + ev;
                T logSigmoid = T.Min(x, T.Zero) - (ll[k] - ((u - T.One) - ev) / u);
                T pv = pp.IsEmpty ? T.One : pp[k];
                if (!pp.IsEmpty)
                {
                    logSigmoid *= (pv - T.One) * y + T.One;
                }
                T l = (T.One - y) * x - logSigmoid;
                T wv = ww.IsEmpty ? T.One : ww[k];
                if (!ww.IsEmpty)
                {
                    l *= wv;
                }
                loss[k] = l;
                if (!grad.IsEmpty)
                {
                    T sigma = x < T.Zero && ev < SigmoidUnderflow<T>() ? T.Zero : (x >= T.Zero ? T.One : ev) / u;
                    T t = pv * y;
                    T gv = pp.IsEmpty ? sigma - y : ((t + T.One) - y) * sigma - t;
                    gv *= go.IsEmpty ? job.Scale : go[k];
                    if (!ww.IsEmpty)
                    {
                        gv *= wv;
                    }
                    if (job.Divide)
                    {
                        gv /= job.Divisor;
                    }
                    grad[k] = gv;
                }
            }
            partial += SumToDouble<T>(loss);
        }
        job.Partials[block] = partial;
    }

    /// <summary>1/MaxValue of <typeparamref name="T"/>: below it, exp(x) = e means exp(−x) overflows and libtorch's sigmoid is 0.</summary>
    private static T SigmoidUnderflow<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(typeof(T) == typeof(float) ? 1.0 / float.MaxValue : 1.0 / double.MaxValue);
}
