using System.Numerics;

namespace Parity.Native.Fast;

public static partial class FastLosses
{
    /// <summary>Fixed blocking of an element-wise loss over <c>numel</c> elements; a multiple of <see cref="Chunk"/> per block.</summary>
    internal readonly record struct ElementwiseLayout(int PerBlock, int Blocks)
    {
        public static ElementwiseLayout For(int numel)
        {
            long perBlock = Math.Max(TargetBlockElements, ((long)numel + MaxBlocks - 1) / MaxBlocks);
            perBlock = (perBlock + Chunk - 1) / Chunk * Chunk;
            int blocks = (int)((numel + perBlock - 1) / perBlock);
            return new ElementwiseLayout((int)perBlock, blocks);
        }
    }

    internal unsafe struct ElementwiseJob<T>
        where T : unmanaged
    {
        public T* X;
        public T* Y;
        public T* Weight;
        public int WeightLength;
        public T* PosWeight;
        public int PosWeightLength;
        public T* Loss;
        public T* Grad;
        public T* GradOut;
        public T Scale;
        public T Divisor;
        public bool Divide;
        public double* Partials;
        public long* FirstBad;
        public int Length;
        public int PerBlock;
    }

    /// <summary>
    /// The driver the element-wise losses (binary_cross_entropy, binary_cross_entropy_with_logits) share once their
    /// arguments are checked: the fixed blocking, the job, <paramref name="block"/> on the pool for each block, and the
    /// reduction of the per-block partial sums in block order. <paramref name="firstBad"/> is the smallest code a block
    /// left in <see cref="ElementwiseJob{T}.FirstBad"/> (a kernel's first out-of-range element), or
    /// <see cref="long.MaxValue"/>; the caller raises its error before using the result.
    /// </summary>
    private static unsafe T RunElementwiseKernel<T>(
        ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> weight, ReadOnlySpan<T> posWeight,
        Reduction reduction, Span<T> lossOut, Span<T> gradInput, ReadOnlySpan<T> gradOutput, int threads, bool withGrad,
        delegate*<void*, int, void> block, out long firstBad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layout = ElementwiseLayout.For(input.Length);
        int blocks = Math.Max(1, layout.Blocks);
        Span<double> partials = stackalloc double[blocks];
        Span<long> bad = stackalloc long[blocks];
        partials.Clear();
        bad.Fill(long.MaxValue);
        double upstream = gradOutput.Length == 1 ? double.CreateTruncating(gradOutput[0]) : 1.0;

        fixed (T* x = input)
        fixed (T* y = target)
        fixed (T* w = weight)
        fixed (T* pw = posWeight)
        fixed (T* l = lossOut)
        fixed (T* g = gradInput)
        fixed (T* go = gradOutput)
        fixed (double* p = partials)
        fixed (long* b = bad)
        {
            var job = new ElementwiseJob<T>
            {
                X = x,
                Y = y,
                Weight = weight.IsEmpty ? null : w,
                WeightLength = weight.Length,
                PosWeight = posWeight.IsEmpty ? null : pw,
                PosWeightLength = posWeight.Length,
                Loss = reduction == Reduction.None ? l : null,
                Grad = withGrad ? g : null,
                GradOut = reduction == Reduction.None && gradOutput.Length != 0 ? go : null,
                Scale = T.CreateTruncating(upstream),
                // PyTorch divides the mean's gradient by numel last (no rounded reciprocal).
                Divisor = T.CreateTruncating((double)input.Length),
                Divide = reduction == Reduction.Mean,
                Partials = p,
                FirstBad = b,
                Length = input.Length,
                PerBlock = layout.PerBlock,
            };
            BlockPool.Run(layout.Blocks, threads, block, &job);
        }

        firstBad = long.MaxValue;
        foreach (long code in bad[..layout.Blocks])
        {
            firstBad = Math.Min(firstBad, code);
        }

        double total = CombineInOrder(partials[..layout.Blocks]);
        return reduction switch
        {
            Reduction.Mean => MeanOf<T>(total, input.Length),
            Reduction.Sum => T.CreateTruncating(total),
            _ => T.Zero,
        };
    }

    /// <summary>A weight is empty, element-wise, or a trailing-dimension vector whose length divides the input's.</summary>
    internal static void ValidateBroadcastWeight(int weightLength, int inputLength, string name)
    {
        if (weightLength != 0 && weightLength != inputLength && (inputLength % weightLength != 0))
        {
            throw new ArgumentException(
                $"{name} has {weightLength} elements, which neither equals nor divides the input's {inputLength}", name);
        }
    }

    internal static void ValidateElementwiseOutputs(
        int numel, Reduction reduction, int lossLength, bool withGrad, int gradLength, int gradOutputLength)
    {
        if (reduction == Reduction.None)
        {
            RequireLength(lossLength, numel, "lossOut");
        }
        if (withGrad)
        {
            RequireLength(gradLength, numel, "gradInput");
            ValidateGradOutput(gradOutputLength, numel, reduction);
        }
    }

    /// <summary>weight[(start + k) mod length] for k in the chunk; the weight itself when it is element-wise.</summary>
    internal static unsafe Span<T> FillBroadcast<T>(T* weight, int length, int start, Span<T> buffer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = 0;
        int j = start % length;
        while (k < buffer.Length)
        {
            int run = Math.Min(length - j, buffer.Length - k);
            new ReadOnlySpan<T>(weight + j, run).CopyTo(buffer.Slice(k, run));
            k += run;
            j = 0;
        }
        return buffer;
    }
}
