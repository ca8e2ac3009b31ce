using Parity.Comparison;
using Parity.Native;

namespace Parity.Snapshots;

/// <summary>
/// Snapshot assertions for any test framework: checks named tensors against the snapshot directory and throws
/// <see cref="SnapshotMismatchException"/> with the full message when they differ or the snapshot is missing.
/// </summary>
/// <remarks>
/// The directory is, in order: the <c>directory</c> argument; the <c>PARITY_SNAPSHOT_DIR</c> environment variable;
/// the <c>snapshots</c> folder of the nearest ancestor of the current directory that holds <c>Parity.sln</c> or
/// <c>.git</c>; else <c>snapshots</c> under the current directory.
/// </remarks>
public static class TensorSnapshot
{
    /// <summary>The environment variable that overrides the default snapshot directory.</summary>
    public const string DirectoryVariable = "PARITY_SNAPSHOT_DIR";

    /// <summary>Checks <paramref name="tensors"/> (written in ordinal name order) against snapshot <paramref name="name"/>.</summary>
    /// <param name="name">A valid snapshot name, e.g. <c>nll_loss.float32.mean.N4C5</c>.</param>
    /// <param name="tensors">The named tensors produced now.</param>
    /// <param name="tolerance">Tolerance for floating tensors; null means per dtype. int64 tensors compare exactly.</param>
    /// <param name="directory">The snapshot directory; null for the default (see remarks).</param>
    /// <exception cref="SnapshotMismatchException">The snapshot differs or is missing (a received file is written).</exception>
    /// <exception cref="SnapshotFormatException">The verified file is corrupt.</exception>
    public static void Verify(string name, IReadOnlyDictionary<string, Tensor> tensors, Tolerance? tolerance = null, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        Verify(name, new SnapshotContent([], ordered), tolerance, null, directory);
    }

    /// <summary>Checks full snapshot content (metadata, tensors, error) against snapshot <paramref name="name"/>.</summary>
    /// <param name="name">A valid snapshot name.</param>
    /// <param name="content">The content produced now.</param>
    /// <param name="tolerance">Tolerance for floating tensors; null means per dtype.</param>
    /// <param name="perTensor">Tolerances by tensor name, overriding <paramref name="tolerance"/>.</param>
    /// <param name="directory">The snapshot directory; null for the default (see remarks).</param>
    /// <returns>The passing check.</returns>
    /// <exception cref="SnapshotMismatchException">The snapshot differs or is missing (a received file is written).</exception>
    /// <exception cref="SnapshotFormatException">The verified file is corrupt.</exception>
    public static SnapshotCheck Verify(string name, SnapshotContent content, Tolerance? tolerance = null,
                                       IReadOnlyDictionary<string, Tolerance>? perTensor = null, string? directory = null)
    {
        var store = new SnapshotStore(directory ?? DefaultDirectory());
        var check = store.Check(name, content, tolerance, perTensor);
        return check.Passed ? check : throw new SnapshotMismatchException(check);
    }

    /// <summary>The default snapshot directory (see remarks of the class).</summary>
    public static string DefaultDirectory()
    {
        string? env = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(env))
        {
            return Path.GetFullPath(env);
        }
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Parity.sln")) || Path.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return Path.Combine(dir.FullName, "snapshots");
            }
        }
        return Path.GetFullPath("snapshots");
    }
}

/// <summary>A snapshot check failed (mismatch or missing); the message is the check's full message.</summary>
public sealed class SnapshotMismatchException : Exception
{
    /// <summary>Creates the exception from a failed check.</summary>
    /// <param name="check">The failed check.</param>
    public SnapshotMismatchException(SnapshotCheck check)
        : base((check ?? throw new ArgumentNullException(nameof(check))).Message)
    {
        Check = check;
    }

    /// <summary>The failed check (status, paths, comparisons).</summary>
    public SnapshotCheck Check { get; }
}
