using Parity.Native;

namespace Parity.Snapshots;

/// <summary>
/// What one snapshot holds: ordered free-form metadata, named tensors, and optionally the expected error text.
/// </summary>
/// <param name="Metadata">
/// Ordered key/value pairs (case spec JSON, input digest, provenance such as the libtorch and TorchSharp versions, OS,
/// architecture, CPU capability, threads, seed). Keys match <c>[A-Za-z0-9._:/-]+</c> and are unique; values are any
/// text. They are written in the order given. Only the keys listed in <see cref="SnapshotOptions.ComparedMetadata"/>
/// take part in <see cref="SnapshotStore.Check"/>; the rest is a record of where the snapshot came from.
/// </param>
/// <param name="Tensors">
/// Named tensors (for example <c>output</c>, <c>grad</c>), written in the order given. Names match
/// <c>[A-Za-z0-9._:/-]+</c> and are unique. They are compared by name, not by position.
/// </param>
/// <param name="Error">The exact error text libtorch raised for this case, or null when it succeeded.</param>
public sealed record SnapshotContent(
    IReadOnlyList<KeyValuePair<string, string>> Metadata,
    IReadOnlyList<KeyValuePair<string, Tensor>> Tensors,
    string? Error = null)
{
    /// <summary>A snapshot of tensors only, without metadata or error.</summary>
    /// <param name="tensors">Named tensors, in the order they are to be written.</param>
    public static SnapshotContent Of(params KeyValuePair<string, Tensor>[] tensors) => new([], tensors);

    /// <summary>The metadata value for <paramref name="key"/>, or null when absent.</summary>
    /// <param name="key">The metadata key.</param>
    public string? GetMeta(string key)
    {
        foreach (var kv in Metadata)
        {
            if (kv.Key == key)
            {
                return kv.Value;
            }
        }
        return null;
    }

    /// <summary>The tensor named <paramref name="name"/>, or null when absent.</summary>
    /// <param name="name">The tensor name.</param>
    public Tensor? GetTensor(string name)
    {
        foreach (var kv in Tensors)
        {
            if (kv.Key == name)
            {
                return kv.Value;
            }
        }
        return null;
    }
}

/// <summary>Well-known metadata keys, so that producers and readers of snapshots spell them alike.</summary>
public static class SnapshotMetadata
{
    /// <summary>The case specification (JSON). Compared by default.</summary>
    public const string Case = "case";

    /// <summary>The warnings the side issued (PyTorch's Python-frontend warnings), <c>Category: text</c> joined by newlines; absent when none. Compared by default.</summary>
    public const string Warnings = "warnings";

    /// <summary>A digest of the case's inputs (e.g. <c>sha256:…</c> over the input tensors' bytes). Compared by default.</summary>
    public const string InputDigest = "input_digest";

    /// <summary>The libtorch version the snapshot was produced with.</summary>
    public const string LibTorch = "libtorch";

    /// <summary>The TorchSharp version the snapshot was produced with.</summary>
    public const string TorchSharp = "torchsharp";

    /// <summary>Operating system.</summary>
    public const string Os = "os";

    /// <summary>Process architecture.</summary>
    public const string Arch = "arch";

    /// <summary>libtorch's CPU capability (e.g. <c>AVX2</c>, <c>AVX512</c>, <c>DEFAULT</c>).</summary>
    public const string CpuCapability = "cpu_capability";

    /// <summary>Intra-op thread count.</summary>
    public const string Threads = "threads";

    /// <summary>The named seed the inputs were generated from.</summary>
    public const string Seed = "seed";
}
