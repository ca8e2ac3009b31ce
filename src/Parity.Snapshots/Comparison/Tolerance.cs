using Parity.Native;

namespace Parity.Comparison;

/// <summary>
/// The one tolerance model of Parity, shared by live parity and snapshots: an element passes when
/// <c>|actual − expected| ≤ Atol + Rtol·|expected|</c>; NaN equals NaN; ±∞ must match exactly.
/// </summary>
/// <param name="Rtol">Relative tolerance.</param>
/// <param name="Atol">Absolute tolerance.</param>
public sealed record Tolerance(double Rtol, double Atol)
{
    /// <summary>
    /// float32: <c>torch.testing.assert_close</c>'s defaults for float32 (rtol 1.3e-6, atol 1e-5),
    /// about 11 ulp of relative slack at 1.0 — room for libtorch's vectorised exp/log (Sleef, 1-ulp) against scalar libm.
    /// </summary>
    public static readonly Tolerance Float32 = new(1.3e-6, 1e-5);

    /// <summary>float64: <c>torch.testing.assert_close</c>'s defaults for float64 (rtol 1e-7, atol 1e-7).</summary>
    public static readonly Tolerance Float64 = new(1e-7, 1e-7);

    /// <summary>Bit-for-bit equality (int64 tensors, and the random generator).</summary>
    public static readonly Tolerance Exact = new(0, 0);

    /// <summary>The default tolerance for a dtype.</summary>
    public static Tolerance For(DType dtype) => dtype switch
    {
        DType.Float32 => Float32,
        DType.Float64 => Float64,
        _ => Exact,
    };

    /// <summary>Whether one element passes.</summary>
    public bool Accepts(double expected, double actual)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual))
        {
            return double.IsNaN(expected) && double.IsNaN(actual);
        }
        if (double.IsInfinity(expected) || double.IsInfinity(actual))
        {
            return expected == actual;
        }
        return Math.Abs(actual - expected) <= Atol + (Rtol * Math.Abs(expected));
    }

    /// <inheritdoc/>
    public override string ToString() => $"rtol={Rtol:R}, atol={Atol:R}";
}
