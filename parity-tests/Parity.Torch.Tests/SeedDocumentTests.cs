using Parity.Torch.PInvoke;
using TorchSharp;
using static TorchSharp.torch;

namespace Parity.Torch.Tests;

/// <summary>The first example of the seed document, computed by libtorch through TorchSharp.</summary>
public sealed class SeedDocumentTests
{
    [Fact]
    public void BinaryCrossEntropy_Seed2020_MatchesPrintedOutputs()
    {
        TorchAvailability.RequireTorch();
        var g = new Generator(2020);
        using var input = randn(new long[] { 3 }, generator: g);
        using var target = empty(3).random_(0, 2, generator: g);

        var values = input.data<float>().ToArray();
        Assert.Equal(new[] { 1.2372, -0.9604, 1.5415 }, values.Select(v => Math.Round(v, 4)));

        using var withLogits = nn.functional.binary_cross_entropy_with_logits(input, target);
        using var probs = sigmoid(input);
        using var plain = nn.functional.binary_cross_entropy(probs, target);
        Assert.Equal(0.2576, Math.Round(withLogits.item<float>(), 4));
        Assert.Equal(0.2576, Math.Round(plain.item<float>(), 4));
    }
}
