using System.Numerics;
using Parity.Native;
using Parity.Native.Fast;

namespace Parity.Harness.Ops;

/// <summary>
/// The fast kernels (<see cref="FastLosses"/>) as an <see cref="IOpBackend"/> named <c>fast</c>, so the matrix, the
/// snapshots and the fuzzer check them against libtorch (<c>parity run --backend fast</c>). Every call their span API
/// can make is made; every other call is declined as unsupported (<see cref="ISupportedOps.Unsupported"/>), never
/// approximated with the readable ops.
/// </summary>
/// <remarks>
/// <para>What the API covers: <c>binary_cross_entropy</c> (weight broadcast over trailing dimensions),
/// <c>binary_cross_entropy_with_logits</c> (weight, pos_weight), <c>nll_loss</c> and <c>cross_entropy</c> with class-index
/// targets (weight, ignore_index, no label smoothing), forward and the gradient with respect to <c>input</c>;
/// <c>ctc_loss</c> (padded or concatenated int64/int32 targets, int64/int32 length tensors, blank, zero_infinity) forward
/// and the gradient with respect to <c>log_probs</c>; and <c>log_softmax</c> forward; float32 and float64, every
/// reduction (not ctc_loss's deprecated 'elementwise_mean').</para>
/// <para>Declined: <c>sigmoid</c>, <c>softmax</c> and the other ops (no fast kernel); the gradient of
/// <c>log_softmax</c> and gradients with respect to a target; probability targets and label smoothing; mixed dtypes;
/// shapes and weights the kernels' flat layout cannot express — which includes most of the bad inputs, since the
/// kernels do not make PyTorch's shape checks (they throw <see cref="ArgumentException"/>, not PyTorch's error).</para>
/// </remarks>
public sealed class FastBackend : IOpBackend, ISupportedOps, IDeclaredTolerance
{
    private static readonly string[] s_ops = ["log_softmax", "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "ctc_loss"];

    /// <inheritdoc/>
    public string Name => "fast";

    /// <inheritdoc/>
    public IReadOnlyCollection<string> SupportedOps => s_ops;

    /// <inheritdoc/>
    public string? Unsupported(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        string op = call.Op.Name;
        if (!s_ops.Contains(op))
        {
            return $"no fast kernel for {op}";
        }
        var input = call.Primary;
        if (input.DType is not (DType.Float32 or DType.Float64))
        {
            return $"the fast kernels take float32 or float64 input, not {input.DType.Name()}";
        }
        if (op == "ctc_loss")
        {
            return CtcLayout(call);
        }
        foreach (var (name, t) in call.Tensors)
        {
            if (name != "target" || op is "binary_cross_entropy" or "binary_cross_entropy_with_logits")
            {
                if (t.DType != input.DType)
                {
                    return $"{name} is {t.DType.Name()} and input {input.DType.Name()}: the fast kernels take one element type";
                }
            }
        }
        return op switch
        {
            "log_softmax" => LogSoftmaxLayout(call, out _, out _, out _),
            "binary_cross_entropy" or "binary_cross_entropy_with_logits" => ElementwiseLayout(call),
            _ => ClassLayout(call, out _, out _, out _),
        };
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <para>Where the fast kernels part from libtorch's order of operations, and what that costs (ε = 2⁻²³ in float32,
    /// 2⁻⁵² in float64; the fuzzer's upstream gradient is 1, it differentiates sum(output)).</para>
    /// <para>Reduced losses (sum, mean) of all four losses: the kernels sum the per-element losses in double, libtorch in
    /// the element type in a cascade of depth about log₂ n. With terms of both signs (negative weights) the sum can
    /// cancel, and libtorch's error, up to about (⌈log₂ n⌉ + 2)·ε·Σ|ℓᵢ|, is then not relative to the result: the absolute
    /// tolerance grows by that (divided by n, or by |Σw| for nll_loss and cross_entropy, for a mean). The per-element
    /// losses ℓᵢ come from the readable ops with <c>reduction='none'</c>.</para>
    /// <para><c>cross_entropy</c> output: libtorch forms −log_softmax[t] = −((x_t − m) − log s) in the element type from a
    /// float sum s = Σ exp(x − m); the kernel takes log s of a double sum. Each side's error on the unweighted term is
    /// within ε·(|x_t − m| + |log s| + c + 2) (the subtraction, the log, and s's relative error from c exponentials and
    /// their additions), which is not relative to the term when it is small (a confident prediction: log of 1 + tiny).
    /// The absolute tolerance grows by twice that, weighted by |w[t]| and reduced as the loss is (none: the largest).</para>
    /// <para><c>cross_entropy</c> gradient with respect to input: coef·(p_j − [j = t]) with coef = w[t]/W. libtorch takes
    /// p = exp(log_softmax) and subtracts it from the upstream; the kernel scales exp(x − m) by coef/s rounded once. Away
    /// from the target both are within a few ulp of the result; at the target coef·p − coef cancels when p is close
    /// to 1, and each side's error is a few ulp of |coef| (½ for the product, ½ for the difference, up to 2 for p):
    /// the absolute tolerance grows by 8·ε·maxᵢ |coefᵢ|.</para>
    /// <para><c>ctc_loss</c> gradient: libtorch's log-space posteriors carry an error of a few ε times the sample's
    /// summed log-probabilities, not relative to the gradient (see <c>CtcGradientError</c>).</para>
    /// <para><c>binary_cross_entropy_with_logits</c>: the loss (1 − y)·x − q·log σ(x) (q = 1 + (p − 1)·y with pos_weight p)
    /// and the gradient q·σ(x) − p·y, times w, cancel when their two terms are close (a confident logit: x ≈ log σ(x),
    /// σ ≈ y). Both sides form them with a different exp (SLEEF in libtorch, the Cephes polynomial here, each within
    /// about 1 ulp), so each side's error is a few ulp of the terms rather than of the result: 4·ε·|w|·(|(1 − y)·x| +
    /// |q|·(|x| + 1)) for the loss, 4·ε·|w|·(|q| + |p·y|) for the gradient (σ ≤ 1); the absolute tolerance grows by twice
    /// that, reduced as the result is (a gradient element or an unreduced loss: the largest; a sum: summed; a mean: divided by n).</para>
    /// </remarks>
    public Parity.Comparison.Tolerance Tolerance(OpCall call, string result, Parity.Comparison.Tolerance standard)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(standard);
        string op = call.Op.Name;
        if (op == "ctc_loss" && result == "log_probs" && ((ISupportedOps)this).Unsupported(call) is null)
        {
            double ctc = CtcGradientError(call);
            return double.IsFinite(ctc) ? standard with { Atol = standard.Atol + ctc } : standard;
        }
        if (op is not ("binary_cross_entropy" or "binary_cross_entropy_with_logits" or "nll_loss" or "cross_entropy")
            || result is not ("output" or "input") || ((ISupportedOps)this).Unsupported(call) is not null)
        {
            return standard;
        }
        double eps = call.Primary.DType == DType.Float32 ? Math.ScaleB(1, -23) : Math.ScaleB(1, -52);
        bool classOp = op is "nll_loss" or "cross_entropy";
        var weights = classOp ? ClassWeights(call) : default;
        double divisor = classOp ? weights.Sum : call.Primary.Numel;
        double widen = 0;
        if (result == "output" && call.Reduction != Reduction.None)
        {
            Tensor terms;
            try
            {
                terms = new NativeBackend().Evaluate(call.WithArg("reduction", "none"), []).Output;
            }
            catch (TorchException)
            {
                return standard;
            }
            // Non-finite terms make the reduced result NaN or ∞, which the comparison requires exactly.
            double abs = terms.ToDoubleArray().Where(double.IsFinite).Sum(Math.Abs);
            int depth = terms.Numel <= 2 ? 1 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(terms.Numel - 1));
            widen += (depth + 2) * eps * abs / (call.Reduction == Reduction.Mean ? Math.Abs(divisor) : 1);
        }
        if (op == "cross_entropy")
        {
            // The largest coefficient |w[t]|·g/W (the fuzzer's upstream g is 1; W = 1 unless the reduction is a mean).
            double coefficient = weights.Largest / (call.Reduction == Reduction.Mean ? Math.Abs(divisor) : 1);
            widen += result == "output" ? 2 * LogSoftmaxTermError(call, eps, divisor) : 8 * eps * coefficient;
        }
        else if (op == "binary_cross_entropy_with_logits")
        {
            widen += 2 * LogitTermError(call, eps, result == "output");
        }
        return double.IsFinite(widen) ? standard with { Atol = standard.Atol + widen } : standard;
    }

    /// <summary>The bound on one side's cancellation error in binary_cross_entropy_with_logits, reduced as the result is.</summary>
    private static double LogitTermError(OpCall call, double eps, bool output)
    {
        double[] x = call.Primary.ToDoubleArray(), y = call.Required("target").ToDoubleArray();
        double[]? w = call["weight"]?.ToDoubleArray(), p = call["pos_weight"]?.ToDoubleArray();
        double sum = 0, max = 0;
        for (int i = 0; i < x.Length; i++)
        {
            // The fast layout broadcasts weight and pos_weight over trailing dimensions: element i uses index i mod length.
            double wi = w is null ? 1 : w.Length == 0 ? 0 : w[i % w.Length];
            double pi = p is null ? 1 : p.Length == 0 ? 0 : p[i % p.Length];
            double q = 1 + ((pi - 1) * y[i]);
            double terms = output ? Math.Abs((1 - y[i]) * x[i]) + (Math.Abs(q) * (Math.Abs(x[i]) + 1)) : Math.Abs(q) + Math.Abs(pi * y[i]);
            double e = 4 * eps * Math.Abs(wi) * terms;
            if (!double.IsFinite(e))
            {
                continue; // a NaN or ∞ result is compared exactly; it bounds nothing else
            }
            sum += e;
            max = Math.Max(max, e);
        }
        // A gradient element carries one term (divided by n for a mean); a reduced loss carries them all.
        return (call.Reduction, output) switch
        {
            (Reduction.None, _) => max,
            (Reduction.Sum, true) => sum,
            (Reduction.Sum, false) => max,
            (_, true) => sum / x.Length,
            _ => max / x.Length,
        };
    }

    /// <summary>
    /// The ctc_loss gradient bound: libtorch forms the posterior γ = exp(log α + log β + nll − lp) in the element type,
    /// and those terms are as large as the sample's summed log-probabilities Σ_t max_c |lp[t, b, c]| (= S_b), so γ carries
    /// an absolute error of a few ε·S_b where the kernel's double arithmetic does not: 6·ε·S_b·|g_b| per sample (g_b = 1,
    /// or 1/(N·max(target_length_b, 1)) for a mean), the largest over the batch, on each side.
    /// </summary>
    private static double CtcGradientError(OpCall call)
    {
        var lp = call.Primary;
        bool batched = lp.Dim == 3;
        int frames = lp.Size(0), batch = batched ? lp.Size(1) : 1, classes = lp.Size(lp.Dim - 1);
        double eps = lp.DType == DType.Float32 ? Math.ScaleB(1, -23) : Math.ScaleB(1, -52);
        double[] x = lp.ToDoubleArray(), il = call.Required("input_lengths").ToDoubleArray(), tl = call.Required("target_lengths").ToDoubleArray();
        double largest = 0;
        for (int b = 0; b < batch && b < il.Length && b < tl.Length; b++)
        {
            double sum = 0;
            for (int t = 0; t < Math.Min(frames, (int)Math.Max(0, il[b])); t++)
            {
                double m = 0;
                for (int c = 0; c < classes; c++)
                {
                    m = Math.Max(m, Math.Abs(x[(((t * batch) + b) * classes) + c]));
                }
                sum += m;
            }
            double g = call.Reduction == Reduction.Mean ? 1.0 / (batch * Math.Max(tl[b], 1)) : 1;
            largest = Math.Max(largest, 2 * 6 * eps * sum * g);
        }
        return largest;
    }

    /// <summary>
    /// Over the non-ignored targets of a class-index call: Σ w[t] (their count without a weight) and maxᵢ |w[tᵢ]|.
    /// </summary>
    private static (double Sum, double Largest) ClassWeights(OpCall call)
    {
        ClassLayout(call, out _, out int c, out _);
        var weight = call["weight"];
        long ignore = call.Int("ignore_index");
        double sum = 0, largest = 0;
        foreach (long t in call.Required("target").Int64Span)
        {
            if (t != ignore && (ulong)t < (ulong)c)
            {
                double w = weight is null ? 1 : weight.GetDouble((int)t);
                sum += w;
                largest = Math.Max(largest, Math.Abs(w));
            }
        }
        return (sum, largest);
    }

    /// <summary>The bound on one side's error in cross_entropy's weighted −log_softmax terms, reduced as the loss is.</summary>
    private static double LogSoftmaxTermError(OpCall call, double eps, double divisor)
    {
        ClassLayout(call, out _, out int c, out int inner);
        double[] x = call.Primary.ToDoubleArray();
        var target = call.Required("target").Int64Span;
        var weight = call["weight"];
        long ignore = call.Int("ignore_index");
        double sum = 0, max = 0;
        for (int i = 0; i < target.Length; i++)
        {
            long t = target[i];
            if (t == ignore || (ulong)t >= (ulong)c)
            {
                continue;
            }
            // Sample i = (b, k): logit j at ((b·c) + j)·inner + k.
            int b = i / inner, k = i % inner;
            double m = double.NegativeInfinity, s = 0;
            for (int j = 0; j < c; j++)
            {
                m = Math.Max(m, x[(((b * c) + j) * inner) + k]);
            }
            for (int j = 0; j < c; j++)
            {
                s += Math.Exp(x[(((b * c) + j) * inner) + k] - m);
            }
            double w = weight is null ? 1 : Math.Abs(weight.GetDouble((int)t));
            double term = w * eps * (Math.Abs(x[(((b * c) + (int)t) * inner) + k] - m) + Math.Abs(Math.Log(s)) + c + 2);
            if (!double.IsFinite(term))
            {
                continue;
            }
            sum += term;
            max = Math.Max(max, term);
        }
        return call.Reduction switch
        {
            Reduction.Mean => sum / Math.Abs(divisor),
            Reduction.Sum => sum,
            _ => max,
        };
    }

    /// <inheritdoc/>
    /// <remarks>The gradient with respect to <c>input</c>, except for <c>log_softmax</c> (no fast backward).</remarks>
    public IReadOnlyList<string> SupportedGradients(OpCall call, IReadOnlyList<string> requested)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(requested);
        string primary = call.Op.Schema.Primary.Name;
        return call.Op.Name == "log_softmax" ? [] : [.. requested.Where(n => n == primary)];
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The call is one the fast kernels cannot make (see remarks of the class).</exception>
    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(wrt);
        if (((ISupportedOps)this).Unsupported(call) is { } why)
        {
            throw new NotSupportedException(why);
        }
        string primary = call.Op.Schema.Primary.Name;
        if (wrt.Any(n => n != primary))
        {
            throw new NotSupportedException($"the fast kernels give the gradient with respect to {primary} only, not {string.Join(", ", wrt.Where(n => n != primary))}");
        }
        if (wrt.Count > 0 && call.Op.Name == "log_softmax")
        {
            throw new NotSupportedException("the fast log_softmax has no backward");
        }
        NativeBackend.CheckGradientRequest(call, wrt);
        try
        {
            return call.Primary.DType == DType.Float32
                ? Run<float>(call, wrt.Count > 0, gradOutput)
                : Run<double>(call, wrt.Count > 0, gradOutput);
        }
        catch (ArgumentException e)
        {
            // The kernels' own span and label checks (not PyTorch's errors): a call their API does not take.
            throw new NotSupportedException("the fast kernel rejects the call's layout: " + e.Message, e);
        }
    }

    private static OpResult Run<T>(OpCall call, bool grad, Tensor? gradOutput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (call.Op.Name == "ctc_loss")
        {
            return RunCtc<T>(call, grad, gradOutput);
        }
        var input = call.Primary;
        DType dtype = input.DType;
        if (call.Op.Name == "log_softmax")
        {
            LogSoftmaxLayout(call, out int ln, out int lc, out int linner);
            var output = Tensor.Zeros(dtype, input.ShapeArray());
            FastLosses.LogSoftmax<T>(input.AsSpan<T>(), ln, lc, output.AsSpan<T>(), linner);
            return new OpResult(output);
        }
        var reduction = call.Reduction;
        ReadOnlySpan<T> weight = call["weight"] is { } w ? w.AsSpan<T>() : default;
        ReadOnlySpan<T> g = gradOutput is null ? default : gradOutput.AsSpan<T>();
        Tensor? gradInput = grad ? Tensor.Zeros(dtype, input.ShapeArray()) : null;
        Span<T> gi = gradInput is null ? default : gradInput.AsSpan<T>();
        Tensor lossNone;
        T loss;
        switch (call.Op.Name)
        {
            case "binary_cross_entropy":
            {
                lossNone = Tensor.Zeros(dtype, input.ShapeArray());
                var target = call.Required("target").AsSpan<T>();
                Span<T> lo = reduction == Reduction.None ? lossNone.AsSpan<T>() : default;
                loss = grad
                    ? FastLosses.BinaryCrossEntropyForwardBackward(input.AsSpan<T>(), target, gi, weight, reduction, g, lo)
                    : FastLosses.BinaryCrossEntropy(input.AsSpan<T>(), target, weight, reduction, lo);
                break;
            }
            case "binary_cross_entropy_with_logits":
            {
                lossNone = Tensor.Zeros(dtype, input.ShapeArray());
                var target = call.Required("target").AsSpan<T>();
                ReadOnlySpan<T> pw = call["pos_weight"] is { } p ? p.AsSpan<T>() : default;
                Span<T> lo = reduction == Reduction.None ? lossNone.AsSpan<T>() : default;
                loss = grad
                    ? FastLosses.BinaryCrossEntropyWithLogitsForwardBackward(input.AsSpan<T>(), target, gi, weight, pw, reduction, g, lo)
                    : FastLosses.BinaryCrossEntropyWithLogits(input.AsSpan<T>(), target, weight, pw, reduction, lo);
                break;
            }
            default:
            {
                ClassLayout(call, out int n, out int c, out int inner);
                var target = call.Required("target");
                lossNone = Tensor.Zeros(dtype, target.ShapeArray());
                Span<T> lo = reduction == Reduction.None ? lossNone.AsSpan<T>() : default;
                long ignore = call.Int("ignore_index");
                var x = input.AsSpan<T>();
                var y = target.Int64Span;
                loss = (call.Op.Name, grad) switch
                {
                    ("nll_loss", true) => FastLosses.NllLossForwardBackward(x, y, n, c, gi, inner, weight, ignore, reduction, g, lo),
                    ("nll_loss", false) => FastLosses.NllLoss(x, y, n, c, inner, weight, ignore, reduction, lo),
                    (_, true) => FastLosses.CrossEntropyForwardBackward(x, y, n, c, gi, inner, weight, ignore, reduction, g, lo),
                    (_, false) => FastLosses.CrossEntropy(x, y, n, c, inner, weight, ignore, reduction, lo),
                };
                break;
            }
        }
        var result = lossNone;
        if (reduction != Reduction.None)
        {
            result = Tensor.Zeros(dtype);
            result.AsSpan<T>()[0] = loss;
        }
        return gradInput is null ? new OpResult(result) : new OpResult(result, gradInput);
    }

    /// <summary>ctc_loss through <see cref="FastLosses.CtcLossForwardBackward{T}"/>: (T, N, C) or unbatched (T, C) log_probs.</summary>
    private static OpResult RunCtc<T>(OpCall call, bool grad, Tensor? gradOutput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var lp = call.Primary;
        bool batched = lp.Dim == 3;
        int frames = lp.Size(0), batch = batched ? lp.Size(1) : 1, classes = lp.Size(lp.Dim - 1);
        var targets = call.Required("targets");
        long[] labels = Longs(targets), il = Longs(call.Required("input_lengths")), tl = Longs(call.Required("target_lengths"));
        // Padded (N, S) targets, or concatenated 1-D ones (an unbatched sample's 1-D targets are concatenated too, as in libtorch).
        int padded = targets.Dim == 2 ? targets.Size(1) : -1;
        int longest = padded >= 0 ? padded : (int)Math.Clamp(tl.DefaultIfEmpty(0).Max(), 0, int.MaxValue);
        var workspace = new double[FastLosses.CtcLossWorkspaceLength(frames, batch, classes, longest)];
        var reduction = call.Reduction;
        long blank = call.Int("blank");
        bool zeroInfinity = call.Bool("zero_infinity");
        var perSample = new T[reduction == Reduction.None ? batch : 0];
        Tensor? gradLp = grad ? Tensor.Zeros(lp.DType, lp.ShapeArray()) : null;
        T loss = grad
            ? FastLosses.CtcLossForwardBackward<T>(lp.AsSpan<T>(), frames, batch, classes, labels, il, tl, gradLp!.AsSpan<T>(), workspace,
                padded, blank, reduction, zeroInfinity, gradOutput is null ? default : gradOutput.AsSpan<T>(), perSample)
            : FastLosses.CtcLoss<T>(lp.AsSpan<T>(), frames, batch, classes, labels, il, tl, workspace, padded, blank, reduction, zeroInfinity, perSample);
        Tensor output;
        if (reduction == Reduction.None)
        {
            output = batched ? Tensor.Zeros(lp.DType, batch) : Tensor.Zeros(lp.DType);
            perSample.CopyTo(output.AsSpan<T>());
        }
        else
        {
            output = Tensor.Zeros(lp.DType);
            output.AsSpan<T>()[0] = loss;
        }
        return gradLp is null ? new OpResult(output) : new OpResult(output, [new("log_probs", gradLp)], []);

        static long[] Longs(Tensor t) => t.DType == DType.Int64 ? t.Int64Span.ToArray() : Array.ConvertAll(t.ToDoubleArray(), v => (long)v);
    }

    /// <summary>The widest spread of log_probs the fast ctc kernel is given: below its 345-nat flush (see <see cref="FastLosses.CtcLossForwardBackward{T}"/>).</summary>
    private const double MaxCtcGap = 300;

    /// <summary>Why the ctc kernel cannot take the call (null: it can).</summary>
    private static string? CtcLayout(OpCall call)
    {
        var lp = call.Primary;
        if (call.Arg("reduction").AsString is not ("none" or "mean" or "sum"))
        {
            return $"reduction '{call.Arg("reduction").AsString}' (the fast kernel takes none, mean or sum; Python's warning or error is not its)";
        }
        if (lp.Dim is not (2 or 3))
        {
            return $"a {lp.Dim}-D log_probs (PyTorch's error is not the fast kernel's)";
        }
        foreach (string name in new[] { "targets", "input_lengths", "target_lengths" })
        {
            if (call.Required(name).DType is not (DType.Int64 or DType.Int32))
            {
                return $"{name} is {call.Required(name).DType.Name()}: the fast kernel takes int64 or int32";
            }
        }
        var targets = call.Required("targets");
        if (lp.Dim == 3 ? targets.Dim is not (1 or 2) : targets.Dim != 1)
        {
            return $"a {targets.Dim}-D targets for a {lp.Dim}-D log_probs (PyTorch's error is not the fast kernel's)";
        }
        double[] values = lp.ToDoubleArray();
        if (values.Any(v => !double.IsFinite(v)))
        {
            return "non-finite log_probs (the fast kernel works in scaled probability space, for finite log-probabilities)";
        }
        // FastLosses.CtcLossForwardBackward's documented limit: states ~345 nats under a frame's mass are flushed, so
        // log-probability gaps of hundreds of nats lose paths the log-space recursion keeps.
        if (values.Length > 0 && values.Max() - values.Min() > MaxCtcGap)
        {
            return $"log_probs spanning more than {MaxCtcGap} nats (the fast kernel's documented range)";
        }
        // libtorch's log-space sums of a sample's frames overflow to −∞ in the element type; the kernel's doubles do not.
        double largest = lp.DType == DType.Float32 ? float.MaxValue : double.MaxValue;
        if (values.Length > 0 && lp.Size(0) * values.Max(Math.Abs) >= largest)
        {
            return "log_probs whose sum over the frames overflows the element type";
        }
        if (lp.Dim == 2 && (call.Required("input_lengths").Numel != 1 || call.Required("target_lengths").Numel != 1))
        {
            return "unbatched log_probs with more than one length (PyTorch's error is not the fast kernel's)";
        }
        return null;
    }

    private static string? LogSoftmaxLayout(OpCall call, out int n, out int c, out int inner)
    {
        var input = call.Primary;
        int rank = input.Dim;
        long d = call.OptionalInt("dim") is long given ? given : rank <= 1 ? 0 : 1;
        int r = Math.Max(rank, 1);
        n = c = inner = 1;
        if (d < -r || d >= r)
        {
            return $"dim {d} is out of range for a {rank}-D input (PyTorch's error is not the fast kernel's)";
        }
        int dim = (int)(d < 0 ? d + r : d);
        if (rank == 0)
        {
            return null;
        }
        var shape = input.Shape;
        for (int i = 0; i < dim; i++)
        {
            n *= shape[i];
        }
        c = shape[dim];
        for (int i = dim + 1; i < rank; i++)
        {
            inner *= shape[i];
        }
        return null;
    }

    private static string? ElementwiseLayout(OpCall call)
    {
        var input = call.Primary;
        var target = call.Required("target");
        if (!target.Shape.SequenceEqual(input.Shape))
        {
            return "target and input shapes differ (the fast kernels do not broadcast, nor make PyTorch's size check)";
        }
        foreach (string name in new[] { "weight", "pos_weight" })
        {
            if (call[name] is not { } w)
            {
                continue;
            }
            // Broadcast over trailing dimensions only: the weight's shape (leading 1s dropped) is a suffix of the input's.
            var ws = w.Shape.ToArray().SkipWhile(s => s == 1).ToArray();
            var suffix = input.Shape.ToArray().TakeLast(ws.Length).ToArray();
            bool trailing = ws.Length <= input.Dim && ws.SequenceEqual(suffix) && w.Dim <= Math.Max(input.Dim, 1);
            if (name == "pos_weight" && !(w.Dim == 1 && input.Dim >= 1 && w.Numel == input.Shape[^1]))
            {
                return "pos_weight other than one value per trailing element";
            }
            if (!trailing || (w.Numel == 0 && input.Numel != 0))
            {
                return $"a {name} of shape {Tensor.ShapeString(w.Shape)} for input {Tensor.ShapeString(input.Shape)}: the fast kernels broadcast over trailing dimensions only";
            }
            if (w.Numel != 0 && input.Numel % w.Numel != 0)
            {
                return $"{name} does not divide the input";
            }
        }
        return null;
    }

    private static string? ClassLayout(OpCall call, out int n, out int c, out int inner)
    {
        var input = call.Primary;
        var target = call.Required("target");
        n = c = inner = 1;
        if (call.Op.Name == "cross_entropy" && call.Float("label_smoothing") != 0)
        {
            return "label smoothing (no fast kernel)";
        }
        if (target.DType != DType.Int64)
        {
            return "probability targets (the fast kernels take class indices)";
        }
        var shape = input.Shape;
        var ts = target.Shape;
        if (input.Dim == 1)
        {
            c = shape[0];
            if (target.Dim != 0)
            {
                return "an unbatched input needs a 0-D target";
            }
        }
        else if (input.Dim >= 2)
        {
            n = shape[0];
            c = shape[1];
            for (int i = 2; i < input.Dim; i++)
            {
                inner *= shape[i];
            }
            if (target.Dim != input.Dim - 1 || ts[0] != n || !ts[1..].SequenceEqual(shape[2..]))
            {
                return "target shape does not match the input's (PyTorch's size check is not the fast kernel's)";
            }
        }
        else
        {
            return "a 0-D input";
        }
        if (c < 1)
        {
            return "no classes";
        }
        if (inner < 1)
        {
            return "an empty trailing dimension (the fast kernels take inner >= 1)";
        }
        if (call["weight"] is { } w && (w.Dim != 1 || w.Numel != c))
        {
            return "a weight other than one per class";
        }
        return null;
    }
}
