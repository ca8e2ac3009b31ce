namespace Parity.Native;

/// <summary>How a loss reduces its per-element values, as PyTorch's <c>reduction=</c> argument.</summary>
/// <remarks>The numeric values match TorchSharp's <c>Reduction</c> and ATen's <c>at::Reduction</c>.</remarks>
public enum Reduction
{
    /// <summary><c>'none'</c>: no reduction, one loss value per element (or per sample).</summary>
    None = 0,

    /// <summary><c>'mean'</c>: the op's own notion of a mean (see each op's remarks).</summary>
    Mean = 1,

    /// <summary><c>'sum'</c>: the sum of the per-element losses.</summary>
    Sum = 2,

    /// <summary>
    /// <c>'batchmean'</c>: kl_div only — the sum divided by the batch size (the first dimension's size; the sum itself for
    /// 0-D input). ATen has no such value: Python's <c>kl_div</c> asks ATen for the sum and divides.
    /// </summary>
    BatchMean = 3,
}

/// <summary>Helpers over <see cref="Reduction"/>.</summary>
public static class Reductions
{
    /// <summary>PyTorch's spelling: <c>none</c>, <c>mean</c>, <c>sum</c>.</summary>
    public static string Name(this Reduction reduction) => reduction switch
    {
        Reduction.None => "none",
        Reduction.Mean => "mean",
        Reduction.Sum => "sum",
        Reduction.BatchMean => "batchmean",
        _ => throw new ArgumentOutOfRangeException(nameof(reduction)),
    };

    /// <summary>Parses PyTorch's spelling of the three reductions every loss takes (not <c>batchmean</c>).</summary>
    /// <exception cref="ArgumentException">Not one of <c>none</c>, <c>mean</c>, <c>sum</c> (PyTorch's ValueError text).</exception>
    public static Reduction Parse(string name) => name switch
    {
        "none" => Reduction.None,
        "mean" => Reduction.Mean,
        "sum" => Reduction.Sum,
        _ => throw new ArgumentException($"{name} is not a valid value for reduction", nameof(name)),
    };
}
