using System.Runtime.InteropServices;
using System.Text;

namespace Parity.Torch.PInvoke;

/// <summary>
/// Reads two facts libtorch reports about itself that TorchSharp does not expose: <c>at::get_cpu_capability()</c>
/// (what <c>torch.backends.cpu.get_cpu_capability()</c> prints in Python) and <c>at::show_config()</c>
/// (<c>torch.__config__.show()</c>).
/// </summary>
/// <remarks>
/// Both are C++ functions returning <c>std::string</c> (libstdc++'s C++11 ABI). On linux-x64 such a function takes a
/// hidden pointer to the result in the first argument register, and the string is laid out as
/// <c>{ char* data; size_t length; char local[16]; }</c>; the heap buffer, when <c>data</c> does not point at
/// <c>local</c>, is released with <c>operator delete</c>. On other platforms, or when a symbol is missing,
/// the functions return null.
/// </remarks>
internal static unsafe class AtenInfo
{
    private const int RtldNoLoad = 0x4;

    [StructLayout(LayoutKind.Sequential)]
    private struct StdString
    {
        public byte* Data;
        public nuint Length;
        public fixed byte Local[16];
    }

    /// <summary><c>at::get_cpu_capability()</c>: <c>DEFAULT</c>, <c>AVX2</c>, <c>AVX512</c>, …; null when unavailable.</summary>
    public static string? CpuCapability() => Call("_ZN2at18get_cpu_capabilityB5cxx11Ev");

    /// <summary><c>at::show_config()</c>: libtorch's build description; null when unavailable.</summary>
    public static string? ShowConfig() => Call("_ZN2at11show_configB5cxx11Ev");

    private static string? Call(string symbol)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return null;
        }
        // libtorch_cpu.so is already loaded (by LibTorchLoader or TorchSharp); RTLD_NOLOAD only returns its handle.
        IntPtr lib = Libc.DlOpen("libtorch_cpu.so", Libc.RtldNow | RtldNoLoad);
        IntPtr stdcxx = Libc.DlOpen("libstdc++.so.6", Libc.RtldNow | RtldNoLoad);
        if (lib == IntPtr.Zero || stdcxx == IntPtr.Zero)
        {
            return null;
        }
        IntPtr function = Libc.DlSym(lib, symbol);
        IntPtr operatorDelete = Libc.DlSym(stdcxx, "_ZdlPv");
        if (function == IntPtr.Zero || operatorDelete == IntPtr.Zero)
        {
            return null;
        }
        StdString result = default;
        ((delegate* unmanaged<StdString*, void>)function)(&result);
        string text = Encoding.UTF8.GetString(result.Data, checked((int)result.Length));
        if (result.Data != result.Local)
        {
            ((delegate* unmanaged<void*, void>)operatorDelete)(result.Data);
        }
        return text;
    }
}
