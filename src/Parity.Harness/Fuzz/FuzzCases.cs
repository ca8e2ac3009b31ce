using CsCheck;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Fuzz;

/// <summary>Limits on generated shapes, kept small so cases are cheap and shrinking converges fast.</summary>
/// <param name="MaxRank">Largest rank of the <c>input</c> tensor (≤ 5).</param>
/// <param name="MaxDim">Largest size of one dimension (≤ 7).</param>
/// <param name="MaxNumel">Largest element count of the <c>input</c> tensor.</param>
public sealed record FuzzBounds(int MaxRank = 5, int MaxDim = 7, int MaxNumel = 64)
{
    /// <summary>The default bounds: rank 0–5, dims 0–7, at most 64 elements.</summary>
    public static FuzzBounds Default { get; } = new();

    /// <summary>Bounds no larger than <paramref name="call"/>'s input (used while shrinking).</summary>
    public static FuzzBounds Within(OpCall call, FuzzBounds outer)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(outer);
        int maxDim = 0;
        foreach (int d in call.Primary.Shape)
        {
            maxDim = Math.Max(maxDim, d);
        }
        return new FuzzBounds(
            Math.Min(outer.MaxRank, call.Primary.Dim),
            Math.Min(outer.MaxDim, Math.Max(1, maxDim)),
            Math.Min(outer.MaxNumel, Math.Max(1, call.Primary.Numel)));
    }
}

/// <summary>
/// The fuzz generators of all ops (each op's own is <see cref="OpDefinition.Fuzz"/>), and the pieces they share:
/// dtypes, shapes of rank 0–5 with dims 0–7 (N = 0 and C = 1 in reach), broadcastable shapes, optional tensors and
/// adversarial values (<see cref="FuzzValues"/>).
/// </summary>
/// <remarks>
/// The CsCheck size of a generated call is ordered first by the total element count of its tensors, so CsCheck-style
/// shrinking (keep any failing sample of smaller size) heads for cases with few elements.
/// </remarks>
public static class FuzzCases
{
    /// <summary>Calls of one op.</summary>
    /// <param name="op">The op.</param>
    /// <param name="bounds">Shape limits; null means <see cref="FuzzBounds.Default"/>.</param>
    public static Gen<OpCall> For(OpDefinition op, FuzzBounds? bounds = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        return new ElementCountSized(op.Fuzz(bounds ?? FuzzBounds.Default));
    }

    /// <summary>The total element count of a call's tensors (the primary shrinking order).</summary>
    public static int ElementCount(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.Tensors.Sum(kv => kv.Value.Numel);
    }

    /// <summary>float32 or float64.</summary>
    public static Gen<DType> FloatType => Gen.OneOfConst(DType.Float32, DType.Float64);

    /// <summary>none, mean or sum.</summary>
    public static Gen<Reduction> AnyReduction => Gen.OneOfConst(Reduction.None, Reduction.Mean, Reduction.Sum);

    /// <summary>One dimension size: mostly 1–4, sometimes 0 to the bound.</summary>
    public static Gen<int> Dim(FuzzBounds b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return b.MaxDim <= 1
            ? Gen.Int[0, Math.Max(0, b.MaxDim)]
            : Gen.Frequency((4, Gen.Int[1, Math.Min(4, b.MaxDim)]), (1, Gen.Int[0, b.MaxDim]));
    }

    /// <summary>A rank in [min, max], favouring 1–3.</summary>
    public static Gen<int> Rank(int min, int max)
    {
        max = Math.Max(min, max);
        // Favour ranks 1–3; 0, 4 and 5 stay in reach.
        var choices = new List<(int, IGen<int>)>();
        for (int r = min; r <= max; r++)
        {
            choices.Add((r is >= 1 and <= 3 ? 4 : 1, Gen.Const(r)));
        }
        return Gen.Frequency([.. choices]);
    }

    /// <summary>A shape of rank in [minRank, maxRank] within the bounds.</summary>
    public static Gen<int[]> Shape(int minRank, int maxRank, FuzzBounds b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return from rank in Rank(minRank, Math.Min(maxRank, b.MaxRank))
               from dims in Dim(b).Array[rank]
               select Clamp(dims, b.MaxNumel, 0);
    }

    /// <summary>Shrinks the largest dims (never below 1, never dimension <paramref name="keep"/>) until the count fits.</summary>
    public static int[] Clamp(int[] dims, int maxNumel, int keep)
    {
        ArgumentNullException.ThrowIfNull(dims);
        while (Tensor.NumelOf(dims) > maxNumel)
        {
            int best = -1;
            for (int i = 0; i < dims.Length; i++)
            {
                if (i != keep && dims[i] > 1 && (best < 0 || dims[i] > dims[best]))
                {
                    best = i;
                }
            }
            if (best < 0)
            {
                best = keep;
            }
            dims[best]--;
        }
        return dims;
    }

    /// <summary>A tensor of <paramref name="shape"/> with values of <paramref name="kind"/>.</summary>
    public static Gen<Tensor> Values(DType dtype, int[] shape, ValueKind kind) =>
        FuzzValues.Array(Tensor.NumelOf(shape), kind).Select(v => Tensor.FromDoubles(dtype, v, shape));

    /// <summary>A shape that broadcasts to <paramref name="target"/>: the same shape, a suffix with some dims set to 1, or a scalar.</summary>
    public static Gen<int[]> BroadcastShape(int[] target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return from keep in Gen.Int[0, target.Length]
               from ones in Gen.Bool.Array[keep]
               select target[(target.Length - keep)..].Select((d, i) => ones[i] && i > 0 ? 1 : d).ToArray();
    }

    /// <summary>Null half of the time, else a tensor of <paramref name="gen"/>.</summary>
    public static Gen<Tensor?> Optional(Gen<Tensor> gen) =>
        Gen.Frequency((1, Gen.Const<Tensor?>(() => null)), (1, gen.Select(t => (Tensor?)t)));

    /// <summary>−1 (no mutation) mostly; otherwise which of four structural mistakes to make.</summary>
    public static Gen<int> Mutation => Gen.Frequency((15, Gen.Const(-1)), (1, Gen.Int[0, 3]));

    /// <summary>Puts the total element count in front of the inner CsCheck size, so smaller cases compare smaller.</summary>
    private sealed class ElementCountSized(Gen<OpCall> inner) : Gen<OpCall>
    {
        public override OpCall Generate(PCG pcg, Size? min, out Size size)
        {
            var call = inner.Generate(pcg, null, out var innerSize);
            size = new Size((ulong)ElementCount(call), innerSize);
            return call;
        }
    }
}
