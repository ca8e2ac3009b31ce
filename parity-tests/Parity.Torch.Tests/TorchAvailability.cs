using Parity.Torch.PInvoke;

namespace Parity.Torch.Tests;

/// <summary>Skips (never passes) a test when libtorch is unavailable, with the loader's reason.</summary>
internal static class TorchAvailability
{
    public static void RequireTorch()
    {
        var status = LibTorchLoader.Status;
        if (!status.Available)
        {
            Assert.Skip("libtorch unavailable: " + status.Reason);
        }
    }
}
