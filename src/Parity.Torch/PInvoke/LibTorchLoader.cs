using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Parity.Torch.PInvoke;

/// <summary>The outcome of preparing libtorch for this process.</summary>
/// <param name="Available">Whether TorchSharp's native bridge is loaded and usable.</param>
/// <param name="Reason">Why not, when <paramref name="Available"/> is false; otherwise a one-line description of what was done.</param>
/// <param name="Patched">Whether a patched copy of <c>libLibTorchSharp.so</c> was needed (older libstdc++).</param>
/// <param name="BridgePath">The bridge library that was loaded, if any.</param>
public sealed record LibTorchStatus(bool Available, string Reason, bool Patched, string? BridgePath);

/// <summary>
/// Makes TorchSharp's native bridge loadable on systems whose libstdc++ predates GCC 13 (Debian 12), with no manual step.
/// </summary>
/// <remarks>
/// <para>
/// <c>libLibTorchSharp.so</c> in TorchSharp 0.107.0 requires <c>GLIBCXX_3.4.32</c> for a single symbol,
/// <c>std::ios_base_library_init()</c>. When the system libstdc++ lacks that version, this loader:
/// </para>
/// <list type="number">
/// <item>copies only the bridge into a cache folder keyed by TorchSharp's version and the file's SHA-256
/// (the NuGet cache is never written, and the libtorch libraries are never copied: a second <c>libtorch_cpu.so</c>
/// in one process aborts it);</item>
/// <item>makes that version requirement weak and the symbol unversioned (<see cref="ElfVersionPatcher"/>);</item>
/// <item>if a relocation refers to a demoted symbol, builds a one-function shim from <c>ios_base_shim.c</c> with the
/// system C compiler and loads it with <c>RTLD_GLOBAL</c> so the reference binds to it (TorchSharp 0.107.0 has no such
/// relocation, so no compiler is needed for it);</item>
/// <item>loads the application's own <c>libc10.so</c>, <c>libtorch_cpu.so</c>, <c>libtorch.so</c> by full path, then the
/// patched copy, whose soname (<c>libLibTorchSharp.so</c>) TorchSharp's loader then finds already loaded.</item>
/// </list>
/// <para>On a system whose libstdc++ has <c>GLIBCXX_3.4.32</c>, and on other operating systems, TorchSharp is left untouched.</para>
/// <para>Set <c>PARITY_TORCH=off</c> to run without libtorch; <see cref="Status"/> then says so.</para>
/// </remarks>
public static class LibTorchLoader
{
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const string BridgeName = "libLibTorchSharp.so";
    private static readonly Lazy<LibTorchStatus> s_status = new(Prepare, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Prepares libtorch once per process and returns the outcome; later calls return the same value.</summary>
    public static LibTorchStatus Status => s_status.Value;

    /// <summary>Throws unless libtorch is available.</summary>
    /// <exception cref="InvalidOperationException">libtorch could not be loaded; the message says why.</exception>
    public static void EnsureAvailable()
    {
        var s = Status;
        if (!s.Available)
        {
            throw new InvalidOperationException("libtorch is not available: " + s.Reason);
        }
    }

    /// <summary>The folder holding the patched bridge and shim: <c>PARITY_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/parity</c>, else <c>~/.cache/parity</c>.</summary>
    public static string CacheRoot
    {
        get
        {
            string? explicitDir = Environment.GetEnvironmentVariable("PARITY_CACHE_DIR");
            if (!string.IsNullOrEmpty(explicitDir))
            {
                return explicitDir;
            }
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "parity");
        }
    }

    /// <summary>The TorchSharp package version this process runs against.</summary>
    public static string TorchSharpVersion
    {
        get
        {
            var asm = typeof(TorchSharp.torch).Assembly;
            string v = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? asm.GetName().Version?.ToString() ?? "unknown";
            int plus = v.IndexOf('+', StringComparison.Ordinal);
            return plus >= 0 ? v[..plus] : v;
        }
    }

    private static LibTorchStatus Prepare()
    {
        string? env = Environment.GetEnvironmentVariable("PARITY_TORCH");
        if (string.Equals(env, "off", StringComparison.OrdinalIgnoreCase) || env == "0")
        {
            return new LibTorchStatus(false, "disabled by PARITY_TORCH=off", false, null);
        }
        try
        {
            var prep = PrepareNative();
            // Touch TorchSharp: this runs its own loader and fails here, not later, if anything is missing.
            TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
            return prep;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new LibTorchStatus(false, Flatten(e), false, null);
        }
    }

    private static IntPtr s_torchCpu;

    /// <summary>The handle of the loaded <c>libtorch_cpu</c> (after <see cref="EnsureAvailable"/>), for the few C++ entry
    /// points TorchSharp does not wrap (see <see cref="JitExecutor"/>).</summary>
    internal static IntPtr TorchCpuHandle
    {
        get
        {
            EnsureAvailable();
            if (s_torchCpu == IntPtr.Zero && NativeLibrary.TryLoad(OperatingSystem.IsWindows() ? "torch_cpu" : "libtorch_cpu", typeof(LibTorchLoader).Assembly, null, out IntPtr h))
            {
                s_torchCpu = h;
            }
            return s_torchCpu;
        }
    }

    private static LibTorchStatus PrepareNative()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return new LibTorchStatus(true, "not linux-x64: TorchSharp loads its bridge itself", false, null);
        }
        if (SystemLibStdCxxHas(MissingVersion))
        {
            return new LibTorchStatus(true, $"system libstdc++ has {MissingVersion}: TorchSharp loads unpatched", false, null);
        }
        string nativeDir = FindNativeDirectory();
        string original = Path.Combine(nativeDir, BridgeName);
        var (patched, shimSource) = PatchedBridge(original);

        foreach (string lib in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            IntPtr handle = NativeLibrary.Load(Path.Combine(nativeDir, lib));
            if (lib == "libtorch_cpu.so")
            {
                s_torchCpu = handle;
            }
        }
        if (shimSource is not null)
        {
            IntPtr h = Libc.DlOpen(shimSource, Libc.RtldNow | Libc.RtldGlobal);
            if (h == IntPtr.Zero)
            {
                throw new InvalidOperationException($"could not load the shim {shimSource}: {Libc.LastError()}");
            }
        }
        NativeLibrary.Load(patched);
        return new LibTorchStatus(true, $"loaded a copy of {BridgeName} patched for the system libstdc++ (no {MissingVersion}): {patched}", true, patched);
    }

    /// <summary>Whether the libstdc++ this process uses defines a symbol at the given version.</summary>
    internal static bool SystemLibStdCxxHas(string version)
    {
        IntPtr h = Libc.DlOpen("libstdc++.so.6", Libc.RtldNow);
        if (h == IntPtr.Zero)
        {
            throw new InvalidOperationException("libstdc++.so.6 is not installed; install it (Debian: apt-get install libstdc++6)");
        }
        return Libc.DlVSym(h, "_ZSt21ios_base_library_initv", version) != IntPtr.Zero;
    }

    /// <summary>Where TorchSharp itself will look for its native libraries: the application's <c>runtimes/linux-x64/native</c>.</summary>
    internal static string FindNativeDirectory()
    {
        var candidates = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"),
            AppContext.BaseDirectory,
            Path.Combine(Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location) ?? "", "runtimes", "linux-x64", "native"),
        };
        foreach (string dir in candidates)
        {
            if (File.Exists(Path.Combine(dir, BridgeName)) && File.Exists(Path.Combine(dir, "libtorch_cpu.so")))
            {
                return dir;
            }
        }
        throw new FileNotFoundException(
            $"{BridgeName} and libtorch_cpu.so were not found beside the application (looked in: {string.Join(", ", candidates)}). " +
            "Build with a reference to the TorchSharp-cpu package so that they are copied to runtimes/linux-x64/native.");
    }

    /// <summary>
    /// Returns the patched copy of <paramref name="original"/> (created once, then reused), and the shim library to load
    /// first when the patch left a relocated symbol without a definition.
    /// </summary>
    internal static (string Patched, string? Shim) PatchedBridge(string original, string? cacheRoot = null)
    {
        byte[] bytes = File.ReadAllBytes(original);
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        string dir = Path.Combine(cacheRoot ?? CacheRoot, $"libtorchsharp-{TorchSharpVersion}-{hash}");
        string patched = Path.Combine(dir, BridgeName);
        string needsShim = Path.Combine(dir, "needs-shim.txt");
        Directory.CreateDirectory(dir);
        if (!File.Exists(patched))
        {
            var result = ElfVersionPatcher.WeakenVersionNeed(bytes, MissingVersion);
            if (result.RelocatedSymbols.Count > 0)
            {
                AtomicWrite(needsShim, System.Text.Encoding.UTF8.GetBytes(string.Join('\n', result.RelocatedSymbols)));
            }
            AtomicWrite(patched, bytes);
        }
        string? shim = null;
        if (File.Exists(needsShim))
        {
            shim = Path.Combine(dir, "libparity_iosbase_shim.so");
            if (!File.Exists(shim))
            {
                BuildShim(shim);
            }
        }
        return (patched, shim);
    }

    /// <summary>Compiles the embedded shim source with the system C compiler into <paramref name="output"/>.</summary>
    internal static void BuildShim(string output)
    {
        string compiler = Environment.GetEnvironmentVariable("CC") is { Length: > 0 } cc ? cc : "cc";
        string dir = Path.GetDirectoryName(output)!;
        string src = Path.Combine(dir, $"ios_base_shim.{Environment.ProcessId}.c");
        string tmp = output + $".{Environment.ProcessId}.tmp";
        using (var s = typeof(LibTorchLoader).Assembly.GetManifestResourceStream("Parity.Torch.ios_base_shim.c")
            ?? throw new InvalidOperationException("embedded shim source is missing"))
        using (var f = File.Create(src))
        {
            s.CopyTo(f);
        }
        try
        {
            var psi = new ProcessStartInfo(compiler) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string a in new[] { "-shared", "-fPIC", "-O2", "-o", tmp, src })
            {
                psi.ArgumentList.Add(a);
            }
            Process p;
            try
            {
                p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + compiler);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new InvalidOperationException(
                    $"libtorch needs a one-function shim for {MissingVersion}, and no C compiler ('{compiler}') was found. " +
                    "Install one (Debian: apt-get install gcc) or set CC to a C compiler.");
            }
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"building the libstdc++ shim with '{compiler}' failed: {err}");
            }
            File.Move(tmp, output, overwrite: true);
        }
        finally
        {
            File.Delete(src);
            File.Delete(tmp);
        }
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it into place.</summary>
    private static void AtomicWrite(string path, byte[] bytes)
    {
        string tmp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, path, overwrite: true);
    }

    private static string Flatten(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            parts.Add(x.Message);
        }
        return string.Join(" -> ", parts);
    }
}
