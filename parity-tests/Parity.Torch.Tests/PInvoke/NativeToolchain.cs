using System.Diagnostics;

namespace Parity.Torch.Tests.PInvoke;

/// <summary>Builds tiny shared libraries with the system C compiler for the ELF patcher tests.</summary>
internal static class NativeToolchain
{
    /// <summary>Skips the test (with the reason) when there is no C compiler.</summary>
    public static void RequireCompiler()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("ELF patcher tests need Linux");
        }
        try
        {
            Run("cc", "--version");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Assert.Skip("no C compiler ('cc') on this machine: " + e.Message);
        }
    }

    /// <summary>Runs a program, throwing with its stderr when it fails.</summary>
    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        string output = p.StandardOutput.ReadToEnd();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {err}");
        }
        return output;
    }

    /// <summary>
    /// Builds, in a fresh folder: <c>new/libpdep.so</c> defining <c>dep_old@DEP_1.0</c> and <c>dep_new@DEP_2.0</c>,
    /// <c>old/libpdep.so</c> with the same soname but only DEP_1.0, and <c>libpuser.so</c> linked against the new one.
    /// When <paramref name="callNew"/> is false, <c>libpuser</c> only declares <c>dep_new</c> (a versioned need with no
    /// relocation, as libLibTorchSharp.so does with std::ios_base_library_init); when true, it calls it.
    /// </summary>
    public static string BuildFixture(bool callNew)
    {
        string dir = Path.Combine(Path.GetTempPath(), "parity-elf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "new"));
        Directory.CreateDirectory(Path.Combine(dir, "old"));
        File.WriteAllText(Path.Combine(dir, "dep.c"), "int dep_old(void) { return 1; }\nint dep_new(void) { return 2; }\n");
        File.WriteAllText(Path.Combine(dir, "dep_old_only.c"), "int dep_old(void) { return 1; }\n");
        File.WriteAllText(Path.Combine(dir, "new.map"), "DEP_1.0 { global: dep_old; local: *; };\nDEP_2.0 { global: dep_new; } DEP_1.0;\n");
        File.WriteAllText(Path.Combine(dir, "old.map"), "DEP_1.0 { global: dep_old; local: *; };\n");
        string user = callNew
            ? "int dep_old(void); int dep_new(void);\nint user_value(void) { return dep_old() + dep_new(); }\n"
            : "int dep_old(void);\n__asm__(\".globl dep_new\");\nint user_value(void) { return dep_old(); }\n";
        File.WriteAllText(Path.Combine(dir, "user.c"), user);
        Run("cc", "-shared", "-fPIC", "-o", Path.Combine(dir, "new", "libpdep.so"), "-Wl,-soname,libpdep.so",
            "-Wl,--version-script=" + Path.Combine(dir, "new.map"), Path.Combine(dir, "dep.c"));
        Run("cc", "-shared", "-fPIC", "-o", Path.Combine(dir, "old", "libpdep.so"), "-Wl,-soname,libpdep.so",
            "-Wl,--version-script=" + Path.Combine(dir, "old.map"), Path.Combine(dir, "dep_old_only.c"));
        Run("cc", "-shared", "-fPIC", "-o", Path.Combine(dir, "libpuser.so"), "-Wl,-soname,libpuser.so",
            Path.Combine(dir, "user.c"), "-L" + Path.Combine(dir, "new"), "-lpdep");
        return dir;
    }
}
