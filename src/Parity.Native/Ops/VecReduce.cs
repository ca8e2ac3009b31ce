using System.Numerics;
using System.Runtime.Intrinsics.X86;

namespace Parity.Native.Ops;

/// <summary>
/// The lane structure of libtorch's <c>vec::reduce_all</c>/<c>map_reduce_all</c> as used by the softmax kernels on
/// the last dimension, with the vector width libtorch picks on this CPU.
/// </summary>
internal static class VecReduce
{
    /// <summary>
    /// Bytes of a <c>Vectorized&lt;T&gt;</c> in the softmax kernels: 64 when libtorch runs its AVX-512 build (the CPU has
    /// AVX-512 F/BW/VL/DQ and <c>ATEN_CPU_CAPABILITY</c> does not ask for less), else 32 (AVX2 and the default build).
    /// </summary>
    public static int VectorBytes { get; } = DetectVectorBytes();

    /// <summary>
    /// Whether the lanes are folded with the SIMD butterfly (GCC builds with AVX2/AVX-512 kernels) rather than one
    /// by one from lane 0 (the generic <c>vec_reduce_all</c> of the default build, and of MSVC builds [unverified]).
    /// </summary>
    public static bool ButterflyFold { get; } = !OperatingSystem.IsWindows() && CapabilityOverride() != "DEFAULT"
        && (Avx2.IsSupported || Avx512F.IsSupported);

    private static string? CapabilityOverride() =>
        Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY")?.Trim().ToUpperInvariant();

    private static int DetectVectorBytes()
    {
        string? cap = CapabilityOverride();
        bool avx512 = Avx512F.IsSupported && Avx512BW.IsSupported && Avx512F.VL.IsSupported && Avx512DQ.IsSupported && Fma.IsSupported;
        if (cap is "DEFAULT" or "AVX2" or "ZVECTOR" or "VSX")
        {
            return 32;
        }
        return avx512 ? 64 : 32;
    }

    /// <summary>Lanes of a softmax vector for <typeparamref name="T"/> (16 floats on AVX-512, 8 on AVX2).</summary>
    public static unsafe int Lanes<T>()
        where T : unmanaged => VectorBytes / sizeof(T);

    /// <summary>
    /// Σ map(x) over a row as <c>map_reduce_all</c> adds it: sequentially when the row is shorter than a vector, else
    /// lane-wise over full vectors, the tail into the first lanes only, then a butterfly fold of the lanes
    /// (lane i + lane i⊕W/2, then ⊕W/4, …).
    /// </summary>
    public static T MapSum<T, TMap>(ReadOnlySpan<T> row, TMap map)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMap : IMap<T>
    {
        int n = row.Length;
        int w = Lanes<T>();
        if (n < w)
        {
            T acc = map.Apply(row[0]);
            for (int i = 1; i < n; i++)
            {
                acc += map.Apply(row[i]);
            }
            return acc;
        }
        Span<T> lanes = stackalloc T[w];
        for (int l = 0; l < w; l++)
        {
            lanes[l] = map.Apply(row[l]);
        }
        int d = w;
        for (; d < n - (n % w); d += w)
        {
            for (int l = 0; l < w; l++)
            {
                lanes[l] += map.Apply(row[d + l]);
            }
        }
        for (int l = 0; d + l < n; l++)
        {
            lanes[l] += map.Apply(row[d + l]);
        }
        return Fold(lanes);
    }

    /// <summary>
    /// Σ aᵢ·bᵢ as <c>map2_reduce_all</c> adds it in libtorch's GCC build: like <see cref="MapSum{T, TMap}"/>, except that
    /// each product added to a lane accumulator is fused into it (fma), as the compiler contracts it; the first vector
    /// and rows shorter than a vector are plain products.
    /// </summary>
    public static T DotSum<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = a.Length;
        int w = Lanes<T>();
        bool fuse = ButterflyFold;
        if (n < w)
        {
            T acc = a[0] * b[0];
            for (int i = 1; i < n; i++)
            {
                acc += a[i] * b[i];
            }
            return acc;
        }
        Span<T> lanes = stackalloc T[w];
        for (int l = 0; l < w; l++)
        {
            lanes[l] = a[l] * b[l];
        }
        int d = w;
        for (; d < n - (n % w); d += w)
        {
            for (int l = 0; l < w; l++)
            {
                lanes[l] = fuse ? T.FusedMultiplyAdd(a[d + l], b[d + l], lanes[l]) : lanes[l] + (a[d + l] * b[d + l]);
            }
        }
        for (int l = 0; d + l < n; l++)
        {
            lanes[l] = fuse ? T.FusedMultiplyAdd(a[d + l], b[d + l], lanes[l]) : lanes[l] + (a[d + l] * b[d + l]);
        }
        return Fold(lanes);
    }

    private static T Fold<T>(Span<T> lanes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = lanes.Length;
        if (!ButterflyFold || typeof(T) != typeof(float))
        {
            // libtorch has SIMD lane folds for float only; other types fold lane by lane from lane 0.
            T acc = lanes[0];
            for (int l = 1; l < w; l++)
            {
                acc += lanes[l];
            }
            return acc;
        }
        Span<T> next = stackalloc T[w];
        for (int h = w / 2; h >= 1; h /= 2)
        {
            for (int l = 0; l < w; l++)
            {
                next[l] = lanes[l] + lanes[l ^ h];
            }
            next.CopyTo(lanes);
        }
        return lanes[0];
    }

    /// <summary>c − a·b in a vector lane: fused (fnmadd) where libtorch's GCC build contracts it.</summary>
    public static T FusedNegMulAdd<T>(T a, T b, T c)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ButterflyFold ? T.FusedMultiplyAdd(-a, b, c) : c - (a * b);

    /// <summary>The maximum of a row, NaN if any element is NaN (<c>vec::maximum</c> propagates NaN).</summary>
    public static T MaxPropagateNaN<T>(ReadOnlySpan<T> row)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T m = row[0];
        foreach (T v in row)
        {
            if (T.IsNaN(v))
            {
                return v;
            }
            if (v > m)
            {
                m = v;
            }
        }
        return m;
    }

    /// <summary>An element-wise map applied before a reduction.</summary>
    public interface IMap<T>
    {
        /// <summary>The mapped value.</summary>
        T Apply(T x);
    }

    /// <summary>The identity map.</summary>
    public readonly struct Identity<T> : IMap<T>
    {
        /// <inheritdoc/>
        public T Apply(T x) => x;
    }

    /// <summary>x ↦ exp(x − max).</summary>
    public readonly struct ExpShift<T>(T max) : IMap<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <inheritdoc/>
        public T Apply(T x) => VecExp(x - max);
    }

    /// <summary>
    /// exp as a vector lane computes it: SLEEF's float expf in libtorch's AVX2/AVX-512 builds (<see cref="SleefFloat"/>),
    /// glibc's exp in the default build (which .NET's <see cref="MathF.Exp"/> matches). Float64 lanes use
    /// <see cref="Math.Exp"/> (SLEEF's double exp is not reproduced).
    /// </summary>
    public static T VecExp<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        !ButterflyFold ? T.Exp(x)
        : typeof(T) == typeof(float) ? T.CreateTruncating(SleefFloat.Exp(float.CreateTruncating(x)))
        : T.CreateTruncating(SleefDouble.Exp(double.CreateTruncating(x)));

    /// <summary>log as a vector lane computes it (SLEEF's float logf in libtorch's AVX2/AVX-512 builds).</summary>
    public static T VecLog<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        !ButterflyFold ? T.Log(x)
        : typeof(T) == typeof(float) ? T.CreateTruncating(SleefFloat.Log(float.CreateTruncating(x)))
        : T.CreateTruncating(SleefDouble.Log(double.CreateTruncating(x)));

    /// <summary>log1p as a vector lane computes it (SLEEF's float log1pf in libtorch's AVX2/AVX-512 builds, else glibc).</summary>
    public static T VecLog1p<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        !ButterflyFold ? Functional.Log1p(x)
        : typeof(T) == typeof(float) ? T.CreateTruncating(SleefFloat.Log1p(float.CreateTruncating(x)))
        : T.CreateTruncating(SleefDouble.Log1p(double.CreateTruncating(x)));

    /// <summary>exp at index <paramref name="j"/> of a run of <paramref name="n"/> elements processed in whole vectors of
    /// <paramref name="block"/> lanes with a scalar (glibc) tail, as libtorch's strided kernels do.</summary>
    public static T BlockExp<T>(T x, int j, int n, int block)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        j < n - (n % block) ? VecExp(x) : T.Exp(x);
}
