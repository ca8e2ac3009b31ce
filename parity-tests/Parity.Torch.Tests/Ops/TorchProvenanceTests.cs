using System.Runtime.InteropServices;
using TorchSharp;

namespace Parity.Torch.Tests.Ops;

/// <summary><see cref="TorchProvenance"/>: what it reports agrees with the pinned packages and with libtorch's own text.</summary>
public sealed class TorchProvenanceTests
{
    [Fact]
    public void Versions_AreThePinnedPackages()
    {
        TorchAvailability.RequireTorch();
        var p = TorchProvenance.Current;
        // Directory.Packages.props pins TorchSharp-cpu 0.107.0, which brings libtorch-cpu 2.10.0.
        Assert.Equal("2.10.0", p.LibTorchVersion);
        Assert.Equal("0.107.0", p.TorchSharpVersion);
        // TorchSharp's compile-time expectation of the libtorch package agrees.
        Assert.StartsWith(p.LibTorchVersion, torch.__version__, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuCapability_IsWhatShowConfigPrints()
    {
        TorchAvailability.RequireTorch();
        var p = TorchProvenance.Current;
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Assert.Skip("at::get_cpu_capability is read on linux-x64 only");
        }
        Assert.Contains(p.CpuCapability, new[] { "DEFAULT", "AVX2", "AVX512" });
        // torch.__config__.show() prints the same capability on a line of its own.
        string config = Parity.Torch.PInvoke.AtenInfo.ShowConfig()!;
        Assert.Contains("CPU capability usage: " + p.CpuCapability + "\n", config, StringComparison.Ordinal);
        string? forced = Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY");
        if (!string.IsNullOrEmpty(forced))
        {
            Assert.Equal(forced.ToUpperInvariant(), p.CpuCapability);
        }
    }

    [Fact]
    public void Threads_IsOneAfterADefaultBackend()
    {
        TorchAvailability.RequireTorch();
        _ = new TorchBackend();
        Assert.Equal(1, TorchBackend.Provenance.Threads);
        Assert.Contains("threads 1", TorchBackend.Provenance.ToString(), StringComparison.Ordinal);
    }
}
