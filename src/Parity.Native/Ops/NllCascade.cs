using System.Numerics;
using System.Runtime.CompilerServices;

namespace Parity.Native.Ops;

/// <summary>
/// The 8-level cascade libtorch's nll_loss forward (LossNLL.cpp, <c>nll_loss_out_frame</c> and the 2-D kernel) sums its
/// losses and weights with, keyed by the sample's linear index: each value goes into level 0; after sample i, level j
/// is pushed into level j + 1 while the bits of i covered by levels 0…j are all zero; the levels are added in order at
/// the end. Level size 2^p with p = max(4, ⌈log₂ n⌉ / 8).
/// </summary>
internal struct NllCascade<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Levels = 8;
    private readonly int _power;
    private readonly long _mask;
    private LevelSums _sums;

    /// <summary>A cascade over <paramref name="samples"/> samples (the count ignored ones included).</summary>
    public NllCascade(long samples)
    {
        _power = Math.Max(4, CascadeSum.CeilLog2(samples) / Levels);
        _mask = (1L << _power) - 1;
    }

    /// <summary>Adds the value of sample <paramref name="linear"/>, then pushes the finished levels.</summary>
    public void Add(T value, long linear)
    {
        _sums[0] += value;
        Push(linear);
    }

    /// <summary>
    /// Subtracts the value of sample <paramref name="linear"/> (libtorch's loss accumulator does <c>-=</c>; the same
    /// operation keeps a NaN's sign bit as libtorch's), then pushes the finished levels.
    /// </summary>
    public void Subtract(T value, long linear)
    {
        _sums[0] -= value;
        Push(linear);
    }

    private void Push(long linear)
    {
        for (int j = 0; j + 1 < Levels && (linear & (_mask << (j * _power))) == 0; j++)
        {
            _sums[j + 1] += _sums[j];
            _sums[j] = T.Zero;
        }
    }

    /// <summary>The levels added in order.</summary>
    public readonly T Total
    {
        get
        {
            T total = T.Zero;
            for (int j = 0; j < Levels; j++)
            {
                total += _sums[j];
            }
            return total;
        }
    }

    [InlineArray(Levels)]
    private struct LevelSums
    {
        private T _first;
    }
}
