using System.Runtime.InteropServices;

namespace Parity.Torch.PInvoke;

/// <summary>
/// Turns off the TorchScript graph executor's optimizations on the calling thread
/// (<c>torch::jit::setGraphExecutorOptimize(false)</c>, a thread-local switch of libtorch that TorchSharp does not wrap).
/// </summary>
/// <remarks>
/// <para>With optimizations on, the profiling executor specialises a function after its first runs: it may replace
/// eager autograd by its own symbolic derivatives for composite functions (gradients that differ from eager Python in
/// the last bits, or near overflow) and, when later calls bring other input types, take fallback paths that were seen to
/// fail an internal check ("Expected false to be true"). The reference side must be eager Python's behaviour, so every
/// thread that runs Parity's TorchScript runs it unoptimised: each op is then executed as the eager kernel, and autograd
/// records the eager graph.</para>
/// <para>The entry point is found by its Itanium-mangled name in <c>libtorch_cpu</c>; on a platform without it (another
/// C++ ABI) the switch is reported as unavailable and nothing is changed.</para>
/// </remarks>
internal static class JitExecutor
{
    private const string SetOptimize = "_ZN5torch3jit24setGraphExecutorOptimizeEb";
    private const string GetOptimize = "_ZN5torch3jit24getGraphExecutorOptimizeEv";

    [ThreadStatic]
    private static bool t_done;

    private static readonly Lazy<(IntPtr Set, IntPtr Get)> s_entries = new(() =>
    {
        IntPtr lib = LibTorchLoader.TorchCpuHandle;
        return lib != IntPtr.Zero && NativeLibrary.TryGetExport(lib, SetOptimize, out IntPtr set) && NativeLibrary.TryGetExport(lib, GetOptimize, out IntPtr get)
            ? (set, get)
            : (IntPtr.Zero, IntPtr.Zero);
    });

    /// <summary>Whether libtorch's switch was found.</summary>
    public static bool Available => s_entries.Value.Set != IntPtr.Zero;

    /// <summary>Turns the optimizations off on this thread (once per thread; cheap afterwards).</summary>
    public static unsafe void DisableOptimizationOnThisThread()
    {
        if (t_done)
        {
            return;
        }
        var (set, _) = s_entries.Value;
        if (set != IntPtr.Zero)
        {
            ((delegate* unmanaged[Cdecl]<byte, void>)set)(0);
        }
        t_done = true;
    }

    /// <summary>Whether the optimizations are on for this thread (true when the switch is unavailable).</summary>
    public static unsafe bool OptimizationEnabledOnThisThread()
    {
        var (_, get) = s_entries.Value;
        return get == IntPtr.Zero || ((delegate* unmanaged[Cdecl]<byte>)get)() != 0;
    }
}
