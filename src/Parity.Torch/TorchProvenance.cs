using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Parity.Torch.PInvoke;
using TorchSharp;

namespace Parity.Torch;

/// <summary>
/// Where reference values came from: enough to tell whether a snapshot or report was produced by the same libtorch
/// on the same kind of CPU with the same thread count.
/// </summary>
/// <param name="LibTorchVersion">libtorch's version, from <c>TORCH_VERSION</c> in <c>at::show_config()</c>
/// (<c>torch.__config__.show()</c>), else the version TorchSharp was built against (<c>torch.__version__</c>).</param>
/// <param name="TorchSharpVersion">The TorchSharp package version.</param>
/// <param name="OperatingSystem">The OS description (<see cref="RuntimeInformation.OSDescription"/>).</param>
/// <param name="Architecture">The process architecture: <c>X64</c>, <c>Arm64</c>, …</param>
/// <param name="CpuCapability">The kernel set libtorch dispatches to (<c>DEFAULT</c>, <c>AVX2</c>, <c>AVX512</c>, …) as
/// <c>at::get_cpu_capability()</c> reports it; when that cannot be read, <c>ATEN_CPU_CAPABILITY</c>'s value followed by
/// <c>(from ATEN_CPU_CAPABILITY)</c>, or <c>unknown</c>.</param>
/// <param name="Threads">libtorch's intra-op thread count (<c>torch.get_num_threads()</c>) at the time of reading.</param>
/// <remarks>The CPU capability decides the SIMD width of log_softmax's sums (16 float lanes with AVX512, 8 with AVX2)
/// and so the last bits of CE values; the thread count decides how large sums are split.</remarks>
public sealed partial record TorchProvenance(
    string LibTorchVersion,
    string TorchSharpVersion,
    string OperatingSystem,
    string Architecture,
    string CpuCapability,
    int Threads)
{
    private static readonly Lazy<(string Version, string Capability)> s_static = new(ReadStatic, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Reads the provenance of this process now (the thread count may change between reads).</summary>
    /// <exception cref="InvalidOperationException">libtorch is not available.</exception>
    public static TorchProvenance Current
    {
        get
        {
            LibTorchLoader.EnsureAvailable();
            var (version, capability) = s_static.Value;
            return new TorchProvenance(
                version,
                LibTorchLoader.TorchSharpVersion,
                RuntimeInformation.OSDescription,
                RuntimeInformation.ProcessArchitecture.ToString(),
                capability,
                torch.get_num_threads());
        }
    }

    /// <summary>One line for reports: <c>libtorch 2.10.0, TorchSharp 0.107.0, Linux … X64, cpu AVX512, threads 1</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"libtorch {LibTorchVersion}, TorchSharp {TorchSharpVersion}, {OperatingSystem} {Architecture}, cpu {CpuCapability}, threads {Threads}");

    private static (string Version, string Capability) ReadStatic()
    {
        string? config = AtenInfo.ShowConfig();
        Match m = config is null ? Match.Empty : TorchVersionSetting().Match(config);
        string version = m.Success ? m.Groups[1].Value : torch.__version__;

        string? capability = AtenInfo.CpuCapability();
        if (string.IsNullOrEmpty(capability))
        {
            string? env = Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY");
            capability = string.IsNullOrEmpty(env) ? "unknown" : env + " (from ATEN_CPU_CAPABILITY)";
        }
        return (version, capability);
    }

    [GeneratedRegex(@"TORCH_VERSION=([0-9A-Za-z.+\-]+)")]
    private static partial Regex TorchVersionSetting();
}
