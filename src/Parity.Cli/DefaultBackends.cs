using Parity.Harness.Ops;
using Parity.Harness.Running;
using Parity.Snapshots;
using Parity.Native;
using Parity.Native.Rng;
using Parity.Torch;
using Parity.Torch.PInvoke;

namespace Parity.Cli;

/// <summary>The real backends: the native implementation, and libtorch unless it is off or fails to load.</summary>
internal static class DefaultBackends
{
    private static readonly Lazy<(TorchBackend? Backend, string? Note)> s_torch = new(LoadTorch, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The backends; libtorch is left out with <paramref name="noTorch"/>, <c>PARITY_TORCH=off</c> or a load failure (with the reason).</summary>
    public static ParityBackends Create(bool noTorch)
    {
        var native = new NativeBackend();
        if (noTorch)
        {
            return new ParityBackends(native, () => new Generator(), null, null, "--no-torch");
        }
        var (torch, note) = s_torch.Value;
        return torch is null
            ? new ParityBackends(native, () => new Generator(), null, null, note)
            : new ParityBackends(native, () => new Generator(), torch, () => new TorchRandom());
    }

    private static (TorchBackend?, string?) LoadTorch()
    {
        var status = LibTorchLoader.Status;
        if (!status.Available)
        {
            return (null, "libtorch unavailable: " + status.Reason);
        }
        try
        {
            return (new TorchBackend(), null);
        }
        catch (Exception e) when (e is InvalidOperationException or DllNotFoundException or TypeInitializationException)
        {
            return (null, "libtorch failed to load: " + e.Message);
        }
    }

    /// <summary>libtorch's provenance as snapshot metadata.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Provenance()
    {
        var p = TorchProvenance.Current;
        return
        [
            new(SnapshotMetadata.LibTorch, p.LibTorchVersion),
            new(SnapshotMetadata.TorchSharp, p.TorchSharpVersion),
            new(SnapshotMetadata.Os, p.OperatingSystem),
            new(SnapshotMetadata.Arch, p.Architecture),
            new(SnapshotMetadata.CpuCapability, p.CpuCapability),
            new(SnapshotMetadata.Threads, p.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
    }
}
