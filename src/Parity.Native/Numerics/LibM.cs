using System.Runtime.InteropServices;

namespace Parity.Native.Numerics;

/// <summary>
/// The C math functions whose exact bits libtorch's CPU kernels inherit from glibc, where .NET's own differ.
/// </summary>
/// <remarks>
/// <para>
/// <c>double.LogP1</c>/<c>float.LogP1</c> in .NET compute <c>log(1 + x)</c> and differ from glibc's <c>log1p</c>/<c>log1pf</c>
/// in the last bit for about a third of inputs; libtorch's BCE kernel and its scalar normal sampler call the libm
/// functions. <c>Math.Log</c>, <c>MathF.Log</c>, <c>Math.Sin</c>/<c>Cos</c> already agree with glibc on x86-64 Linux.
/// </para>
/// <para>This is the one place where the native library calls into the C runtime. On Windows the calls go to
/// <c>ucrtbase</c> and on macOS to <c>libSystem</c>; their results can differ from glibc's in the last bit.</para>
/// </remarks>
public static partial class LibM
{
    private const string Lib = "libm";

    static LibM() => NativeLibrary.SetDllImportResolver(typeof(LibM).Assembly, Resolve);

    /// <summary><c>log1p(x)</c> of the C library (double).</summary>
    public static double Log1p(double x) => log1p(x);

    /// <summary><c>log1pf(x)</c> of the C library (float).</summary>
    public static float Log1p(float x) => log1pf(x);

    /// <summary><c>log(x)</c> of the C library (double): what libtorch's scalar loops call as <c>std::log</c>.</summary>
    public static double Log(double x) => log(x);

    /// <summary><c>logf(x)</c> of the C library (float).</summary>
    public static float Log(float x) => logf(x);

    /// <summary>The C library's log of the element type.</summary>
    public static T Log<T>(T x)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? T.CreateTruncating(logf(float.CreateTruncating(x))) : T.CreateTruncating(log(double.CreateTruncating(x)));

    [LibraryImport(Lib)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial double log(double x);

    [LibraryImport(Lib)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial float logf(float x);

    [LibraryImport(Lib)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial double log1p(double x);

    [LibraryImport(Lib)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial float log1pf(float x);

    private static IntPtr Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib)
        {
            return IntPtr.Zero;
        }
        string[] candidates = OperatingSystem.IsWindows() ? ["ucrtbase.dll", "msvcrt.dll"]
            : OperatingSystem.IsMacOS() ? ["libSystem.dylib", "/usr/lib/libSystem.B.dylib"]
            : ["libm.so.6", "libm.so"];
        foreach (string c in candidates)
        {
            if (NativeLibrary.TryLoad(c, out IntPtr h))
            {
                return h;
            }
        }
        return IntPtr.Zero;
    }
}
