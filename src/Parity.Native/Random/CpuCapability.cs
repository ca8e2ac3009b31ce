namespace Parity.Native.Rng;

/// <summary>
/// Which of libtorch's per-CPU builds of the sampling kernels <see cref="Generator"/> reproduces
/// (libtorch compiles <c>DistributionKernels.cpp</c> once per capability and picks one at run time, or as
/// <c>ATEN_CPU_CAPABILITY</c> says).
/// </summary>
public enum CpuCapability
{
    /// <summary>
    /// The x86-64 AVX2 build, used on AVX2 and AVX-512 processors (the normal sampler registers no AVX-512 kernel):
    /// float32 normals with n ≥ 16 go through the 8-lane Cephes <c>log256_ps</c>/<c>sincos256_ps</c>, and the compiler
    /// fuses the affine steps (<c>u·(to − from) + from</c>, <c>r·cos θ·σ + μ</c>) into FMAs.
    /// </summary>
    Avx2,

    /// <summary>
    /// The baseline build (<c>ATEN_CPU_CAPABILITY=default</c>, pre-AVX2 x86-64, and the scalar code other architectures
    /// start from): float32 normals with n ≥ 16 use the same blocking with the C library's <c>logf</c>, <c>cosf</c>,
    /// <c>sinf</c> in float, and no multiply-add is fused.
    /// </summary>
    Default,
}
