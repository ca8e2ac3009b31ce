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
