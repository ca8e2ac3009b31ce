using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Parity.Torch.PInvoke;

namespace Parity.Torch.Tests.PInvoke;

/// <summary>The ELF version patcher on libraries the test builds, and on TorchSharp's real bridge.</summary>
public sealed class ElfVersionPatcherTests
{
    public sealed class OnBuiltLibrary
    {
        [Fact]
        public void Unpatched_FailsToLoad_AgainstOldDependency()
        {
            NativeToolchain.RequireCompiler();
            string dir = NativeToolchain.BuildFixture(callNew: false);
            string copy = Path.Combine(dir, "old", "libpuser_unpatched.so");
            File.Copy(Path.Combine(dir, "libpuser.so"), copy);

            // The old dependency must be the one found: load it first by full path, as the loader does with libtorch.
            NativeLibrary.Load(Path.Combine(dir, "old", "libpdep.so"));
            var e = Assert.ThrowsAny<DllNotFoundException>(() => NativeLibrary.Load(copy));
            Assert.Contains("version `DEP_2.0' not found", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Patched_LoadsAndRuns_AgainstOldDependency()
        {
            NativeToolchain.RequireCompiler();
            string dir = NativeToolchain.BuildFixture(callNew: false);
            byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "libpuser.so"));
            int length = bytes.Length;

            var result = ElfVersionPatcher.WeakenVersionNeed(bytes, "DEP_2.0");

            Assert.Equal("DEP_2.0", result.Version);
            Assert.Equal("libpdep.so", result.Library);
            Assert.Equal(["dep_new"], result.DemotedSymbols);
            Assert.Empty(result.RelocatedSymbols);
            Assert.Equal(length, bytes.Length);
            Assert.Contains(ElfVersionPatcher.VersionNeeds(bytes), n => n is { Version: "DEP_2.0", Weak: true });
            Assert.Contains(ElfVersionPatcher.VersionNeeds(bytes), n => n is { Version: "DEP_1.0", Weak: false });

            string patched = Path.Combine(dir, "old", "libpuser_patched.so");
            File.WriteAllBytes(patched, bytes);
            NativeLibrary.Load(Path.Combine(dir, "old", "libpdep.so"));
            IntPtr h = NativeLibrary.Load(patched);
            unsafe
            {
                var userValue = (delegate* unmanaged<int>)NativeLibrary.GetExport(h, "user_value");
                Assert.Equal(1, userValue());
            }
        }

        [Fact]
        public void CalledSymbol_IsReportedAsRelocated()
        {
            NativeToolchain.RequireCompiler();
            string dir = NativeToolchain.BuildFixture(callNew: true);
            byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "libpuser.so"));

            var result = ElfVersionPatcher.WeakenVersionNeed(bytes, "DEP_2.0");

            Assert.Equal(["dep_new"], result.DemotedSymbols);
            Assert.Equal(["dep_new"], result.RelocatedSymbols);
        }

        [Fact]
        public void UnknownVersion_Throws_AndLeavesBytesAlone()
        {
            NativeToolchain.RequireCompiler();
            string dir = NativeToolchain.BuildFixture(callNew: false);
            byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "libpuser.so"));
            byte[] before = (byte[])bytes.Clone();

            var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.WeakenVersionNeed(bytes, "DEP_9.9"));

            Assert.Equal("the ELF file has no version requirement named 'DEP_9.9'", e.Message);
            Assert.Equal(before, bytes);
        }

        [Fact]
        public void NotElf_Throws()
        {
            var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.WeakenVersionNeed(new byte[100], "X"));
            Assert.Equal("not an ELF file (bad magic)", e.Message);
        }

        [Fact]
        public void Shim_BuildsAndExportsTheSymbol()
        {
            NativeToolchain.RequireCompiler();
            string dir = Path.Combine(Path.GetTempPath(), "parity-shim-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string shim = Path.Combine(dir, "libshim.so");

            LibTorchLoader.BuildShim(shim);

            IntPtr h = NativeLibrary.Load(shim);
            Assert.NotEqual(IntPtr.Zero, NativeLibrary.GetExport(h, "_ZSt21ios_base_library_initv"));
            Assert.Equal([shim], Directory.GetFiles(dir));
        }
    }

    public sealed class OnTorchSharpBridge
    {
        private static string Bridge()
        {
            string dir;
            try
            {
                dir = LibTorchLoader.FindNativeDirectory();
            }
            catch (FileNotFoundException e)
            {
                Assert.Skip(e.Message);
                throw;
            }
            return Path.Combine(dir, "libLibTorchSharp.so");
        }

        [Fact]
        public void RealBridge_NeedsExactlyOneSymbolAtGlibcxx3432()
        {
            byte[] bytes = File.ReadAllBytes(Bridge());

            var result = ElfVersionPatcher.WeakenVersionNeed(bytes, "GLIBCXX_3.4.32");

            Assert.Equal("libstdc++.so.6", result.Library);
            Assert.Equal(["_ZSt21ios_base_library_initv"], result.DemotedSymbols);
            Assert.Empty(result.RelocatedSymbols);
            Assert.Contains(ElfVersionPatcher.VersionNeeds(bytes), n => n is { Version: "GLIBCXX_3.4.32", Weak: true });
        }

        [Fact]
        public void PatchedBridge_LeavesOriginalUntouched_AndReusesCache()
        {
            string original = Bridge();
            string cache = Path.Combine(Path.GetTempPath(), "parity-cache-" + Guid.NewGuid().ToString("N"));
            byte[] hashBefore = SHA256.HashData(File.ReadAllBytes(original));
            var writeBefore = File.GetLastWriteTimeUtc(original);

            var (first, shim) = LibTorchLoader.PatchedBridge(original, cache);
            var firstWrite = File.GetLastWriteTimeUtc(first);
            byte[] firstBytes = File.ReadAllBytes(first);
            Thread.Sleep(20);
            var (second, _) = LibTorchLoader.PatchedBridge(original, cache);

            Assert.Equal(hashBefore, SHA256.HashData(File.ReadAllBytes(original)));
            Assert.Equal(writeBefore, File.GetLastWriteTimeUtc(original));
            Assert.Null(shim);
            Assert.Equal(first, second);
            Assert.Equal(firstWrite, File.GetLastWriteTimeUtc(second));
            Assert.StartsWith(cache, first, StringComparison.Ordinal);
            Assert.Contains($"libtorchsharp-{LibTorchLoader.TorchSharpVersion}-", first, StringComparison.Ordinal);
            Assert.NotEqual(File.ReadAllBytes(original), firstBytes);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(first)!, "*.tmp"));
        }

        [Fact]
        public void Loader_MakesLibTorchAvailable()
        {
            if (Environment.GetEnvironmentVariable("PARITY_TORCH") is "off" or "0")
            {
                Assert.Skip("libtorch disabled by PARITY_TORCH=off");
            }
            var status = LibTorchLoader.Status;

            Assert.True(status.Available, status.Reason);
            Assert.Equal(!LibTorchLoader.SystemLibStdCxxHas("GLIBCXX_3.4.32"), status.Patched);
            using var t = TorchSharp.torch.ones(2, 3);
            Assert.Equal(6f, t.sum().item<float>());
        }
    }
}
