using System.Runtime.InteropServices;

namespace Parity.Torch.PInvoke;

/// <summary>The few libc entry points the loader needs. All native interop of Parity lives in this folder.</summary>
internal static partial class Libc
{
    public const int RtldNow = 0x2;
    public const int RtldGlobal = 0x100;

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr DlOpen(string? file, int mode);

    [LibraryImport("libc", EntryPoint = "dlvsym", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr DlVSym(IntPtr handle, string symbol, string version);

    [LibraryImport("libc", EntryPoint = "dlsym", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr DlSym(IntPtr handle, string symbol);

    [LibraryImport("libc", EntryPoint = "dlerror")]
    public static partial IntPtr DlError();

    /// <summary>The last dlerror text, or an empty string.</summary>
    public static string LastError()
    {
        IntPtr p = DlError();
        return p == IntPtr.Zero ? "" : Marshal.PtrToStringUTF8(p) ?? "";
    }
}
