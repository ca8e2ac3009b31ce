using System.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary>PyTorch's default <c>ignore_index</c> of nll_loss and cross_entropy.</summary>
    public const long DefaultIgnoreIndex = -100;

    /// <summary><c>torch.nn.functional.nll_loss(input, target, weight, ignore_index, reduction)</c> (<c>nn.NLLLoss</c>).</summary>
    /// <param name="input">Log-probabilities: (C), (N, C) or (N, C, d1, …, dK); float32 or float64.</param>
    /// <param name="target">Class indices (int64): 0-D or (1) for a (C) input, (N) or (N, d1, …, dK) otherwise.</param>
    /// <param name="weight">Optional per-class weight of C elements, same dtype as input.</param>
    /// <param name="ignoreIndex">A target value that contributes neither loss nor weight (PyTorch's default −100).</param>
    /// <param name="reduction">The reduction.</param>
    /// <returns>'none': (N) or (N, d1, …, dK) (0-D for a (C) input); 'mean'/'sum': 0-D.</returns>
    /// <exception cref="TorchException">
    /// IndexError "Target k is out of bounds." for a class index outside [0, C) other than ignore_index; ValueError for
    /// mismatched batch sizes or a 0-D input; RuntimeError for bad target/weight shapes or dtypes; NotImplementedError
    /// for an int64 input.
    /// </exception>
    /// <remarks>
    /// <para>ℓᵢ = −w[tᵢ]·x[i, tᵢ] (0 where tᵢ = ignore_index). 'sum' is Σℓᵢ; 'mean' is Σℓᵢ / Σ w[tᵢ] over the
    /// non-ignored elements (their count without a weight), so all-ignored gives 0/0 = NaN and an empty batch gives NaN;
    /// 'sum' gives 0 in both cases. The sums use libtorch's 8-level cascade in the element type.</para>
    /// <para>For K-dimensional input the loss is taken per position, the positions ordered as b·(d1⋯dK) + position.</para>
    /// <para>TorchSharp's <c>nll_loss</c> rejects a (C) input ("Expected 2 or more dimensions"); this follows ATen's
    /// <c>nll_loss_nd</c> as Python does and accepts it.</para>
    /// </remarks>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = Functional.DefaultIgnoreIndex, Reduction reduction = Reduction.Mean)
    {
        var p = PlanNll(input, target, weight, reduction);
        return input.DType == DType.Float32
            ? NllForward<float>(p, input.ToArray<float>(), target, weight, ignoreIndex, reduction).Output
            : NllForward<double>(p, input.ToArray<double>(), target, weight, ignoreIndex, reduction).Output;
    }

    /// <summary>The gradient of <see cref="NllLoss"/> with respect to input.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="weight">The forward weight.</param>
    /// <param name="ignoreIndex">The forward ignore_index.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>Zero except at each non-ignored [i, tᵢ]: −w[tᵢ]·gᵢ ('none'), w[tᵢ]·(−g) ('sum'), w[tᵢ]·(−(g/W)) ('mean',
    /// W the forward's total weight). All-ignored 'mean' gives zeros.</returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape; and libtorch's backward checks
    /// the forward does not make: RuntimeError "size mismatch (got input: [C], target: [1])" for a (C) input with a (1)
    /// target unless C is 1, and "expected scalar type Long but found …" for a non-int64 target of an empty batch
    /// (whose mean/sum forward returns without reading it).</exception>
    public static Tensor NllLossBackward(Tensor gradOutput, Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = Functional.DefaultIgnoreIndex, Reduction reduction = Reduction.Mean)
    {
        var p = PlanNll(input, target, weight, reduction);
        return input.DType == DType.Float32
            ? NllBackwardTyped<float>(p, gradOutput, input, target, weight, ignoreIndex, reduction)
            : NllBackwardTyped<double>(p, gradOutput, input, target, weight, ignoreIndex, reduction);
    }

    private static Tensor NllBackwardTyped<T>(NllPlan p, Tensor gradOutput, Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = input.ToArray<T>();
        var (output, totalWeight) = NllForward<T>(p, x, target, weight, ignoreIndex, reduction);
        T[] g = GradValues<T>(gradOutput, output.Shape);
        return Make(NllBackwardCore(p, g, totalWeight, target, weight, ignoreIndex, reduction), input.Shape);
    }

    /// <summary>The geometry of an nll_loss call: rows (batch or 1), classes, positions per row, output shape.</summary>
    internal sealed record NllPlan(int Batch, int Classes, int Map, int[] InputShape, int[] NoneShape, bool Spatial, bool Unbatched);

    /// <summary>All of nll_loss_nd's argument checks, in libtorch's order, up to the kernels' own.</summary>
    internal static NllPlan PlanNll(Tensor input, Tensor target, Tensor? weight, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        if (input.Dim < 1)
        {
            throw Value($"Expected 1 or more dimensions (got {I(input.Dim)})");
        }
        if (input.Dim != 1)
        {
            // libtorch reads a 0-D target's batch size as 0 here.
            int targetBatch = target.Dim == 0 ? 0 : target.Size(0);
            if (input.Size(0) != targetBatch)
            {
                throw Value($"Expected input batch_size ({I(input.Size(0))}) to match target batch_size ({I(targetBatch)}).");
            }
        }
        NllPlan plan;
        if (input.Dim <= 2)
        {
            if (target.Dim > 1)
            {
                throw Runtime("0D or 1D target tensor expected, multi-target not supported");
            }
            if (input.Dim == 1 && target.Dim == 1 && target.Size(0) != 1)
            {
                throw Value($"For 1D input, 1D target must have size 1, but got target size: {I(target.Size(0))}");
            }
            int classes = input.Size(-1);
            if (weight is not null && (weight.Dim != 1 || weight.Numel != classes))
            {
                throw Runtime($"weight tensor should be defined either for all {I(classes)} classes or no classes but got weight tensor of shape: {S(weight.Shape)}");
            }
            bool unbatched = input.Dim == 1;
            plan = new NllPlan(unbatched ? 1 : input.Size(0), classes, 1, input.ShapeArray(), unbatched ? [] : [input.Size(0)], false, unbatched);
            CheckNllKernelTypes(input, weight, "nll_loss_out_frame");
            return plan;
        }
        if (input.Dim == 4)
        {
            if (target.Dim != 3)
            {
                throw Runtime($"only batches of spatial targets supported (3D tensors) but got targets of dimension: {I(target.Dim)}");
            }
        }
        else
        {
            var expected = new int[input.Dim - 1];
            expected[0] = input.Size(0);
            for (int i = 2; i < input.Dim; i++)
            {
                expected[i - 1] = input.Size(i);
            }
            if (!target.Shape[1..].SequenceEqual(expected.AsSpan(1)))
            {
                throw Runtime($"Expected target size {S(expected)}, got {S(target.Shape)}");
            }
        }
        int c = input.Size(1);
        if (weight is not null && weight.Numel != c)
        {
            throw Runtime("weight tensor should be defined either for all or no classes");
        }
        if (input.Dim == 4 && (input.Size(0) != target.Size(0) || input.Size(2) != target.Size(1) || input.Size(3) != target.Size(2)))
        {
            throw Runtime($"size mismatch (got input: {S(input.Shape)} , target: {S(target.Shape)}");
        }
        if (input.Dim != 4 && input.Numel == 0 && target.Numel > 0)
        {
            // nll_loss_nd views a 3-D or ≥5-D input as (N, C, 1, -1) for nll_loss2d, but an input with no elements as
            // (N, C, 0, 0) ("support empty batches"), while a non-empty target becomes (N, 1, numel / N). Target and
            // input shapes agree by now, so this happens only for C = 0 with N and the positions non-zero, and
            // nll_loss2d's size check fails before the target's dtype or values are read.
            int n = input.Size(0);
            throw Runtime($"size mismatch (got input: {S([n, c, 0, 0])} , target: {S([n, 1, target.Numel / n])}");
        }
        int map = 1;
        for (int i = 2; i < input.Dim; i++)
        {
            map *= input.Size(i);
        }
        var noneShape = new int[input.Dim - 1];
        noneShape[0] = input.Size(0);
        for (int i = 2; i < input.Dim; i++)
        {
            noneShape[i - 1] = input.Size(i);
        }
        plan = new NllPlan(input.Size(0), c, map, input.ShapeArray(), noneShape, true, false);
        CheckNllKernelTypes(input, weight, "nll_loss2d_forward_out_frame");
        return plan;
    }

    private static void CheckNllKernelTypes(Tensor input, Tensor? weight, string kernel)
    {
        if (!input.DType.IsFloatingPoint())
        {
            throw NotImplemented(kernel, input.DType);
        }
        if (weight is not null && weight.DType != input.DType)
        {
            throw ExpectedScalarType(input.DType, weight.DType);
        }
    }

    private static void CheckTargetLong(Tensor target)
    {
        if (target.DType != DType.Int64)
        {
            throw ExpectedScalarType(DType.Int64, target.DType);
        }
    }

    private static TorchException OutOfBounds(long t) => Index($"Target {I(t)} is out of bounds.");

    /// <summary>The forward kernels (nll_loss_out_frame / nll_loss2d_forward_out_frame): output and total weight.</summary>
    internal static (Tensor Output, T TotalWeight) NllForward<T>(NllPlan p, T[] x, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[]? w = weight?.ToArray<T>();
        int n = p.Batch * p.Map;
        if (reduction == Reduction.None && !p.Unbatched)
        {
            CheckTargetLong(target);
            ReadOnlySpan<long> t = target.Int64Span;
            var outv = new T[n];
            for (int b = 0; b < p.Batch; b++)
            {
                for (int e = 0; e < p.Map; e++)
                {
                    long cur = t[(b * p.Map) + e];
                    if (cur == ignoreIndex)
                    {
                        outv[(b * p.Map) + e] = T.Zero;
                        continue;
                    }
                    if (cur < 0 || cur >= p.Classes)
                    {
                        throw OutOfBounds(cur);
                    }
                    T cw = w is null ? T.One : w[cur];
                    outv[(b * p.Map) + e] = -x[(b * p.Classes * p.Map) + ((int)cur * p.Map) + e] * cw;
                }
            }
            return (Make(outv, p.NoneShape), T.Zero);
        }
        if (target.Numel == 0)
        {
            // libtorch fills an empty batch's mean with quiet_NaN(), whose sign bit is clear; .NET's NaN has it set.
            return (Make([reduction == Reduction.Mean ? T.CopySign(T.NaN, T.One) : T.Zero], []), T.Zero);
        }
        CheckTargetLong(target);
        ReadOnlySpan<long> tg = target.Int64Span;
        var wsum = new NllCascade<T>(n);
        var lsum = new NllCascade<T>(n);
        long ignored = 0;
        for (int b = 0; b < p.Batch; b++)
        {
            for (int e = 0; e < p.Map; e++)
            {
                int linear = (b * p.Map) + e;
                long cur = tg[linear];
                if (cur == ignoreIndex)
                {
                    ignored++;
                    continue;
                }
                if (cur < 0 || cur >= p.Classes)
                {
                    throw OutOfBounds(cur);
                }
                T data = x[(b * p.Classes * p.Map) + ((int)cur * p.Map) + e];
                lsum.Subtract(w is not null ? data * w[cur] : data, linear);
                if (w is not null)
                {
                    wsum.Add(w[cur], linear);
                }
            }
        }
        T total = w is null ? T.CreateTruncating(n - ignored) : wsum.Total;
        T outVal = lsum.Total;
        if (reduction == Reduction.Mean)
        {
            outVal /= total;
        }
        return (Make([outVal], []), total);
    }

    /// <summary>The backward kernels: the gradient with respect to the (log-probability) input.</summary>
    internal static T[] NllBackwardCore<T>(NllPlan p, T[] g, T totalWeight, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // nll_loss_backward's own checks, which the forward does not make: a (C) input with a (1) target passes the
        // forward but fails the backward's size check unless C is 1; and the backward reads the target as int64 even
        // when the batch is empty (the forward's mean/sum return early without looking at it).
        if (p.Unbatched && target.Dim == 1 && target.Size(0) != p.Classes)
        {
            throw Runtime($"size mismatch (got input: {S(p.InputShape)}, target: {S(target.Shape)})");
        }
        CheckTargetLong(target);
        T[]? w = weight?.ToArray<T>();
        var gi = new T[p.Batch * p.Classes * p.Map];
        if (target.Numel == 0)
        {
            return gi;
        }
        ReadOnlySpan<long> t = target.Int64Span;
        bool none = reduction == Reduction.None && !p.Unbatched;
        T grad = none ? T.Zero : -(reduction == Reduction.Mean ? g[0] / totalWeight : g[0]);
        for (int b = 0; b < p.Batch; b++)
        {
            for (int e = 0; e < p.Map; e++)
            {
                int linear = (b * p.Map) + e;
                long cur = t[linear];
                if (cur == ignoreIndex)
                {
                    continue;
                }
                if (cur < 0 || cur >= p.Classes)
                {
                    throw OutOfBounds(cur);
                }
                int k = (b * p.Classes * p.Map) + ((int)cur * p.Map) + e;
                if (none)
                {
                    T cw = w is null ? T.One : w[cur];
                    gi[k] = -cw * g[linear];
                }
                else
                {
                    gi[k] = w is null ? grad : w[cur] * grad;
                }
            }
        }
        return gi;
    }
}
