using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary>The name libtorch's CTC argument checks report as their caller.</summary>
    private const string CtcCheckedFrom = "ctc_loss_allocate_outputs";

    /// <summary>
    /// <c>torch.nn.functional.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)</c>
    /// (<c>nn.CTCLoss</c>), the connectionist temporal classification loss, with the lengths as tensors.
    /// </summary>
    /// <param name="logProbs">Log-probabilities (T, N, C), or (T, C) for one unbatched sample; float32 or float64.
    /// They are meant to be a log_softmax over C, but nothing checks it.</param>
    /// <param name="targets">Labels: padded (N, S) with S ≥ max target length, or concatenated 1-D of Σ target_lengths
    /// labels. Any dtype; float targets are truncated to int64 as PyTorch's <c>targets.to(torch.long)</c> does.</param>
    /// <param name="inputLengths">The frames each sample uses, one per sample (any shape with N elements); int64 or int32
    /// (cast to int64, as libtorch's <c>input_lengths.to(kLong)</c>).</param>
    /// <param name="targetLengths">The labels each sample has, one per sample; int64 or int32.</param>
    /// <param name="blank">The blank label, in [0, C).</param>
    /// <param name="reduction">'none': per-sample losses; 'sum': their sum; 'mean': each divided by max(target_length, 1),
    /// then the batch mean.</param>
    /// <param name="zeroInfinity">Replace infinite losses (impossible alignments) by 0, and their gradients by 0.</param>
    /// <returns>'none': (N), or 0-D for an unbatched input; 'mean'/'sum': 0-D.</returns>
    /// <exception cref="TorchException">
    /// RuntimeError for float lengths ("input_lengths must be integral"), an empty log_probs, ranks other than
    /// (T, N, C)/(T, C) and 1-D/2-D targets, a blank outside [0, C), lengths of the wrong count or value, and targets of
    /// the wrong size (the texts are libtorch's, listed in the tests); IndexError for a 0-D log_probs; NotImplementedError
    /// for an integer log_probs; ValueError for an invalid <paramref name="reduction"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A label used by a sample is outside [0, C). libtorch does not check
    /// this and reads out of bounds; there is no value to reproduce.</exception>
    /// <remarks>
    /// <para><b>Formula.</b> For sample b with input length Tb and target l = (l₁…l_Sb), the extended target is
    /// l′ = (blank, l₁, blank, l₂, …, l_Sb, blank) of length L = 2Sb + 1. A path π over Tb frames maps to l when removing
    /// repeats and then blanks gives l; the loss is −log Σ_π Π_t y_t(π_t) with y_t(c) = exp(log_probs[t, b, c]).</para>
    /// <para><b>Forward (α) recursion, in log space.</b> α₀(0) = lp₀(blank), α₀(1) = lp₀(l′₁), α₀(s) = −∞ otherwise;
    /// α_t(s) = LSE(α_{t−1}(s), α_{t−1}(s−1), α_{t−1}(s−2) if s ≥ 2 and l′_s ≠ l′_{s−2}) + lp_t(l′_s).
    /// The loss is −LSE(α_{Tb−1}(L−1), α_{Tb−1}(L−2)) (−α_{Tb−1}(0) when Sb = 0). Tb = 0 gives −0 when Sb = 0, else +∞.
    /// LSE is the max-shifted log Σ exp, with the shift set to 0 when every term is −∞ (so that −∞ − −∞ never occurs);
    /// the three exponentials are added left to right, then the log, then the shift, then lp — libtorch's order.</para>
    /// <para>Repeated labels (l′_s = l′_{s−2}) forbid the skip, so "aa" needs a blank between the two a's; a label equal to
    /// blank is not rejected and simply acts as one in the recursion.</para>
    /// <para><b>Reduction.</b> zero_infinity first replaces +∞ losses by 0. 'mean' divides each loss by
    /// max(target_length, 1) (in the element type) and takes the batch mean (libtorch's cascade sum, then ÷ N); 'sum' is the
    /// cascade sum. The loop is libtorch's plain scalar loop with glibc's exp/log, so values are bit-identical.</para>
    /// </remarks>
    public static Tensor CtcLoss(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths,
        long blank = 0, Reduction reduction = Reduction.Mean, bool zeroInfinity = false)
    {
        CheckCtcReduction(reduction);
        (long[] il, long[] tl) = CtcLengthValues(inputLengths, targetLengths);
        return CtcLoss(logProbs, targets, il, tl, blank, reduction, zeroInfinity);
    }

    /// <summary><c>ctc_loss</c> with the lengths as integer lists (ATen's <c>ctc_loss.IntList</c> overload).</summary>
    /// <param name="logProbs">Log-probabilities (T, N, C) or (T, C).</param>
    /// <param name="targets">Padded (N, S) or concatenated 1-D labels.</param>
    /// <param name="inputLengths">The frames each sample uses.</param>
    /// <param name="targetLengths">The labels each sample has.</param>
    /// <param name="blank">The blank label.</param>
    /// <param name="reduction">The reduction.</param>
    /// <param name="zeroInfinity">Replace infinite losses and their gradients by 0.</param>
    /// <returns>As <see cref="CtcLoss(Tensor, Tensor, Tensor, Tensor, long, Reduction, bool)"/>.</returns>
    /// <exception cref="TorchException">As the tensor overload, without the integral-lengths checks.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label used by a sample is outside [0, C).</exception>
    /// <remarks>See <see cref="CtcLoss(Tensor, Tensor, Tensor, Tensor, long, Reduction, bool)"/>.</remarks>
    public static Tensor CtcLoss(Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths,
        long blank = 0, Reduction reduction = Reduction.Mean, bool zeroInfinity = false)
    {
        CheckCtcReduction(reduction);
        CtcPlan p = PlanCtc(logProbs, targets, inputLengths, targetLengths, blank);
        return logProbs.DType == DType.Float32
            ? CtcForwardTyped<float>(p, logProbs, reduction, zeroInfinity)
            : CtcForwardTyped<double>(p, logProbs, reduction, zeroInfinity);
    }

    /// <summary>
    /// The gradient of <see cref="CtcLoss(Tensor, Tensor, Tensor, Tensor, long, Reduction, bool)"/> with respect to
    /// log_probs, as libtorch's CPU <c>_ctc_loss_backward</c> returns it.
    /// </summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="logProbs">The forward log_probs.</param>
    /// <param name="targets">The forward targets.</param>
    /// <param name="inputLengths">The forward input lengths.</param>
    /// <param name="targetLengths">The forward target lengths.</param>
    /// <param name="blank">The forward blank.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <param name="zeroInfinity">The forward zero_infinity.</param>
    /// <returns>A tensor shaped as log_probs.</returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label used by a sample is outside [0, C).</exception>
    /// <remarks>
    /// <para><b>This is not the gradient of the formula with free log_probs.</b> libtorch returns the gradient as if
    /// log_probs were the output of a log_softmax over C whose backward has already been applied:
    /// grad[t, b, c] = (exp(lp[t, b, c]) − exp(log γ[t, b, c] + nll_b − lp[t, b, c]))·g_b for t &lt; Tb, and 0 for the
    /// padded frames t ≥ Tb. The second term alone is the free gradient ∂loss/∂lp (the posterior of label c at frame t);
    /// exp(lp)·g_b is what the log_softmax correction adds when the lp are normalised. Passed through a log_softmax
    /// backward this gives the same logits gradient; used directly as ∂/∂lp it is off by exp(lp)·g_b.</para>
    /// <para><b>Backward (β) recursion.</b> β_{Tb−1}(L−1) = lp(blank), β_{Tb−1}(L−2) = lp(l′_{L−2}), −∞ elsewhere;
    /// β_t(s) = LSE(β_{t+1}(s), β_{t+1}(s+1), β_{t+1}(s+2) if s &lt; L−2 and l′_{s+2} ≠ l′_s) + lp_t(l′_s), for
    /// t = Tb−2 down to 0 and s = L−1 down to 0. During that loop log γ[t, l′_s] accumulates α_t(s) + β_t(s) by a
    /// pairwise log-add (assigned, not added, while it is still −∞). At frame Tb−1 the two end states are assigned, not
    /// log-added, in the order blank then l′_{L−2}, as libtorch does.</para>
    /// <para><b>g_b.</b> 'none': the sample's upstream gradient; 'sum': the upstream scalar; 'mean': (g/N)/max(Sb, 1) in the
    /// element type (autograd's mean then division backward). With zero_infinity an infinite-loss sample's rows are 0.
    /// Without it, an impossible alignment (nll = +∞) gives NaN on every frame t &lt; Tb (−∞ + ∞ in the exponent), and
    /// 0 on the padded frames; Tb = 0 gives zeros.</para>
    /// </remarks>
    public static Tensor CtcLossBackward(Tensor gradOutput, Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths,
        long blank = 0, Reduction reduction = Reduction.Mean, bool zeroInfinity = false)
    {
        CheckCtcReduction(reduction);
        (long[] il, long[] tl) = CtcLengthValues(inputLengths, targetLengths);
        return CtcLossBackward(gradOutput, logProbs, targets, il, tl, blank, reduction, zeroInfinity);
    }

    /// <summary>The gradient of the integer-list overload of <c>ctc_loss</c> with respect to log_probs.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="logProbs">The forward log_probs.</param>
    /// <param name="targets">The forward targets.</param>
    /// <param name="inputLengths">The forward input lengths.</param>
    /// <param name="targetLengths">The forward target lengths.</param>
    /// <param name="blank">The forward blank.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <param name="zeroInfinity">The forward zero_infinity.</param>
    /// <returns>A tensor shaped as log_probs.</returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label used by a sample is outside [0, C).</exception>
    /// <remarks>See <see cref="CtcLossBackward(Tensor, Tensor, Tensor, Tensor, Tensor, long, Reduction, bool)"/>.</remarks>
    public static Tensor CtcLossBackward(Tensor gradOutput, Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths,
        long blank = 0, Reduction reduction = Reduction.Mean, bool zeroInfinity = false)
    {
        CheckCtcReduction(reduction);
        CtcPlan p = PlanCtc(logProbs, targets, inputLengths, targetLengths, blank);
        return logProbs.DType == DType.Float32
            ? CtcBackwardTyped<float>(gradOutput, p, logProbs, reduction, zeroInfinity)
            : CtcBackwardTyped<double>(gradOutput, p, logProbs, reduction, zeroInfinity);
    }

    /// <summary>
    /// The geometry of a ctc_loss call after libtorch's checks: frames T, batch N, classes C, the int64 labels, each
    /// sample's first label (offset), the lengths, the widest extended target and whether the input was unbatched.
    /// </summary>
    internal sealed record CtcPlan(
        int Frames, int Batch, int Classes, long[] Labels, long[] Offsets, long[] InputLengths, long[] TargetLengths,
        int MaxTargetLength, long Blank, bool Unbatched, int[] InputShape);

    /// <summary>The Tensor overload's own checks: both lengths must be integral; their values as int64 (<c>.to(kLong)</c>).</summary>
    private static (long[] InputLengths, long[] TargetLengths) CtcLengthValues(Tensor inputLengths, Tensor targetLengths)
    {
        ArgumentNullException.ThrowIfNull(inputLengths);
        ArgumentNullException.ThrowIfNull(targetLengths);
        if (!inputLengths.DType.IsIntegral())
        {
            throw Runtime("input_lengths must be integral");
        }
        if (!targetLengths.DType.IsIntegral())
        {
            throw Runtime("target_lengths must be integral");
        }
        return (LongValues(inputLengths), LongValues(targetLengths));

        static long[] LongValues(Tensor t) => t.DType == DType.Int64 ? t.ToArray<long>() : Array.ConvertAll(t.ToArray<int>(), v => (long)v);
    }

    /// <summary>
    /// Every check of libtorch's <c>ctc_loss_impl</c> → <c>_ctc_loss</c> → <c>ctc_loss_allocate_outputs</c>, in its order:
    /// the unsqueeze of an unbatched input, the dtype dispatch, the empty check, the ranks, blank, the length counts, the
    /// target lengths and the targets' size, then the input lengths.
    /// </summary>
    internal static CtcPlan PlanCtc(Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths, long blank)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(inputLengths);
        ArgumentNullException.ThrowIfNull(targetLengths);
        bool unbatched = logProbs.Dim != 3;
        if (unbatched && logProbs.Dim == 0)
        {
            // log_probs.unsqueeze(1) on a 0-D tensor.
            throw Index("Dimension out of range (expected to be in range of [-1, 0], but got 1)");
        }
        if (!logProbs.DType.IsFloatingPoint())
        {
            throw NotImplemented("ctc_loss_cpu", logProbs.DType);
        }
        if (logProbs.Numel == 0)
        {
            throw Runtime("log_probs tensor must not be empty");
        }
        int dim = unbatched ? logProbs.Dim + 1 : 3;
        if (dim != 3)
        {
            throw Runtime($"Expected 3-dimensional tensor, but got {I(dim)}-dimensional tensor for argument #1 'log_probs' (while checking arguments for {CtcCheckedFrom})");
        }
        if (targets.Dim is < 1 or > 2)
        {
            throw Runtime($"Expected 1 to 2 dimensions, but got {I(targets.Dim)}-dimensional tensor for argument #2 'targets' (while checking arguments for {CtcCheckedFrom})");
        }
        int frames = logProbs.Size(0);
        int batch = unbatched ? 1 : logProbs.Size(1);
        int classes = unbatched ? logProbs.Size(1) : logProbs.Size(2);
        if (!(blank >= 0 && blank < classes))
        {
            throw Runtime("blank must be in label range");
        }
        if (inputLengths.Length != batch)
        {
            throw Runtime("input_lengths must be of size batch_size");
        }
        if (targetLengths.Length != batch)
        {
            throw Runtime("target_lengths must be of size batch_size");
        }

        var offsets = new long[batch];
        long maxTarget = 0;
        if (targets.Dim == 1)
        {
            long pos = 0;
            for (int i = 0; i < batch; i++)
            {
                CheckCtcTargetLength(targetLengths[i]);
                offsets[i] = pos;
                pos += targetLengths[i];
                maxTarget = Math.Max(maxTarget, targetLengths[i]);
            }
            if (targets.Size(0) != pos)
            {
                throw Runtime($"Expected tensor to have size {I(pos)} at dimension 0, but got size {I(targets.Size(0))} for argument #2 'targets' (while checking arguments for {CtcCheckedFrom})");
            }
        }
        else
        {
            int rowLength = targets.Size(1);
            for (int i = 0; i < batch; i++)
            {
                CheckCtcTargetLength(targetLengths[i]);
                offsets[i] = (long)i * rowLength;
                maxTarget = Math.Max(maxTarget, targetLengths[i]);
            }
            if (targets.Size(0) != batch)
            {
                throw Runtime($"Expected tensor to have size {I(batch)} at dimension 0, but got size {I(targets.Size(0))} for argument #2 'targets' (while checking arguments for {CtcCheckedFrom})");
            }
            if (rowLength < maxTarget)
            {
                throw Runtime($"Expected tensor to have size at least {I(maxTarget)} at dimension 1, but got size {I(rowLength)} for argument #2 'targets' (while checking arguments for {CtcCheckedFrom})");
            }
            maxTarget = rowLength;
        }
        for (int b = 0; b < batch; b++)
        {
            if (inputLengths[b] < 0)
            {
                throw Runtime($"Expected input_lengths to have value at least 0, but got value {I(inputLengths[b])} (while checking arguments for {CtcCheckedFrom})");
            }
            if (inputLengths[b] > frames)
            {
                throw Runtime($"Expected input_lengths to have value at most {I(frames)}, but got value {I(inputLengths[b])} (while checking arguments for {CtcCheckedFrom})");
            }
        }

        long[] labels = CtcLabels(targets);
        for (int b = 0; b < batch; b++)
        {
            for (long k = 0; k < targetLengths[b]; k++)
            {
                long label = labels[offsets[b] + k];
                if (label < 0 || label >= classes)
                {
                    throw new ArgumentOutOfRangeException(nameof(targets), label,
                        $"target label {I(label)} of sample {I(b)} is outside [0, {I(classes)}); libtorch does not check it and reads out of bounds");
                }
            }
        }
        return new CtcPlan(frames, batch, classes, labels, offsets, inputLengths, targetLengths,
            checked((int)maxTarget), blank, unbatched, logProbs.ShapeArray());
    }

    /// <summary>Python's <c>_Reduction.get_enum(reduction)</c>: only none, mean and sum; the ValueError names the string.</summary>
    private static void CheckCtcReduction(Reduction reduction)
    {
        if (reduction == Reduction.BatchMean)
        {
            throw Value("batchmean is not a valid value for reduction");
        }
        CheckReduction(reduction);
    }

    private static void CheckCtcTargetLength(long length)
    {
        if (length < 0)
        {
            throw Runtime($"Expected target_lengths to have value at least 0, but got value {I(length)} (while checking arguments for {CtcCheckedFrom})");
        }
    }

    /// <summary><c>targets.to(torch.long)</c>: int64 as is, int32 widened, floating values truncated toward zero.</summary>
    private static long[] CtcLabels(Tensor targets)
    {
        if (targets.DType == DType.Int64)
        {
            return targets.ToArray<long>();
        }
        var r = new long[targets.Numel];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = (long)targets.GetDouble(i);
        }
        return r;
    }

    /// <summary>l′_s: blank at even s, the sample's label (s − 1)/2 at odd s.</summary>
    private static long CtcPrime(CtcPlan p, int b, int s) => s % 2 == 0 ? p.Blank : p.Labels[p.Offsets[b] + (s / 2)];

    /// <summary>The per-sample negative log-likelihoods (before zero_infinity) and the log α table, (N, T, 2·S_max + 1).</summary>
    private static (T[] Nll, T[] LogAlpha) CtcAlpha<T>(CtcPlan p, T[] lp)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = (2 * p.MaxTargetLength) + 1;
        int frames = p.Frames, batch = p.Batch, classes = p.Classes;
        var logAlpha = new T[(long)batch * frames * width];
        Array.Fill(logAlpha, T.NegativeInfinity);
        var nll = new T[batch];
        T negInf = T.NegativeInfinity;

        // lp[t, b, c] of the (T, N, C) input; la[b, t, s].
        T Lp(int t, int b, long c) => lp[(((long)t * batch) + b) * classes + c];
        long La(int b, int t, int s) => (((long)b * frames) + t) * width + s;

        for (int b = 0; b < batch; b++)
        {
            int inputLength = (int)p.InputLengths[b];
            int targetLength = (int)p.TargetLengths[b];
            if (inputLength == 0)
            {
                nll[b] = -(targetLength == 0 ? T.Zero : negInf);
                continue;
            }
            logAlpha[La(b, 0, 0)] = Lp(0, b, p.Blank);
            if (targetLength > 0)
            {
                logAlpha[La(b, 0, 1)] = Lp(0, b, CtcPrime(p, b, 1));
            }
            for (int t = 1; t < inputLength; t++)
            {
                for (int s = 0; s < (2 * targetLength) + 1; s++)
                {
                    long prime = CtcPrime(p, b, s);
                    T la1 = logAlpha[La(b, t - 1, s)];
                    T lamax = la1;
                    T la2, la3;
                    if (s > 0)
                    {
                        la2 = logAlpha[La(b, t - 1, s - 1)];
                        if (la2 > lamax)
                        {
                            lamax = la2;
                        }
                    }
                    else
                    {
                        la2 = negInf;
                    }
                    if (s > 1 && CtcPrime(p, b, s - 2) != prime)
                    {
                        la3 = logAlpha[La(b, t - 1, s - 2)];
                        if (la3 > lamax)
                        {
                            lamax = la3;
                        }
                    }
                    else
                    {
                        la3 = negInf;
                    }
                    if (lamax == negInf)
                    {
                        lamax = T.Zero;
                    }
                    logAlpha[La(b, t, s)] = T.Log(T.Exp(la1 - lamax) + T.Exp(la2 - lamax) + T.Exp(la3 - lamax)) + lamax + Lp(t, b, prime);
                }
            }
            if (targetLength == 0)
            {
                nll[b] = -logAlpha[La(b, inputLength - 1, 0)];
            }
            else
            {
                T l1 = logAlpha[La(b, inputLength - 1, targetLength * 2)];
                T l2 = logAlpha[La(b, inputLength - 1, (targetLength * 2) - 1)];
                T m = StdMax(l1, l2);
                m = m == negInf ? T.Zero : m;
                nll[b] = -(T.Log(T.Exp(l1 - m) + T.Exp(l2 - m)) + m);
            }
        }
        return (nll, logAlpha);
    }

    private static Tensor CtcForwardTyped<T>(CtcPlan p, Tensor logProbs, Reduction reduction, bool zeroInfinity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (T[] nll, _) = CtcAlpha(p, logProbs.ToArray<T>());
        if (zeroInfinity)
        {
            for (int b = 0; b < nll.Length; b++)
            {
                nll[b] = nll[b] == T.PositiveInfinity ? T.Zero : nll[b];
            }
        }
        switch (reduction)
        {
            case Reduction.Mean:
                for (int b = 0; b < nll.Length; b++)
                {
                    nll[b] /= T.CreateTruncating(Math.Max(p.TargetLengths[b], 1));
                }
                return Make([CascadeSum.Mean<T>(nll)], []);
            case Reduction.Sum:
                return Make([CascadeSum.All<T>(nll)], []);
            default:
                return Make(nll, p.Unbatched ? [] : [p.Batch]);
        }
    }

    private static Tensor CtcBackwardTyped<T>(Tensor gradOutput, CtcPlan p, Tensor logProbs, Reduction reduction, bool zeroInfinity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] lossShape = reduction == Reduction.None && !p.Unbatched ? [p.Batch] : [];
        T[] g = GradValues<T>(gradOutput, lossShape);
        T[] lp = logProbs.ToArray<T>();
        (T[] nll, T[] logAlpha) = CtcAlpha(p, lp);

        // The gradient reaching _ctc_loss's output: autograd through zero_infinity's where, the division by the clamped
        // target lengths and the mean (or sum), each in the element type.
        var upstream = new T[p.Batch];
        for (int b = 0; b < p.Batch; b++)
        {
            T gb = reduction switch
            {
                Reduction.None => g[b],
                Reduction.Sum => g[0],
                _ => g[0] / T.CreateTruncating(p.Batch) / T.CreateTruncating(Math.Max(p.TargetLengths[b], 1)),
            };
            upstream[b] = zeroInfinity && nll[b] == T.PositiveInfinity ? T.Zero : gb;
        }
        return Make(CtcGrad(p, lp, nll, logAlpha, upstream, zeroInfinity), p.InputShape);
    }

    /// <summary>libtorch's <c>ctc_loss_backward_cpu_template</c>, operation for operation.</summary>
    private static T[] CtcGrad<T>(CtcPlan p, T[] lp, T[] nllAll, T[] logAlpha, T[] upstream, bool zeroInfinity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = (2 * p.MaxTargetLength) + 1;
        int frames = p.Frames, batch = p.Batch, classes = p.Classes;
        T negInf = T.NegativeInfinity;
        var grad = new T[lp.Length];
        Array.Fill(grad, negInf);
        var logBeta = new T[logAlpha.Length];

        long At(int t, int b, long c) => (((long)t * batch) + b) * classes + c;
        long La(int b, int t, int s) => (((long)b * frames) + t) * width + s;

        for (int b = 0; b < batch; b++)
        {
            T nll = nllAll[b];
            if (zeroInfinity && nll == T.PositiveInfinity)
            {
                for (int t = 0; t < frames; t++)
                {
                    Array.Clear(grad, (int)At(t, b, 0), classes);
                }
                continue;
            }
            int inputLength = (int)p.InputLengths[b];
            int targetLength = (int)p.TargetLengths[b];
            if (inputLength > 0)
            {
                int last = inputLength - 1;
                Array.Fill(logBeta, negInf, (int)La(b, last, 0), width);
                logBeta[La(b, last, 2 * targetLength)] = lp[At(last, b, p.Blank)];
                grad[At(last, b, p.Blank)] = logAlpha[La(b, last, 2 * targetLength)] + logBeta[La(b, last, 2 * targetLength)];
                if (targetLength > 0)
                {
                    long prime = CtcPrime(p, b, (2 * targetLength) - 1);
                    logBeta[La(b, last, (2 * targetLength) - 1)] = lp[At(last, b, prime)];
                    grad[At(last, b, prime)] = logAlpha[La(b, last, (2 * targetLength) - 1)] + logBeta[La(b, last, (2 * targetLength) - 1)];
                }
            }
            for (int t = inputLength - 2; t >= 0; t--)
            {
                for (int s = 2 * targetLength; s >= 0; s--)
                {
                    T lb1 = logBeta[La(b, t + 1, s)];
                    T lbmax = lb1;
                    T lb2, lb3;
                    long prime = CtcPrime(p, b, s);
                    if (s < 2 * targetLength)
                    {
                        lb2 = logBeta[La(b, t + 1, s + 1)];
                        if (lb2 > lbmax)
                        {
                            lbmax = lb2;
                        }
                    }
                    else
                    {
                        lb2 = negInf;
                    }
                    if (s < (2 * targetLength) - 1 && CtcPrime(p, b, s + 2) != prime)
                    {
                        lb3 = logBeta[La(b, t + 1, s + 2)];
                        if (lb3 > lbmax)
                        {
                            lbmax = lb3;
                        }
                    }
                    else
                    {
                        lb3 = negInf;
                    }
                    if (lbmax == negInf)
                    {
                        lbmax = T.Zero;
                    }
                    logBeta[La(b, t, s)] = T.Log(T.Exp(lb1 - lbmax) + T.Exp(lb2 - lbmax) + T.Exp(lb3 - lbmax)) + lbmax + lp[At(t, b, prime)];

                    // log γ[t, l′_s] "log+=" α_t(s) + β_t(s).
                    T logAlphaBeta = logAlpha[La(b, t, s)] + logBeta[La(b, t, s)];
                    ref T lcab = ref grad[At(t, b, prime)];
                    if (lcab == negInf)
                    {
                        lcab = logAlphaBeta;
                    }
                    else
                    {
                        T max = StdMax(lcab, logAlphaBeta);
                        lcab = T.Log(T.Exp(lcab - max) + T.Exp(logAlphaBeta - max)) + max;
                    }
                }
            }

            T gr = upstream[b];
            for (int t = 0; t < inputLength; t++)
            {
                for (int c = 0; c < classes; c++)
                {
                    long at = At(t, b, c);
                    T res = grad[at];
                    T lpv = lp[at];
                    // libtorch's res + nll − lp, with the sum's operands in the order its compiled code adds them
                    // (equal values either way; when both are NaN, x86 keeps the first operand's sign).
                    grad[at] = (T.Exp(lpv) - T.Exp(nll + res - lpv)) * gr;
                }
            }
            for (int t = inputLength; t < frames; t++)
            {
                Array.Clear(grad, (int)At(t, b, 0), classes);
            }
        }
        return grad;
    }
}
