using Parity.Harness.Running;

namespace Parity.Cli;

/// <summary>The real backends: the native implementation, and libtorch unless it is off or fails to load.</summary>
internal static class DefaultBackends
{
    public static ParityBackends Create(bool noTorch) =>
        throw new InvalidOperationException("the native backend is not available in this build yet");

    public static IReadOnlyList<KeyValuePair<string, string>> Provenance() => [];
}
