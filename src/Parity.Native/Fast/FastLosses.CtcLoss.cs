using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Parity.Native.Fast;

public static partial class FastLosses
{
    /// <summary>
    /// The number of doubles the <c>workspace</c> of <see cref="CtcLoss{T}"/> and
    /// <see cref="CtcLossForwardBackward{T}"/> needs: per sample, the scaled α table and the emissions of every frame
    /// (2·T rows of about 2·S + 6 doubles), two β rows, the skip mask, the extended target, the γ numerators and one
    /// accumulator per class — one such slice per block of samples (at most <see cref="CtcMaxBlocks"/>), reused by the
    /// block's samples so that it stays in the core's cache.
    /// </summary>
    /// <param name="frames">T, the frames of log_probs.</param>
    /// <param name="batch">N.</param>
    /// <param name="classes">C.</param>
    /// <param name="maxTargetLength">The longest target (the padded row length for padded targets).</param>
    /// <returns>The workspace length in doubles.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    public static long CtcLossWorkspaceLength(int frames, int batch, int classes, int maxTargetLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(classes);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTargetLength);
        return batch + ((long)CtcBlocks(batch) * CtcSampleWorkspace(frames, classes, CtcRowStride(maxTargetLength)));
    }

    /// <summary><c>ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)</c>: the loss only.</summary>
    /// <param name="logProbs">Log-probabilities (T, N, C) flattened row-major (N = 1 for an unbatched (T, C) input).</param>
    /// <param name="frames">T.</param>
    /// <param name="batch">N (at least 1).</param>
    /// <param name="classes">C (at least 1).</param>
    /// <param name="targets">Labels: padded rows of <paramref name="paddedTargetLength"/>, or concatenated (Σ target_lengths).</param>
    /// <param name="inputLengths">N input lengths, each in [0, T].</param>
    /// <param name="targetLengths">N target lengths, each ≥ 0.</param>
    /// <param name="workspace">Scratch of at least <see cref="CtcLossWorkspaceLength"/> doubles; its contents are overwritten.</param>
    /// <param name="paddedTargetLength">The row length S of padded (N, S) targets, or −1 for concatenated targets.</param>
    /// <param name="blank">The blank label, in [0, C).</param>
    /// <param name="reduction">Mean (each loss ÷ max(target_length, 1), then the batch mean), sum or none.</param>
    /// <param name="zeroInfinity">Replace infinite losses by 0.</param>
    /// <param name="lossOut">For <see cref="Reduction.None"/>: receives the N per-sample losses.</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The result does not depend on it.</param>
    /// <returns>The reduced loss; zero for <see cref="Reduction.None"/>.</returns>
    /// <exception cref="TorchException">libtorch's checks: the empty input, blank, the length counts and values, the targets' size.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label used by a sample is outside [0, C).</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>See <see cref="CtcLossForwardBackward{T}"/>.</remarks>
    public static T CtcLoss<T>(
        ReadOnlySpan<T> logProbs, int frames, int batch, int classes,
        ReadOnlySpan<long> targets, ReadOnlySpan<long> inputLengths, ReadOnlySpan<long> targetLengths, Span<double> workspace,
        int paddedTargetLength = -1, long blank = 0, Reduction reduction = Reduction.Mean, bool zeroInfinity = false,
        Span<T> lossOut = default, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        CtcCore(logProbs, frames, batch, classes, targets, inputLengths, targetLengths, workspace, paddedTargetLength, blank,
            reduction, zeroInfinity, default, default, lossOut, threads, withGrad: false);

    /// <summary><c>ctc_loss</c> forward and the gradient with respect to log_probs, in libtorch's convention.</summary>
    /// <param name="logProbs">Log-probabilities (T, N, C) flattened row-major.</param>
    /// <param name="frames">T.</param>
    /// <param name="batch">N (at least 1).</param>
    /// <param name="classes">C (at least 1).</param>
    /// <param name="targets">Labels: padded rows of <paramref name="paddedTargetLength"/>, or concatenated.</param>
    /// <param name="inputLengths">N input lengths.</param>
    /// <param name="targetLengths">N target lengths.</param>
    /// <param name="gradLogProbs">Receives the gradient, T·N·C elements; may not overlap the input.</param>
    /// <param name="workspace">Scratch of at least <see cref="CtcLossWorkspaceLength"/> doubles.</param>
    /// <param name="paddedTargetLength">The row length of padded targets, or −1 for concatenated targets.</param>
    /// <param name="blank">The blank label.</param>
    /// <param name="reduction">Mean, sum or none.</param>
    /// <param name="zeroInfinity">Replace infinite losses and their gradients by 0.</param>
    /// <param name="gradOutput">Upstream gradient: empty means 1; one element for mean/sum; N (or empty) for none.</param>
    /// <param name="lossOut">For <see cref="Reduction.None"/>: receives the per-sample losses.</param>
    /// <param name="threads">Threads to use; 0 = <see cref="AllThreads"/>. The result does not depend on it.</param>
    /// <returns>The reduced loss; zero for <see cref="Reduction.None"/>.</returns>
    /// <exception cref="TorchException">libtorch's checks (as <see cref="CtcLoss{T}"/>).</exception>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label used by a sample is outside [0, C).</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>
    /// <para><b>Same quantity as libtorch, different arithmetic.</b> The loss is −log Σ over the alignments (see
    /// <c>Functional.CtcLoss</c>), and the gradient is libtorch's: (exp(lp[t,b,c]) − γ_t(c))·g_b on frames t &lt; T_b and 0
    /// on padded frames, where γ_t(c) is the posterior of label c at frame t. That is the gradient through a log_softmax
    /// over C, not ∂loss/∂lp for free lp (which is −γ_t(c)·g_b).</para>
    /// <para><b>Scaled probability space instead of log space.</b> Per sample and frame the emissions of the extended target
    /// are e_t(s) = exp(lp[t, l′_s] − m_t) with m_t their maximum (in double, even for float input), and the α recursion
    /// α_t(s) = (α_{t−1}(s) + α_{t−1}(s−1) + [l′_s ≠ l′_{s−2}]·α_{t−1}(s−2))·e_t(s) runs in double over vector lanes of s
    /// (the s−1 and s−2 neighbours are unaligned loads from the previous row). Each row is divided by its sum c_t, so
    /// log P = Σ_t (log c_t + m_t) + log(α_{T−1}(L−1) + α_{T−1}(L−2)). No exp or log per state and step, unlike the
    /// log-space recursion's three exps and a log.</para>
    /// <para>The β pass keeps β′_t(s) = Σ of the paths' products after frame t (the emission at t excluded), also
    /// normalised per frame; then γ_t(c) = Σ_{s: l′_s = c} α_t(s)·β′_t(s) / Σ_s α_t(s)·β′_t(s): the per-frame scale factors
    /// cancel. Classes outside the extended target get exp(lp)·g_b. One libtorch quirk is kept: on a sample's last frame
    /// the two end states are assigned to their classes, not added, so a last label equal to blank loses the final blank
    /// state's share there.</para>
    /// <para><b>Edges as libtorch.</b> T_b = 0: loss −0 for an empty target (zero gradient), +∞ otherwise. An impossible
    /// alignment gives +∞ and NaN gradients on its frames t &lt; T_b (0 with zero_infinity). Limits: after each row's
    /// normalisation, states below <see cref="CtcFlush"/> (1e-150, ~345 nats under the row's mass) are set to 0, which
    /// keeps every product of two kept values a normal double (no subnormal slow paths); and emissions more than ~700
    /// nats below the frame's best extended-target state underflow. A path that falls that far behind at some frame and
    /// then dominates is lost where the log-space recursion keeps it — only with log-probability gaps of hundreds of
    /// nats. The results match the readable op to a tolerance, not bit for bit.</para>
    /// <para><b>Determinism.</b> Threads take whole samples; the loss partials are combined in block order, so every
    /// thread count gives the same bits.</para>
    /// </remarks>
    public static T CtcLossForwardBackward<T>(
        ReadOnlySpan<T> logProbs, int frames, int batch, int classes,
        ReadOnlySpan<long> targets, ReadOnlySpan<long> inputLengths, ReadOnlySpan<long> targetLengths,
        Span<T> gradLogProbs, Span<double> workspace,
        int paddedTargetLength = -1, long blank = 0, Reduction reduction = Reduction.Mean, bool zeroInfinity = false,
        ReadOnlySpan<T> gradOutput = default, Span<T> lossOut = default, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        CtcCore(logProbs, frames, batch, classes, targets, inputLengths, targetLengths, workspace, paddedTargetLength, blank,
            reduction, zeroInfinity, gradLogProbs, gradOutput, lossOut, threads, withGrad: true);

    /// <summary>Doubles per row of a sample's tables: 2 leading zeros, the states rounded up to vector lanes, 2 trailing zeros.</summary>
    private static int CtcRowStride(int maxTargetLength)
    {
        int states = checked((2 * maxTargetLength) + 1);
        int vectorStates = (states + 3) / 4 * 4;
        return vectorStates + 4;
    }

    /// <summary>Doubles of one slice: α and emissions (T rows each), two β rows, skip, labels, γ numerators, and C accumulators.</summary>
    private static long CtcSampleWorkspace(int frames, int classes, int stride) =>
        (2L * frames * stride) + (5L * stride) + ((classes + 3) / 4 * 4);

    /// <summary>
    /// The most blocks (and workspace slices) a CTC call uses. Samples are split into min(N, 16) contiguous blocks, a
    /// partition that depends on N alone; each block works in its own slice, sample after sample.
    /// </summary>
    internal const int CtcMaxBlocks = 16;

    private static int CtcBlocks(int batch) => Math.Max(1, Math.Min(batch, CtcMaxBlocks));

    private unsafe struct CtcJob<T>
        where T : unmanaged
    {
        public T* Lp;
        public long* Targets;
        public long* InputLengths;
        public long* TargetLengths;
        public long* Offsets;
        public double* Work;
        public T* Grad;
        public T* Loss;
        public T* GradOut;
        public int GradOutLength;
        public double* Partials;
        public double* Nll;
        public int Frames;
        public int Batch;
        public int Classes;
        public int Stride;
        public long SampleWork;
        public long Blank;
        public Reduction Reduction;
        public bool ZeroInfinity;
        public int UnitsPerBlock;
    }

    private static unsafe T CtcCore<T>(
        ReadOnlySpan<T> logProbs, int frames, int batch, int classes,
        ReadOnlySpan<long> targets, ReadOnlySpan<long> inputLengths, ReadOnlySpan<long> targetLengths, Span<double> workspace,
        int paddedTargetLength, long blank, Reduction reduction, bool zeroInfinity,
        Span<T> gradLogProbs, ReadOnlySpan<T> gradOutput, Span<T> lossOut, int threads, bool withGrad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireFloatingType<T>();
        threads = ResolveThreads(threads);
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "reduction must be none, mean or sum");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(classes);
        RequireLength(logProbs.Length, (long)frames * batch * classes, nameof(logProbs));
        if (logProbs.IsEmpty)
        {
            throw new TorchException("log_probs tensor must not be empty");
        }
        int maxTarget = CtcValidate(frames, batch, classes, targets, inputLengths, targetLengths, paddedTargetLength, blank);
        int stride = CtcRowStride(maxTarget);
        long sampleWork = CtcSampleWorkspace(frames, classes, stride);
        RequireAtLeast(workspace.Length, CtcLossWorkspaceLength(frames, batch, classes, maxTarget), nameof(workspace));
        if (withGrad)
        {
            RequireLength(gradLogProbs.Length, logProbs.Length, nameof(gradLogProbs));
            ValidateGradOutput(gradOutput.Length, batch, reduction);
        }
        if (reduction == Reduction.None)
        {
            RequireLength(lossOut.Length, batch, nameof(lossOut));
        }

        // Each sample's first label, in the workspace's header.
        Span<long> offsets = MemoryMarshal.Cast<double, long>(workspace[..batch]);
        long pos = 0;
        for (int b = 0; b < batch; b++)
        {
            offsets[b] = paddedTargetLength >= 0 ? (long)b * paddedTargetLength : pos;
            pos += targetLengths[b];
        }

        int blocks = CtcBlocks(batch);
        int perBlock = (batch + blocks - 1) / blocks;
        blocks = BlockCount(batch, perBlock);
        Span<double> partials = stackalloc double[Math.Max(1, blocks)];
        partials.Clear();
        fixed (T* lp = logProbs)
        fixed (long* tg = targets)
        fixed (long* il = inputLengths)
        fixed (long* tl = targetLengths)
        fixed (double* work = workspace)
        fixed (T* g = gradLogProbs)
        fixed (T* l = lossOut)
        fixed (T* go = gradOutput)
        fixed (double* p = partials)
        {
            var job = new CtcJob<T>
            {
                Lp = lp,
                Targets = tg,
                InputLengths = il,
                TargetLengths = tl,
                Offsets = (long*)work,
                Work = work + batch,
                Grad = withGrad ? g : null,
                Loss = reduction == Reduction.None ? l : null,
                GradOut = go,
                GradOutLength = gradOutput.Length,
                Partials = p,
                Frames = frames,
                Batch = batch,
                Classes = classes,
                Stride = stride,
                SampleWork = sampleWork,
                Blank = blank,
                Reduction = reduction,
                ZeroInfinity = zeroInfinity,
                UnitsPerBlock = perBlock,
            };
            BlockPool.Run(blocks, threads, &CtcBlock<T>, &job);
        }
        double total = CombineInOrder(partials[..blocks]);
        return reduction switch
        {
            Reduction.Mean => MeanOf<T>(total, batch),
            Reduction.Sum => T.CreateTruncating(total),
            _ => T.Zero,
        };
    }

    /// <summary>libtorch's argument checks (with its texts) and the label range; returns the widest target row.</summary>
    private static int CtcValidate(int frames, int batch, int classes, ReadOnlySpan<long> targets,
        ReadOnlySpan<long> inputLengths, ReadOnlySpan<long> targetLengths, int paddedTargetLength, long blank)
    {
        const string From = " (while checking arguments for ctc_loss_allocate_outputs)";
        if (!(blank >= 0 && blank < classes))
        {
            throw new TorchException("blank must be in label range");
        }
        if (inputLengths.Length != batch)
        {
            throw new TorchException("input_lengths must be of size batch_size");
        }
        if (targetLengths.Length != batch)
        {
            throw new TorchException("target_lengths must be of size batch_size");
        }
        long pos = 0, maxTarget = 0;
        for (int b = 0; b < batch; b++)
        {
            if (targetLengths[b] < 0)
            {
                throw new TorchException($"Expected target_lengths to have value at least 0, but got value {targetLengths[b]}{From}");
            }
            pos += targetLengths[b];
            maxTarget = Math.Max(maxTarget, targetLengths[b]);
        }
        if (paddedTargetLength < 0)
        {
            if (targets.Length != pos)
            {
                throw new TorchException($"Expected tensor to have size {pos} at dimension 0, but got size {targets.Length} for argument #2 'targets'{From}");
            }
        }
        else
        {
            RequireLength(targets.Length, (long)batch * paddedTargetLength, nameof(targets));
            if (paddedTargetLength < maxTarget)
            {
                throw new TorchException($"Expected tensor to have size at least {maxTarget} at dimension 1, but got size {paddedTargetLength} for argument #2 'targets'{From}");
            }
            maxTarget = paddedTargetLength;
        }
        for (int b = 0; b < batch; b++)
        {
            if (inputLengths[b] < 0)
            {
                throw new TorchException($"Expected input_lengths to have value at least 0, but got value {inputLengths[b]}{From}");
            }
            if (inputLengths[b] > frames)
            {
                throw new TorchException($"Expected input_lengths to have value at most {frames}, but got value {inputLengths[b]}{From}");
            }
        }
        pos = 0;
        for (int b = 0; b < batch; b++)
        {
            long offset = paddedTargetLength >= 0 ? (long)b * paddedTargetLength : pos;
            for (long k = 0; k < targetLengths[b]; k++)
            {
                long label = targets[(int)(offset + k)];
                if (label < 0 || label >= classes)
                {
                    throw new ArgumentOutOfRangeException(nameof(targets), label,
                        $"target label {label} of sample {b} is outside [0, {classes}); libtorch does not check it and reads out of bounds");
                }
            }
            pos += targetLengths[b];
        }
        return checked((int)maxTarget);
    }

    private static unsafe void CtcBlock<T>(void* state, int block)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref CtcJob<T> job = ref *(CtcJob<T>*)state;
        int first = block * job.UnitsPerBlock;
        int last = Math.Min(job.Batch, first + job.UnitsPerBlock);
        double partial = 0;
        for (int b = first; b < last; b++)
        {
            double nll = CtcSample(ref job, b);
            if (job.ZeroInfinity && double.IsPositiveInfinity(nll))
            {
                nll = 0;
            }
            if (job.Loss != null)
            {
                job.Loss[b] = T.CreateTruncating(nll);
            }
            partial += job.Reduction == Reduction.Mean ? nll / Math.Max(job.TargetLengths[b], 1) : nll;
        }
        job.Partials[block] = partial;
    }

    /// <summary>One sample: the α pass, the loss and (with a gradient buffer) the β pass and the gradient rows.</summary>
    private static unsafe double CtcSample<T>(ref CtcJob<T> job, int b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int frames = job.Frames, batch = job.Batch, classes = job.Classes, r = job.Stride;
        int tb = (int)job.InputLengths[b];
        int sb = (int)job.TargetLengths[b];
        int states = (2 * sb) + 1;
        int vstates = (states + 3) / 4 * 4;
        double* work = job.Work + (b / job.UnitsPerBlock * job.SampleWork);
        double* alpha = work;
        double* emit = alpha + ((long)frames * r);
        double* beta0 = emit + ((long)frames * r);
        double* beta1 = beta0 + r;
        double* skip = beta1 + r;
        long* labels = (long*)(skip + r);
        double* qs = skip + (2L * r);
        double* acc = skip + (3L * r);

        if (tb == 0)
        {
            if (job.Grad != null)
            {
                CtcFillRows(ref job, b, 0, frames, T.Zero);
            }
            return sb == 0 ? -0.0 : double.PositiveInfinity;
        }

        // The extended target l′ and the skip mask: skip[2 + s] = 1 when α may jump from s − 2 to s.
        new Span<double>(skip, r).Clear();
        long* target = job.Targets + job.Offsets[b];
        for (int s = 0; s < states; s++)
        {
            labels[s] = (s & 1) == 0 ? job.Blank : target[s >> 1];
            if (s >= 2 && labels[s] != labels[s - 2])
            {
                skip[2 + s] = 1;
            }
        }

        // α pass, each row normalised to sum 1.
        double logLik = 0;
        bool possible = true;
        for (int t = 0; t < tb; t++)
        {
            double* e = emit + ((long)t * r);
            double* a = alpha + ((long)t * r);
            T* row = job.Lp + (((long)t * batch) + b) * classes;
            if (t + 1 < tb && Sse.IsSupported)
            {
                byte* lpNext = (byte*)(row + ((long)batch * classes));
                for (int k = 0; k < classes * sizeof(T); k += 64)
                {
                    Sse.Prefetch0(lpNext + k);
                }
            }
            double m = double.NegativeInfinity;
            for (int s = 0; s < states; s++)
            {
                double v = double.CreateTruncating(row[labels[s]]);
                e[2 + s] = v;
                m = Math.Max(m, v);
            }
            if (double.IsNegativeInfinity(m))
            {
                possible = false;
                break;
            }
            var es = new Span<double>(e + 2, states);
            TensorPrimitives.Subtract(es, m, es);
            TensorPrimitives.Exp(es, es);
            e[0] = e[1] = 0;
            new Span<double>(e + 2 + states, r - 2 - states).Clear();

            a[0] = a[1] = 0;
            if (t == 0)
            {
                new Span<double>(a + 2, r - 2).Clear();
                a[2] = e[2];
                if (states > 1)
                {
                    a[3] = e[3];
                }
            }
            else
            {
                double* pa = a - r;
                for (int s = 0; s < vstates; s += 4)
                {
                    Vector256<double> v = Vector256.Load(pa + 2 + s) + Vector256.Load(pa + 1 + s) + (Vector256.Load(skip + 2 + s) * Vector256.Load(pa + s));
                    (v * Vector256.Load(e + 2 + s)).Store(a + 2 + s);
                }
                a[2 + vstates] = a[3 + vstates] = 0;
            }
            double c = CtcRowSum(a + 2, vstates);
            if (c == 0)
            {
                possible = false;
                break;
            }
            CtcScale(a + 2, vstates, 1 / c);
            logLik += Math.Log(c) + m;
        }

        double nll;
        if (!possible)
        {
            nll = double.PositiveInfinity;
        }
        else
        {
            double* a = alpha + ((long)(tb - 1) * r);
            double end = sb == 0 ? a[2] : a[2 + states - 1] + a[2 + states - 2];
            nll = end > 0 ? -(logLik + Math.Log(end)) : end == 0 ? double.PositiveInfinity : double.NaN;
        }
        if (job.Grad == null)
        {
            return nll;
        }

        T gr = CtcUpstream(ref job, b);
        if (double.IsPositiveInfinity(nll) || double.IsNaN(nll))
        {
            bool zero = job.ZeroInfinity && double.IsPositiveInfinity(nll);
            CtcFillRows(ref job, b, 0, zero ? frames : tb, zero ? T.Zero : T.NaN);
            if (!zero)
            {
                CtcFillRows(ref job, b, tb, frames, T.Zero);
            }
            return nll;
        }

        // β′ pass from the last frame down, with the gradient row of each frame.
        double* next = beta0;
        double* cur = beta1;
        for (int t = tb - 1; t >= 0; t--)
        {
            if (t == tb - 1)
            {
                new Span<double>(cur, r).Clear();
                cur[2 + states - 1] = 1;
                if (states > 1)
                {
                    cur[2 + states - 2] = 1;
                }
            }
            else
            {
                double* en = emit + ((long)(t + 1) * r);
                for (int s = 0; s < vstates; s += 4)
                {
                    Vector256<double> h0 = Vector256.Load(next + 2 + s) * Vector256.Load(en + 2 + s);
                    Vector256<double> h1 = Vector256.Load(next + 3 + s) * Vector256.Load(en + 3 + s);
                    Vector256<double> h2 = Vector256.Load(next + 4 + s) * Vector256.Load(en + 4 + s) * Vector256.Load(skip + 4 + s);
                    (h0 + h1 + h2).Store(cur + 2 + s);
                }
                cur[0] = cur[1] = cur[2 + vstates] = cur[3 + vstates] = 0;
                double d = CtcRowSum(cur + 2, vstates);
                if (d > 0)
                {
                    CtcScale(cur + 2, vstates, 1 / d);
                }
            }

            // γ numerators q_s = α_t(s)·β′_t(s), summed per class and in total.
            double* a = alpha + ((long)t * r);
            if (t > 0 && Sse.IsSupported)
            {
                // The next frame's rows: α and emissions (this slice, L2) and the strided lp/gradient rows (L3 or memory).
                for (int k = 0; k < vstates + 4; k += 8)
                {
                    Sse.Prefetch0(a - r + k);
                    Sse.Prefetch0(emit + ((long)t * r) + k);
                }
                byte* lpNext = (byte*)(job.Lp + ((((long)(t - 1) * batch) + b) * classes));
                byte* gNext = (byte*)(job.Grad + ((((long)(t - 1) * batch) + b) * classes));
                for (int k = 0; k < classes * sizeof(T); k += 64)
                {
                    Sse.Prefetch0(lpNext + k);
                    Sse.PrefetchNonTemporal(gNext + k);
                }
            }
            Vector256<double> zv = Vector256<double>.Zero;
            for (int s = 0; s < vstates; s += 4)
            {
                Vector256<double> q = Vector256.Load(a + 2 + s) * Vector256.Load(cur + 2 + s);
                q.Store(qs + s);
                zv += q;
            }
            double z = zv[0] + zv[1] + zv[2] + zv[3];
            for (int s = 0; s < states; s++)
            {
                acc[labels[s]] = 0;
            }
            for (int s = 0; s < states; s++)
            {
                acc[labels[s]] += qs[s];
            }
            if (t == tb - 1 && sb > 0 && labels[states - 2] == job.Blank)
            {
                // libtorch assigns the last frame's two end states to their classes instead of adding them, so when the
                // last label is blank only state L − 2 counts (the total Z still has both).
                acc[job.Blank] = qs[states - 2];
            }
            double invZ = 1 / z;
            T* lpRow = job.Lp + (((long)t * batch) + b) * classes;
            T* gRow = job.Grad + (((long)t * batch) + b) * classes;
            var gSpan = new Span<T>(gRow, classes);
            // Classes outside the extended target: (exp(lp) − 0)·g; then the target classes are rewritten.
            TensorPrimitives.Exp<T>(new ReadOnlySpan<T>(lpRow, classes), gSpan);
            for (int s = 0; s < states; s++)
            {
                // A class seen again (blank, repeats) subtracts 0: its posterior was used and reset.
                long c = labels[s];
                gRow[c] -= T.CreateTruncating(acc[c] * invZ);
                acc[c] = 0;
            }
            TensorPrimitives.Multiply<T>(gSpan, gr, gSpan);
            double* swap = next;
            next = cur;
            cur = swap;
        }
        CtcFillRows(ref job, b, tb, frames, T.Zero);
        return nll;
    }

    /// <summary>The upstream gradient of sample b's nll, as autograd forms it: g, g/N/max(S_b, 1) or g_b, in the element type.</summary>
    private static unsafe T CtcUpstream<T>(ref CtcJob<T> job, int b)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        job.Reduction switch
        {
            Reduction.None => UpstreamAt(job.GradOut, job.GradOutLength, b),
            Reduction.Sum => UpstreamAt(job.GradOut, job.GradOutLength, 0),
            _ => UpstreamAt(job.GradOut, job.GradOutLength, 0) / T.CreateTruncating(job.Batch) / T.CreateTruncating(Math.Max(job.TargetLengths[b], 1)),
        };

    /// <summary>Fills sample b's gradient rows for frames [from, to) with a value.</summary>
    private static unsafe void CtcFillRows<T>(ref CtcJob<T> job, int b, int from, int to, T value)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int t = from; t < to; t++)
        {
            new Span<T>(job.Grad + ((((long)t * job.Batch) + b) * job.Classes), job.Classes).Fill(value);
        }
    }

    /// <summary>Sum of n (a multiple of 4) doubles in 4 lanes, then the lanes left to right.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe double CtcRowSum(double* x, int n)
    {
        Vector256<double> acc = Vector256<double>.Zero;
        for (int i = 0; i < n; i += 4)
        {
            acc += Vector256.Load(x + i);
        }
        return acc[0] + acc[1] + acc[2] + acc[3];
    }

    /// <summary>Normalised α/β′ values below this are flushed to 0 (see the remarks of <see cref="CtcLossForwardBackward{T}"/>).</summary>
    internal const double CtcFlush = 1e-150;

    /// <summary>x *= f over n (a multiple of 4) doubles, flushing results below <see cref="CtcFlush"/> to 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CtcScale(double* x, int n, double f)
    {
        var vf = Vector256.Create(f);
        var floor = Vector256.Create(CtcFlush);
        for (int i = 0; i < n; i += 4)
        {
            Vector256<double> v = Vector256.Load(x + i) * vf;
            (v & Vector256.GreaterThanOrEqual(v, floor)).Store(x + i);
        }
    }
}
