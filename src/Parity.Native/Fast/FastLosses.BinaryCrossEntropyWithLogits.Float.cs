using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Parity.Native.Fast;

public static partial class FastLosses
{
    /// <summary>
    /// The float32 block of <c>binary_cross_entropy_with_logits</c>: one vector loop over the elements, no scratch passes.
    /// exp(−|x|) from <see cref="VectorMath.ExpNonPositive4"/>, log1p of it from <see cref="VectorMath.Log1pUnit4"/> (32
    /// elements at a time, four interleaved chains), the loss summed in double lanes in element order; the last elements
    /// go 8 at a time and then as a padded vector whose extra lanes are masked out.
    /// </summary>
    private static unsafe void BceWithLogitsFloatBlock(void* state, int block)
    {
        ref ElementwiseJob<float> job = ref *(ElementwiseJob<float>*)state;
        Span<float> wbuf = stackalloc float[Chunk];
        Span<float> pbuf = stackalloc float[Chunk];
        Span<float> tail = stackalloc float[8 * 5];
        float* gradTail = stackalloc float[8];
        float* staged = stackalloc float[64]; // e and log1p(e) of the four vectors in flight
        int first = block * job.PerBlock;
        int end = Math.Min(job.Length, first + job.PerBlock);
        bool hasW = job.Weight != null, hasP = job.PosWeight != null;
        var scale = Vector256.Create(job.Scale);
        Vector256<float> divisor = job.Divide ? Vector256.Create(job.Divisor) : Vector256<float>.Zero;
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        for (int start = first; start < end; start += Chunk)
        {
            int len = Math.Min(Chunk, end - start);
            float* ww = hasW ? (float*)Unsafe.AsPointer(ref FillBroadcast(job.Weight, job.WeightLength, start, wbuf[..len])[0]) : null;
            float* pp = hasP ? (float*)Unsafe.AsPointer(ref FillBroadcast(job.PosWeight, job.PosWeightLength, start, pbuf[..len])[0]) : null;
            float* xs = job.X + start, ys = job.Y + start;
            float* ls = job.Loss == null ? null : job.Loss + start;
            float* gs = job.Grad == null ? null : job.Grad + start;
            float* go = job.GradOut == null ? null : job.GradOut + start;
            int k = 0;
            for (; k <= len - 32; k += 32)
            {
                // exp(−|x|) and log1p of it for four vectors with their dependency chains interleaved; the rest of
                // each vector's formula is short enough for the core to overlap on its own.
                Vector256<float> e0 = -Vector256.Abs(Vector256.Load(xs + k)), e1 = -Vector256.Abs(Vector256.Load(xs + k + 8));
                Vector256<float> e2 = -Vector256.Abs(Vector256.Load(xs + k + 16)), e3 = -Vector256.Abs(Vector256.Load(xs + k + 24));
                VectorMath.ExpNonPositive4(ref e0, ref e1, ref e2, ref e3);
                Vector256<float> l0 = e0, l1 = e1, l2 = e2, l3 = e3;
                VectorMath.Log1pUnit4(ref l0, ref l1, ref l2, ref l3);
                e0.Store(staged);
                e1.Store(staged + 8);
                e2.Store(staged + 16);
                e3.Store(staged + 24);
                l0.Store(staged + 32);
                l1.Store(staged + 40);
                l2.Store(staged + 48);
                l3.Store(staged + 56);
                for (int q = 0; q < 4; q++)
                {
                    int at = k + (8 * q);
                    Vector256<float> loss = BceWithLogitsVector(
                        Vector256.Load(xs + at), Vector256.Load(ys + at),
                        hasW ? Vector256.Load(ww + at) : Vector256<float>.One, hasW,
                        hasP ? Vector256.Load(pp + at) : Vector256<float>.One, hasP,
                        go != null ? Vector256.Load(go + at) : scale, divisor, gs == null ? null : gs + at,
                        Vector256.Load(staged + (8 * q)), Vector256.Load(staged + 32 + (8 * q)));
                    if (ls != null)
                    {
                        loss.Store(ls + at);
                    }
                    (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(loss);
                    acc0 += lo;
                    acc1 += hi;
                }
            }
            for (; k <= len - 8; k += 8)
            {
                Vector256<float> loss = BceWithLogitsVector(
                    Vector256.Load(xs + k), Vector256.Load(ys + k),
                    hasW ? Vector256.Load(ww + k) : Vector256<float>.One, hasW,
                    hasP ? Vector256.Load(pp + k) : Vector256<float>.One, hasP,
                    go != null ? Vector256.Load(go + k) : scale, divisor, gs == null ? null : gs + k);
                if (ls != null)
                {
                    loss.Store(ls + k);
                }
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(loss);
                acc0 += lo;
                acc1 += hi;
            }
            if (k < len)
            {
                // Padded tail: x = y = 0, w = p = 1, g = 0 in the unused lanes, whose loss is masked to 0.
                int r = len - k;
                tail.Clear();
                Span<float> tx = tail[..8], ty = tail[8..16], tw = tail[16..24], tp = tail[24..32], tg = tail[32..40];
                tw.Fill(1f);
                tp.Fill(1f);
                new ReadOnlySpan<float>(xs + k, r).CopyTo(tx);
                new ReadOnlySpan<float>(ys + k, r).CopyTo(ty);
                if (hasW)
                {
                    new ReadOnlySpan<float>(ww + k, r).CopyTo(tw);
                }
                if (hasP)
                {
                    new ReadOnlySpan<float>(pp + k, r).CopyTo(tp);
                }
                Vector256<float> gv = scale;
                if (go != null)
                {
                    new ReadOnlySpan<float>(go + k, r).CopyTo(tg);
                    gv = Vector256.Create((ReadOnlySpan<float>)tg);
                }
                Vector256<float> loss = BceWithLogitsVector(
                    Vector256.Create((ReadOnlySpan<float>)tx), Vector256.Create((ReadOnlySpan<float>)ty),
                    Vector256.Create((ReadOnlySpan<float>)tw), hasW, Vector256.Create((ReadOnlySpan<float>)tp), hasP,
                    gv, divisor, gs == null ? null : gradTail);
                Vector256<float> lanes = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(r)).AsSingle();
                loss &= lanes;
                loss.CopyTo(tx);
                if (ls != null)
                {
                    tx[..r].CopyTo(new Span<float>(ls + k, r));
                }
                if (gs != null)
                {
                    new ReadOnlySpan<float>(gradTail, r).CopyTo(new Span<float>(gs + k, r));
                }
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(loss);
                acc0 += lo;
                acc1 += hi;
            }
        }
        job.Partials[block] = Vector256.Sum(acc0 + acc1);
    }

    /// <summary>Loss of 8 elements; writes the gradient to <paramref name="grad"/> when it is not null, divided by <paramref name="divisor"/> unless it is zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> BceWithLogitsVector(
        Vector256<float> x, Vector256<float> y, Vector256<float> w, bool hasW, Vector256<float> p, bool hasP,
        Vector256<float> g, Vector256<float> divisor, float* grad)
    {
        Vector256<float> e = VectorMath.ExpNonPositive(-Vector256.Abs(x));
        return BceWithLogitsVector(x, y, w, hasW, p, hasP, g, divisor, grad, e, VectorMath.Log1pUnit(e));
    }

    /// <summary>
    /// <see cref="BceWithLogitsVector(Vector256{float}, Vector256{float}, Vector256{float}, bool, Vector256{float}, bool, Vector256{float}, Vector256{float}, float*)"/>
    /// given e = exp(−|x|) and log1p(e).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> BceWithLogitsVector(
        Vector256<float> x, Vector256<float> y, Vector256<float> w, bool hasW, Vector256<float> p, bool hasP,
        Vector256<float> g, Vector256<float> divisor, float* grad, Vector256<float> e, Vector256<float> log1pE)
    {
        var one = Vector256<float>.One;
        Vector256<float> logSigmoid = Vector256.Min(x, Vector256<float>.Zero) - log1pE;
        if (hasP)
        {
            logSigmoid *= ((p - one) * y) + one;
        }
        Vector256<float> loss = ((one - y) * x) - logSigmoid;
        if (hasW)
        {
            loss *= w;
        }
        if (grad != null)
        {
            Vector256<float> sigma = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), one, e) / (one + e);
            // libtorch's sigmoid is 1/(1 + exp(−x)): 0 once exp(−x) overflows, where exp(x) < 1/float.MaxValue.
            sigma = Vector256.AndNot(sigma, Vector256.LessThan(e, Vector256.Create(1f / float.MaxValue)) & Vector256.LessThan(x, Vector256<float>.Zero));
            Vector256<float> gv;
            if (hasP)
            {
                Vector256<float> t = p * y;
                gv = (((t + one) - y) * sigma) - t;
            }
            else
            {
                gv = sigma - y;
            }
            gv *= g;
            if (hasW)
            {
                gv *= w;
            }
            if (divisor != Vector256<float>.Zero)
            {
                gv /= divisor;
            }
            gv.Store(grad);
        }
        return loss;
    }
}
