using static Parity.Native.Ops.TorchChecks;
using P = Parity.Native.Ops.PointwiseChain;

namespace Parity.Native.Ops;

/// <summary>The gradients of <see cref="Functional.PoissonNllLoss"/>.</summary>
/// <param name="Input">d loss / d input (input's shape and dtype); null when input is an integer tensor (autograd cannot differentiate it).</param>
/// <param name="Target">d loss / d target (target's shape and dtype); null when target is an integer tensor.</param>
public readonly record struct PoissonNllLossGrads(Tensor? Input, Tensor? Target);

public static partial class Functional
{
    /// <summary>The 2π that ATen's Stirling term multiplies target by (<c>2 * c10::pi&lt;double&gt;</c>).</summary>
    private const double TwoPi = 2 * Math.PI;

    /// <summary>
    /// <c>torch.nn.functional.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=reduction)</c>
    /// (<c>nn.PoissonNLLLoss</c>): the negative log likelihood of target under a Poisson distribution whose rate is
    /// input (or exp(input)).
    /// </summary>
    /// <param name="input">The rate (<paramref name="logInput"/> false) or its logarithm (true).</param>
    /// <param name="target">Counts; broadcast with input (no size check).</param>
    /// <param name="logInput">Whether input is the log of the rate (PyTorch's default true).</param>
    /// <param name="full">Whether to add the Stirling approximation of log(target!) (default false).</param>
    /// <param name="eps">Added to the rate inside the log when <paramref name="logInput"/> is false (default 1e-8).</param>
    /// <param name="reduction"><see cref="Reduction.None"/>, <see cref="Reduction.Mean"/> or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss: the broadcast shape of input and target for 'none', else 0-D.</returns>
    /// <exception cref="TorchException">
    /// ValueError for a reduction other than none/mean/sum (Python's check, before any computation); RuntimeError when
    /// input and target do not broadcast.
    /// </exception>
    /// <remarks>
    /// <para>ℓ = exp(x) − t·x when log_input, else ℓ = x − t·log(x + eps). With full, the Stirling term
    /// t·log t − t + ½·log(2π·t) is added where t &gt; 1 (it is zeroed with masked_fill where t ≤ 1, so the
    /// values there are computed and discarded; their NaN and ±∞ do not reach the loss).</para>
    /// <para>Each step is one ATen op in the promoted dtype, in ATen's order (<c>poisson_nll_loss</c> in Loss.cpp is
    /// a composite). 'mean' divides the cascade sum by the element count of the broadcast loss; an empty loss gives
    /// NaN for 'mean' and 0 for 'sum'. Arithmetic is bit-identical with libtorch; float32 exp and log go through
    /// MKL there and can differ by an ulp.</para>
    /// </remarks>
    public static Tensor PoissonNllLoss(Tensor input, Tensor target, bool logInput = true, bool full = false, double eps = 1e-8, Reduction reduction = Reduction.Mean)
    {
        CheckPoisson(input, target, reduction);
        return PoissonForward(P.Of(input), P.Of(target), logInput, full, eps).Loss.Reduce(reduction).ToTensor();
    }

    /// <summary>The gradients of <see cref="PoissonNllLoss"/> with respect to input and target, as autograd computes them.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss (0-D for mean/sum).</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="logInput">The forward log_input.</param>
    /// <param name="full">The forward full.</param>
    /// <param name="eps">The forward eps.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>
    /// d/dx = g·(exp(x) − t) or g·(1 − t/(x + eps)); d/dt = −g·x or −g·log(x + eps), plus with full, where t &gt; 1,
    /// g·(log t + t/t − 1 + ½·2π/(2π·t)). Where t ≤ 1 the masked Stirling term still sends 0·log t and 0/t back,
    /// so the target gradient is NaN at t = 0 and for t &lt; 0 (as in libtorch). Summed over broadcast dimensions.
    /// </returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    public static PoissonNllLossGrads PoissonNllLossBackward(Tensor gradOutput, Tensor input, Tensor target, bool logInput = true, bool full = false, double eps = 1e-8, Reduction reduction = Reduction.Mean)
    {
        CheckPoisson(input, target, reduction);
        P x = P.Of(input), t = P.Of(target);
        PoissonSteps s = PoissonForward(x, t, logInput, full, eps);
        P g = P.ReduceBackward(gradOutput, reduction, s.Loss.Shape, s.Loss.DType);

        // autograd runs the nodes newest first: the Stirling branch (added last) reaches target before the main term.
        var targetParts = new List<P>();
        if (full)
        {
            P gs = g.Edge(s.Stirling!.Shape, s.Stirling.DType).MaskedFill(s.StirlingMask!, 0);
            // 0.5 * log(2π·t): mul(0.5) → log → mul(2π)
            P gHalf = gs.Scalar(0.5, static (a, b) => a * b).Edge(s.LogTwoPiT!.Shape, s.LogTwoPiT.DType);
            P gP = (gHalf / s.TwoPiT!).Edge(s.TwoPiT!.Shape, s.TwoPiT!.DType);
            targetParts.Add(gP.Scalar(TwoPi, static (a, b) => a * b));
            // (t·log t) − t
            targetParts.Add(-gs);
            P gA = gs.Edge(s.TLogT!.Shape, s.TLogT.DType);
            targetParts.Add((gA * s.LogT!).Edge(t.Shape, t.DType));
            P gLogT = (gA * t).Edge(s.LogT!.Shape, s.LogT!.DType);
            targetParts.Add(gLogT / t);
        }

        P gMain = g.Edge(s.Main.Shape, s.Main.DType);
        P? gx;
        if (logInput)
        {
            // exp(x) − t·x: the product (newer) first
            P gProd = (-gMain).Edge(s.Product.Shape, s.Product.DType);
            targetParts.Add(gProd * x);
            P fromProd = (gProd * t).Edge(x.Shape, x.DType);
            P gExp = gMain.Edge(s.Rate.Shape, s.Rate.DType);
            P fromExp = (gExp * s.Rate).Edge(x.Shape, x.DType);
            gx = fromProd + fromExp;
        }
        else
        {
            // x − t·log(x + eps)
            P fromSelf = gMain.Edge(x.Shape, x.DType);
            P gProd = (-gMain).Edge(s.Product.Shape, s.Product.DType);
            targetParts.Add(gProd * s.Rate);
            P gLog = (gProd * t).Edge(s.Rate.Shape, s.Rate.DType);
            P gShift = (gLog / s.Shifted!).Edge(s.Shifted!.Shape, s.Shifted!.DType);
            gx = fromSelf + gShift.Edge(x.Shape, x.DType);
        }

        P? gt = null;
        foreach (P part in targetParts)
        {
            P e = part.Edge(t.Shape, t.DType);
            gt = gt is null ? e : (gt + e).Cast(t.DType);
        }
        return new PoissonNllLossGrads(
            input.DType.IsFloatingPoint() ? gx.Edge(x.Shape, x.DType).ToTensor() : null,
            target.DType.IsFloatingPoint() ? gt!.ToTensor() : null);
    }

    private static void CheckPoisson(Tensor input, Tensor target, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        // torch/nn/functional.py, poisson_nll_loss: the reduction string is checked before ATen is called.
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw Value($"{P.PythonReductionName(reduction)} is not a valid value for reduction");
        }
    }

    /// <summary>The intermediates of ATen's poisson_nll_loss that its backward needs.</summary>
    private sealed record PoissonSteps(P Loss, P Main, P Rate, P Product, P? Shifted, P? Stirling, bool[]? StirlingMask, P? LogT, P? TLogT, P? TwoPiT, P? LogTwoPiT);

    private static PoissonSteps PoissonForward(P x, P t, bool logInput, bool full, double eps)
    {
        P main, rate, product;
        P? shifted = null;
        if (logInput)
        {
            rate = x.Exp();
            product = t * x;
            main = rate - product;
        }
        else
        {
            shifted = x.Scalar(eps, static (a, b) => a + b);
            rate = shifted.Log();
            product = t * rate;
            main = x - product;
        }
        if (!full)
        {
            return new PoissonSteps(main, main, rate, product, shifted, null, null, null, null, null, null);
        }
        P logT = t.Log();
        P tLogT = t * logT;
        P twoPiT = t.Scalar(TwoPi, static (a, b) => a * b);
        P logTwoPiT = twoPiT.Log();
        P stirling = (tLogT - t) + logTwoPiT.Scalar(0.5, static (a, b) => a * b);
        bool[] mask = ExpandMask(t.Mask(static v => v <= 1), t.Shape, stirling.Shape);
        P masked = stirling.MaskedFill(mask, 0);
        P loss = main.AddInPlace(masked);
        return new PoissonSteps(loss, main, rate, product, shifted, masked, mask, logT, tLogT, twoPiT, logTwoPiT);
    }

    /// <summary>A mask broadcast to <paramref name="to"/>.</summary>
    private static bool[] ExpandMask(bool[] mask, int[] from, int[] to)
    {
        if (from.AsSpan().SequenceEqual(to))
        {
            return mask;
        }
        double[] m = Expand<double>(Tensor.FromArray(Array.ConvertAll(mask, v => v ? 1.0 : 0.0), from), to);
        return Array.ConvertAll(m, v => v != 0);
    }
}
