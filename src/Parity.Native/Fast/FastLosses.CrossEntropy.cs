using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Parity.Native.Fast;

public static partial class FastLosses
{
    /// <summary>Inner positions one K-dimensional work unit covers (they share a stack scratch).</summary>
    internal const int InnerChunk = 256;

    /// <summary>
    /// <c>torch.nn.functional.cross_entropy(input, target, weight, ignore_index=ignoreIndex, reduction=reduction)</c> with
    /// class-index targets: the loss only.
    /// </summary>
    /// <param name="input">Logits, shape <c>(n, c, inner)</c> flattened row-major.</param>
    /// <param name="target">Class indices, <c>n·inner</c> of them, each in <c>[0, c)</c> or equal to <paramref name="ignoreIndex"/>.</param>
    /// <param name="n">Batch size N.</param>
    /// <param name="c">Number of classes C (at least 1).</param>
    /// <param name="inner">Product of the trailing dimensions d1·…·dK; 1 for <c>(N, C)</c> input.</param>
    /// <param name="weight">Empty, or one rescaling weight per class (<c>c</c> elements).</param>
    /// <param name="ignoreIndex">Target value that contributes neither loss nor gradient (PyTorch's default is -100).</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (weighted mean), <see cref="Reduction.Sum"/> or <see cref="Reduction.None"/>.</param>
    /// <param name="lossOut">For <see cref="Reduction.None"/>: receives the <c>n·inner</c> per-sample losses. Otherwise ignored (may be empty).</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The result does not depend on it.</param>
    /// <returns>The reduced loss; zero for <see cref="Reduction.None"/> (the values are in <paramref name="lossOut"/>).</returns>
    /// <exception cref="TorchException">A target is out of bounds (<c>Target 3 is out of bounds.</c>), or the weight has the wrong length.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length for <c>(n, c, inner)</c>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>See <see cref="CrossEntropyForwardBackward{T}"/> for the formula.</remarks>
    public static T CrossEntropy<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<long> target, int n, int c, int inner = 1,
        ReadOnlySpan<T> weight = default, long ignoreIndex = -100, Reduction reduction = Reduction.Mean,
        Span<T> lossOut = default, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        CrossEntropyCore(input, target, n, c, inner, weight, ignoreIndex, reduction, default, lossOut, default, threads, withGrad: false);

    /// <summary>
    /// <c>cross_entropy</c> forward and its gradient with respect to the logits, fused into one pass over the input.
    /// </summary>
    /// <param name="input">Logits, shape <c>(n, c, inner)</c> flattened row-major.</param>
    /// <param name="target">Class indices, <c>n·inner</c> of them, each in <c>[0, c)</c> or equal to <paramref name="ignoreIndex"/>.</param>
    /// <param name="n">Batch size N.</param>
    /// <param name="c">Number of classes C (at least 1).</param>
    /// <param name="gradInput">Receives ∂loss/∂input, same length as <paramref name="input"/>. May not overlap the input.</param>
    /// <param name="inner">Product of the trailing dimensions d1·…·dK; 1 for <c>(N, C)</c> input.</param>
    /// <param name="weight">Empty, or one rescaling weight per class (<c>c</c> elements).</param>
    /// <param name="ignoreIndex">Target value that contributes neither loss nor gradient (PyTorch's default is -100).</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (weighted mean), <see cref="Reduction.Sum"/> or <see cref="Reduction.None"/>.</param>
    /// <param name="gradOutput">Upstream gradient: empty means 1; one element for mean/sum; <c>n·inner</c> elements (or empty) for none.</param>
    /// <param name="lossOut">For <see cref="Reduction.None"/>: receives the per-sample losses. Otherwise ignored.</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The result does not depend on it.</param>
    /// <returns>The reduced loss; zero for <see cref="Reduction.None"/>.</returns>
    /// <exception cref="TorchException">A target is out of bounds (<c>Target 3 is out of bounds.</c>), or the weight has the wrong length.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length for <c>(n, c, inner)</c>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>
    /// <para>Per sample i with target t = yᵢ, using the max shift m = maxⱼ xᵢⱼ for stability:
    /// <c>ℓᵢ = w[t]·(log Σⱼ exp(xᵢⱼ − m) − (xᵢₜ − m))</c>; ignored samples give ℓᵢ = 0.</para>
    /// <para>Reduction: sum = Σℓᵢ; mean = Σℓᵢ / Σ_{i not ignored} w[yᵢ] (the count of non-ignored samples without a
    /// weight; 0/0 = NaN when every sample is ignored); none = ℓ.</para>
    /// <para>Gradient: <c>∂/∂xᵢⱼ = gᵢ·w[t]/W·(softmax(xᵢ)ⱼ − [j = t])</c> with W = the mean's divisor (1 for sum and none)
    /// and gᵢ the upstream gradient; ignored samples get zeros (NaN where the sample's log_softmax is NaN: a NaN, +∞ or
    /// only −∞ among its logits, since libtorch multiplies the zero upstream by exp(log_softmax)); an all-ignored mean
    /// gives zeros, as in PyTorch.</para>
    /// <para>One pass: per row the max, the shifted exponentials (written straight into <paramref name="gradInput"/>),
    /// their sum, then an in-place rescale while the row is still in cache. Each sample's loss is rounded to the element
    /// type and weighted there, and its gradient coefficient w[t]·g/W formed there, as libtorch's nll_loss does; the
    /// losses and the weight sum are accumulated in double, and a mean whose sum overflows the element type is ±∞.</para>
    /// </remarks>
    public static T CrossEntropyForwardBackward<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<long> target, int n, int c, Span<T> gradInput, int inner = 1,
        ReadOnlySpan<T> weight = default, long ignoreIndex = -100, Reduction reduction = Reduction.Mean,
        ReadOnlySpan<T> gradOutput = default, Span<T> lossOut = default, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        CrossEntropyCore(input, target, n, c, inner, weight, ignoreIndex, reduction, gradInput, lossOut, gradOutput, threads, withGrad: true);

    private static unsafe T CrossEntropyCore<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<long> target, int n, int c, int inner,
        ReadOnlySpan<T> weight, long ignoreIndex, Reduction reduction,
        Span<T> gradInput, Span<T> lossOut, ReadOnlySpan<T> gradOutput, int threads, bool withGrad)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        RunClassKernel(input, target, n, c, inner, weight, ignoreIndex, reduction, gradInput, lossOut, gradOutput, threads, withGrad,
            innerChunkUnits: true, inner == 1 ? &CrossEntropyRowBlock<T> : &CrossEntropySpatialBlock<T>);

    /// <summary>
    /// The driver every class-indexed kernel (cross_entropy, nll_loss) shares: argument checks, the mean's divisor, a
    /// fixed partition into blocks, the job, <paramref name="block"/> on the pool for each block, and the reduction of the
    /// per-block partial sums in block order. A work unit is (sample, up to <see cref="InnerChunk"/> inner positions) when
    /// <paramref name="innerChunkUnits"/> is set and inner &gt; 1, otherwise one whole sample of c·inner elements.
    /// </summary>
    private static unsafe T RunClassKernel<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<long> target, int n, int c, int inner,
        ReadOnlySpan<T> weight, long ignoreIndex, Reduction reduction,
        Span<T> gradInput, Span<T> lossOut, ReadOnlySpan<T> gradOutput, int threads, bool withGrad,
        bool innerChunkUnits, delegate*<void*, int, void> block)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireFloatingType<T>();
        threads = ResolveThreads(threads);
        ValidateClassCall(input.Length, target.Length, n, c, inner, weight.Length, reduction,
            gradInput.Length, gradOutput.Length, lossOut.Length, withGrad);

        double divisor = TargetWeightSum(target, weight, c, ignoreIndex);

        bool chunked = innerChunkUnits && inner > 1;
        long units = chunked ? (long)n * ((inner + InnerChunk - 1) / InnerChunk) : n;
        long unitElements = chunked ? (long)c * Math.Min(inner, InnerChunk) : (long)c * inner;
        int perBlock = UnitsPerBlock(units, unitElements);
        int blocks = BlockCount(units, perBlock);
        Span<double> partials = stackalloc double[Math.Max(1, blocks)];
        partials.Clear();

        double upstream = gradOutput.Length == 1 ? double.CreateTruncating(gradOutput[0]) : 1.0;
        fixed (T* x = input)
        fixed (long* t = target)
        fixed (T* w = weight)
        fixed (T* g = gradInput)
        fixed (T* l = lossOut)
        fixed (T* go = gradOutput)
        fixed (double* p = partials)
        {
            var job = new ClassJob<T>
            {
                X = x,
                Target = t,
                Weight = weight.IsEmpty ? null : w,
                Grad = withGrad ? g : null,
                Loss = reduction == Reduction.None ? l : null,
                GradOut = go,
                GradOutLength = gradOutput.Length,
                Partials = p,
                // mean: g/W, sum: g, none: per sample (handled in the kernel) — in the element type, as libtorch's
                // nll_loss backward forms it (a subnormal W makes g/W overflow there, and so here).
                Scale = reduction switch
                {
                    Reduction.Mean => T.CreateTruncating(upstream) / T.CreateTruncating(divisor),
                    Reduction.Sum => T.CreateTruncating(upstream),
                    _ => T.One,
                },
                PerSampleUpstream = reduction == Reduction.None,
                N = n,
                C = c,
                Inner = inner,
                Ignore = ignoreIndex,
                UnitsPerBlock = perBlock,
                Units = units,
            };
            BlockPool.Run(blocks, threads, block, &job);
        }

        double total = CombineInOrder(partials[..blocks]);
        return reduction switch
        {
            Reduction.Mean => MeanOf<T>(total, divisor),
            Reduction.Sum => T.CreateTruncating(total),
            _ => T.Zero,
        };
    }

    /// <summary>Shared shape checks for the class-indexed ops; returns the number of samples n·inner.</summary>
    internal static long ValidateClassShape(int inputLength, int targetLength, int n, int c, int inner, int weightLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfLessThan(c, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inner, 1);
        long samples = (long)n * inner;
        RequireLength(inputLength, samples * c, "input");
        RequireLength(targetLength, samples, "target");
        if (weightLength != 0 && weightLength != c)
        {
            throw new TorchException(
                $"weight tensor should be defined either for all {c} classes or no classes but got weight tensor of shape: [{weightLength}]");
        }
        return samples;
    }

    /// <summary>
    /// The argument checks of a class-indexed forward (and, with <paramref name="withGrad"/>, backward) call:
    /// <see cref="ValidateClassShape"/>, then the gradient buffers and the per-sample loss buffer of <c>none</c>.
    /// Returns the number of samples n·inner.
    /// </summary>
    internal static long ValidateClassCall(int inputLength, int targetLength, int n, int c, int inner, int weightLength,
        Reduction reduction, int gradInputLength, int gradOutputLength, int lossOutLength, bool withGrad)
    {
        long samples = ValidateClassShape(inputLength, targetLength, n, c, inner, weightLength);
        if (withGrad)
        {
            RequireLength(gradInputLength, inputLength, "gradInput");
            ValidateGradOutput(gradOutputLength, samples, reduction);
        }
        if (reduction == Reduction.None)
        {
            RequireLength(lossOutLength, samples, "lossOut");
        }
        return samples;
    }

    /// <summary>
    /// Checks every target (PyTorch's <c>Target k is out of bounds.</c>, first offender in order) and returns the mean's
    /// divisor Σ w[yᵢ] over non-ignored samples (their count without a weight). The weights are summed as libtorch's
    /// nll_loss sums them — in the element type, in its 8-level cascade (<see cref="Ops.NllCascade{T}"/>) — because
    /// the divisor of a mean is where a cancelling sum (weights of both signs) would otherwise turn libtorch's 0/0 into
    /// a finite mean.
    /// </summary>
    internal static double TargetWeightSum<T>(ReadOnlySpan<long> target, ReadOnlySpan<T> weight, int c, long ignoreIndex)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sums = new Ops.NllCascade<T>(target.Length);
        long count = 0;
        for (int i = 0; i < target.Length; i++)
        {
            long t = target[i];
            if (t == ignoreIndex)
            {
                continue;
            }
            if ((ulong)t >= (ulong)c)
            {
                throw new TorchException(TorchErrorKind.IndexError, $"Target {t} is out of bounds.");
            }
            count++;
            if (weight.IsEmpty)
            {
                continue;
            }
            sums.Add(weight[(int)t], i);
        }
        return weight.IsEmpty ? count : double.CreateTruncating(sums.Total);
    }

    internal unsafe struct ClassJob<T>
        where T : unmanaged
    {
        public T* X;
        public long* Target;
        public T* Weight;
        public T* Grad;
        public T* Loss;
        public T* GradOut;
        public int GradOutLength;
        public double* Partials;
        public T Scale;
        public bool PerSampleUpstream;
        public int N;
        public int C;
        public int Inner;
        public long Ignore;
        public int UnitsPerBlock;
        public long Units;
    }

    /// <summary>
    /// Rows [block·perBlock, …) of an (N, C) cross-entropy. Per row: the max (the row usually arrives already
    /// prefetched), exp(x − m) and its sum with the next row prefetched meanwhile, then the gradient row. For C ≤
    /// <see cref="ScratchClasses"/> the exponentials are staged in a stack row and the gradient row is written once,
    /// scaled and with the target's term (for float gradients of at least <see cref="StreamingStoreBytes"/>, with
    /// non-temporal stores and a fence at the end of the block); wider rows take the exponentials straight into the
    /// gradient row and rescale it there. Both give the same bits.
    /// </summary>
    private static unsafe void CrossEntropyRowBlock<T>(void* state, int block)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref ClassJob<T> job = ref *(ClassJob<T>*)state;
        int c = job.C;
        long first = (long)block * job.UnitsPerBlock;
        long last = Math.Min(job.Units, first + job.UnitsPerBlock);
        bool withGrad = job.Grad != null;
        bool staged = withGrad && c <= ScratchClasses;
        bool streaming = staged && typeof(T) == typeof(float) && job.Units * c * sizeof(T) >= StreamingStoreBytes;
        Span<T> scratch = stackalloc T[staged ? c : withGrad ? 0 : Chunk];
        double partial = 0;
        for (long i = first; i < last; i++)
        {
            long t = job.Target[i];
            var row = new ReadOnlySpan<T>(job.X + (i * c), c);
            Span<T> g = withGrad ? new Span<T>(job.Grad + (i * c), c) : default;
            if (t == job.Ignore)
            {
                // libtorch differentiates log_softmax for the ignored row too: 0 − exp(log_softmax)·0, which is NaN
                // across the row when its log_softmax is (a NaN, +∞ or only −∞ in the row), else +0.
                if (withGrad && !T.IsFinite(RowMax(row)))
                {
                    g.Fill(T.NaN);
                }
                else
                {
                    g.Clear();
                }
                if (job.Loss != null)
                {
                    job.Loss[i] = T.Zero;
                }
                continue;
            }

            T m = RowMax(row);
            T* next = i + 1 < last ? job.X + ((i + 1) * c) : null;
            double s = !withGrad ? ShiftedExpSum(row, m, scratch, next) : ShiftedExp(row, m, staged ? scratch : g, next);
            T loss = SampleLoss(job, t, Math.Log(s) - (double.CreateTruncating(row[(int)t]) - double.CreateTruncating(m)));
            partial += double.CreateTruncating(loss);
            if (job.Loss != null)
            {
                job.Loss[i] = loss;
            }
            if (withGrad)
            {
                T coef = SampleCoefficient(job, t, i);
                T factor = T.CreateTruncating(double.CreateTruncating(coef) / s);
                if (staged)
                {
                    ScaleWithTarget(scratch, factor, g, (int)t, coef, streaming);
                }
                else
                {
                    ScaleInPlace(g, factor);
                    g[(int)t] -= coef;
                }
            }
        }
        if (streaming && Sse.IsSupported)
        {
            Sse.StoreFence();
        }
        job.Partials[block] = partial;
    }

    /// <summary>
    /// One sample's loss w[t]·(−log_softmax[t]) from the unweighted term log s − (x_t − m) computed in double (the
    /// shifted logit first, so a huge m does not swallow log s): rounded to the element type,
    /// then weighted in it, as libtorch's nll_loss weights a log_softmax value (so a product that underflows to a
    /// subnormal does so here too).
    /// </summary>
    private static unsafe T SampleLoss<T>(in ClassJob<T> job, long t, double unweighted)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T l = T.CreateTruncating(unweighted);
        return job.Weight == null ? l : l * job.Weight[t];
    }

    /// <summary>The sample's gradient coefficient w[t]·g/W (g/W per sample for none), in the element type as libtorch forms it.</summary>
    private static unsafe T SampleCoefficient<T>(in ClassJob<T> job, long t, long i)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T upstream = job.PerSampleUpstream ? UpstreamAt(job.GradOut, job.GradOutLength, i) : job.Scale;
        return job.Weight == null ? upstream : job.Weight[t] * upstream;
    }

    /// <summary>
    /// g = e·factor, then g[target] = e[target]·factor − coef: the bits of an in-place rescale followed by the
    /// target's subtraction. Float rows may stream (see <see cref="VectorMath.ScaleWithTarget"/>).
    /// </summary>
    private static unsafe void ScaleWithTarget<T>(ReadOnlySpan<T> e, T factor, Span<T> g, int target, T coef, bool streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            fixed (T* ep = e)
            fixed (T* gp = g)
            {
                VectorMath.ScaleWithTarget((float*)ep, float.CreateTruncating(factor), (float*)gp, g.Length, target, float.CreateTruncating(coef), streaming);
            }
            return;
        }
        TensorPrimitives.Multiply(e, factor, g);
        g[target] = (e[target] * factor) - coef;
    }

    /// <summary>exp(row − m) into <paramref name="e"/>; returns their sum in double. Float rows prefetch <paramref name="next"/>.</summary>
    private static unsafe double ShiftedExp<T>(ReadOnlySpan<T> row, T m, Span<T> e, T* next)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return VectorMath.ShiftedExpSum(MemoryMarshal.Cast<T, float>(row), float.CreateTruncating(m), MemoryMarshal.Cast<T, float>(e), (float*)next);
        }
        TensorPrimitives.Subtract(row, m, e);
        TensorPrimitives.Exp(e, e);
        return SumToDouble<T>(e);
    }

    /// <summary>Σ exp(row − m) in double, through a chunk-sized scratch (forward only); float rows prefetch <paramref name="next"/>.</summary>
    private static unsafe double ShiftedExpSum<T>(ReadOnlySpan<T> row, T m, Span<T> scratch, T* next)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return VectorMath.ShiftedExpSum(MemoryMarshal.Cast<T, float>(row), float.CreateTruncating(m), default, (float*)next);
        }
        double s = 0;
        for (int j = 0; j < row.Length; j += scratch.Length)
        {
            int len = Math.Min(scratch.Length, row.Length - j);
            s += ShiftedExp(row.Slice(j, len), m, scratch[..len], null);
        }
        return s;
    }

    /// <summary>
    /// Units of a K-dimensional cross-entropy: sample b, inner positions [j0, j0 + InnerChunk). Classes are
    /// <c>inner</c> apart, so the reduction over classes runs position-wise over contiguous inner vectors.
    /// </summary>
    private static unsafe void CrossEntropySpatialBlock<T>(void* state, int block)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref ClassJob<T> job = ref *(ClassJob<T>*)state;
        int c = job.C;
        int inner = job.Inner;
        int chunks = (inner + InnerChunk - 1) / InnerChunk;
        long first = (long)block * job.UnitsPerBlock;
        long last = Math.Min(job.Units, first + job.UnitsPerBlock);
        Span<T> m = stackalloc T[InnerChunk];
        Span<T> s = stackalloc T[InnerChunk];
        Span<T> tmp = stackalloc T[InnerChunk];
        Span<T> r = stackalloc T[InnerChunk];
        double partial = 0;
        for (long u = first; u < last; u++)
        {
            long b = u / chunks;
            int j0 = (int)(u % chunks) * InnerChunk;
            int len = Math.Min(InnerChunk, inner - j0);
            T* xs = job.X + b * c * inner + j0;
            T* gs = job.Grad == null ? null : job.Grad + b * c * inner + j0;
            long sample0 = b * inner + j0;
            Span<T> mm = m[..len], ss = s[..len], tt = tmp[..len], rr = r[..len];
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
                Span<T> e = gs == null ? tt : new Span<T>(gs + (long)k * inner, len);
                var xk = new ReadOnlySpan<T>(xs + (long)k * inner, len);
                if (typeof(T) == typeof(float))
                {
                    VectorMath.ShiftedExpAccumulate(
                        MemoryMarshal.Cast<T, float>(xk), MemoryMarshal.Cast<T, float>(mm), MemoryMarshal.Cast<T, float>(e), MemoryMarshal.Cast<T, float>(ss));
                }
                else
                {
                    TensorPrimitives.Subtract(xk, mm, e);
                    TensorPrimitives.Exp(e, e);
                    TensorPrimitives.Add(ss, e, ss);
                }
            }

            for (int j = 0; j < len; j++)
            {
                long i = sample0 + j;
                long t = job.Target[i];
                if (t == job.Ignore)
                {
                    // As in the row kernel: the ignored sample's gradient is 0·exp(…), NaN where its log_softmax is.
                    rr[j] = T.IsFinite(mm[j]) ? T.Zero : T.NaN;
                    if (job.Loss != null)
                    {
                        job.Loss[i] = T.Zero;
                    }
                    continue;
                }
                double sum = double.CreateTruncating(ss[j]);
                T loss = SampleLoss(job, t, Math.Log(sum) - (double.CreateTruncating(xs[t * inner + j]) - double.CreateTruncating(mm[j])));
                partial += double.CreateTruncating(loss);
                if (job.Loss != null)
                {
                    job.Loss[i] = loss;
                }
                if (gs != null)
                {
                    T coef = SampleCoefficient(job, t, i);
                    rr[j] = T.CreateTruncating(double.CreateTruncating(coef) / sum);
                    tt[j] = coef;
                }
            }

            if (gs != null)
            {
                for (int k = 0; k < c; k++)
                {
                    MultiplyInto(new Span<T>(gs + (long)k * inner, len), rr);
                }
                for (int j = 0; j < len; j++)
                {
                    long t = job.Target[sample0 + j];
                    if (t != job.Ignore)
                    {
                        gs[t * inner + j] -= tt[j];
                    }
                }
            }
        }
        job.Partials[block] = partial;
    }
}
