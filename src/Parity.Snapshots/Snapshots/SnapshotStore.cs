using System.Globalization;
using System.Text;
using Parity.Comparison;
using Parity.Native;

namespace Parity.Snapshots;

/// <summary>
/// A directory of snapshot files, one per case: <c>{dir}/{name}.verified.txt</c> holds the accepted content;
/// a failed <see cref="Check"/> writes <c>{name}.received.txt</c> beside it for review (Verify's convention),
/// compared with the one tolerance model rather than as text.
/// </summary>
/// <remarks>
/// <para>Comparison rule of <see cref="Check"/>: each tensor is compared by name with
/// <see cref="TensorComparer.Compare"/>; the tolerance is, in order, <c>perTensor[name]</c>, then
/// <see cref="Tolerance.Exact"/> for int64 tensors, then the <c>tolerance</c> argument, then
/// <see cref="Tolerance.For"/> the snapshot tensor's dtype. A tensor present on one side only is a mismatch. The error
/// text is compared exactly (ordinal), null against text included. Metadata keys listed in
/// <see cref="SnapshotOptions.ComparedMetadata"/> are compared exactly when either side has them; all other metadata
/// is provenance and is never compared.</para>
/// <para>Every write goes to a temp file in the same directory and is renamed into place, so readers see the old
/// file or the new one. Received files are created without replacing anything: parallel writers of one name get
/// <c>{name}.received.txt</c>, <c>{name}.received.2.txt</c>, …. The store holds no state besides its options and is
/// safe to use from parallel tests and processes.</para>
/// </remarks>
public sealed class SnapshotStore
{
    private readonly SnapshotOptions _options;

    /// <summary>Opens (without creating) the snapshot directory <paramref name="directory"/>.</summary>
    /// <param name="directory">The directory holding the snapshot files; created on the first write.</param>
    /// <param name="options">Behaviour; null for defaults (CI detected from the environment).</param>
    public SnapshotStore(string directory, SnapshotOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        _options = options ?? new SnapshotOptions();
    }

    /// <summary>The full path of the snapshot directory.</summary>
    public string Directory { get; }

    /// <summary>The options in force.</summary>
    public SnapshotOptions Options => _options;

    /// <summary>The full path of the verified file of <paramref name="name"/>.</summary>
    /// <param name="name">A valid snapshot name.</param>
    /// <exception cref="ArgumentException">The name is not valid (see <see cref="SnapshotNames.IsValid"/>).</exception>
    public string VerifiedPath(string name)
    {
        SnapshotNames.Validate(name);
        return Path.Combine(Directory, SnapshotNames.VerifiedFileName(name));
    }

    /// <summary>Reads the verified snapshot of <paramref name="name"/>.</summary>
    /// <param name="name">A valid snapshot name.</param>
    /// <returns>The content, or null when there is no verified file.</returns>
    /// <exception cref="ArgumentException">The name is not valid.</exception>
    /// <exception cref="SnapshotFormatException">The file is truncated, corrupt or of another schema version.</exception>
    public SnapshotContent? Read(string name)
    {
        string path = VerifiedPath(name);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        return SnapshotFormat.Parse(bytes, path, name);
    }

    /// <summary>Reads any snapshot file (verified or received) by path.</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="SnapshotFormatException">The file is truncated, corrupt or of another schema version.</exception>
    public static SnapshotContent ReadFile(string path) => SnapshotFormat.Parse(File.ReadAllBytes(path), Path.GetFullPath(path), null);

    /// <summary>The exact bytes <see cref="Write"/> would write for <paramref name="content"/>.</summary>
    /// <param name="name">A valid snapshot name.</param>
    /// <param name="content">The content.</param>
    public static byte[] Serialize(string name, SnapshotContent content)
    {
        SnapshotNames.Validate(name);
        return SnapshotFormat.SerializeBytes(name, content);
    }

    /// <summary>
    /// Checks <paramref name="actual"/> against the verified snapshot of <paramref name="name"/>. On a mismatch or a
    /// missing snapshot it writes a received file (unless <paramref name="writeReceived"/> is false) and returns the
    /// failure; it does not throw for them. On a match it deletes the name's stale received files, so an old failure
    /// cannot be accepted later. With <paramref name="writeReceived"/> false the check only reads: it neither writes
    /// nor deletes anything (a read-only checker, such as native code checked against libtorch's snapshots, must not
    /// discard received files another producer left for review).
    /// </summary>
    /// <param name="name">A valid snapshot name.</param>
    /// <param name="actual">The content produced now.</param>
    /// <param name="tolerance">Tolerance for floating tensors; null means per dtype (see remarks of the class).</param>
    /// <param name="perTensor">Tolerances by tensor name, overriding everything else.</param>
    /// <param name="writeReceived">Whether to write the received file on failure (and delete stale ones on a match).</param>
    /// <param name="notCompared">Tensors of the verified file the producer declares it does not produce (a backend that
    /// gives fewer gradients): skipped and listed, never reported as missing. A result with such gaps is partial, so it
    /// is never written as a received file (accepting it would drop those tensors).</param>
    /// <exception cref="ArgumentException">The name or the content's keys and tensor names are not valid.</exception>
    /// <exception cref="SnapshotFormatException">
    /// The verified file is corrupt. Nothing is written: a corrupt verified file is replaced only through
    /// <see cref="Write"/> or <see cref="Accept"/>.
    /// </exception>
    public SnapshotCheck Check(string name, SnapshotContent actual, Tolerance? tolerance = null,
                               IReadOnlyDictionary<string, Tolerance>? perTensor = null, bool writeReceived = true,
                               IReadOnlyCollection<string>? notCompared = null)
    {
        SnapshotNames.Validate(name);
        writeReceived &= notCompared is not { Count: > 0 };
        SnapshotFormat.Validate(actual);
        string verifiedPath = VerifiedPath(name);
        var expected = Read(name);
        if (expected is null)
        {
            string? receivedPath = writeReceived ? WriteReceived(name, actual) : null;
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"Snapshot '{name}' is missing: there is no verified file.\n");
            sb.Append(CultureInfo.InvariantCulture, $"Verified: {verifiedPath} (does not exist)\n");
            sb.Append(CultureInfo.InvariantCulture, $"Received: {receivedPath ?? "(not written)"}\n");
            sb.Append(_options.IsCi
                ? "CI=true: a missing snapshot is a failure and is never accepted automatically."
                : "Review the received file, then accept it (parity snapshot accept).");
            return new SnapshotCheck(name, SnapshotStatus.Missing, sb.ToString(), verifiedPath, receivedPath, []);
        }

        var problems = new List<string>();
        CompareMetadata(expected, actual, problems);
        if (expected.Error != actual.Error)
        {
            problems.Add($"error: expected {Quote(expected.Error)}, actual {Quote(actual.Error)}");
        }
        var comparisons = new List<KeyValuePair<string, TensorComparison>>();
        var summaries = new List<string>();
        foreach (var (tensorName, e) in expected.Tensors)
        {
            var a = actual.GetTensor(tensorName);
            if (a is null && notCompared is not null && notCompared.Contains(tensorName))
            {
                summaries.Add($"{tensorName}: not compared (not produced, as declared)");
                continue;
            }
            if (a is null)
            {
                problems.Add($"{tensorName}: missing from the actual result (the snapshot has {e.DType.Name()} {Tensor.ShapeString(e.Shape)})");
                continue;
            }
            var tol = perTensor is not null && perTensor.TryGetValue(tensorName, out var t) ? t
                    : e.DType.IsIntegral() ? Tolerance.Exact
                    : tolerance ?? Tolerance.For(e.DType);
            var c = TensorComparer.Compare(e, a, tol);
            comparisons.Add(new(tensorName, c));
            if (c.Match)
            {
                summaries.Add($"{tensorName}: max abs {Num(c.MaxAbsDiff)}, max rel {Num(c.MaxRelDiff)}, max ulp {c.MaxUlpDiff}");
            }
            else
            {
                problems.Add(DescribeMismatch(tensorName, e, a, c));
            }
        }
        foreach (var (tensorName, a) in actual.Tensors)
        {
            if (expected.GetTensor(tensorName) is null)
            {
                problems.Add($"{tensorName}: not in the verified snapshot (the actual result has {a.DType.Name()} {Tensor.ShapeString(a.Shape)})");
            }
        }

        if (problems.Count == 0)
        {
            if (writeReceived)
            {
                DeleteReceived(name);
            }
            string detail = summaries.Count == 0 ? "" : " (" + string.Join("; ", summaries) + ")";
            return new SnapshotCheck(name, SnapshotStatus.Match, $"Snapshot '{name}' matches{detail}.", verifiedPath, null, comparisons);
        }

        string? received = writeReceived ? WriteReceived(name, actual) : null;
        var msg = new StringBuilder();
        msg.Append(CultureInfo.InvariantCulture, $"Snapshot '{name}' does not match its verified file:\n");
        foreach (string p in problems)
        {
            msg.Append("  ").Append(p).Append('\n');
        }
        msg.Append(CultureInfo.InvariantCulture, $"Verified: {verifiedPath}\n");
        msg.Append(CultureInfo.InvariantCulture, $"Received: {received ?? "(not written)"}");
        return new SnapshotCheck(name, SnapshotStatus.Mismatch, msg.ToString(), verifiedPath, received, comparisons);
    }

    /// <summary>
    /// Writes the verified file of <paramref name="name"/> atomically, replacing any existing one, corrupt or not
    /// (this is the explicit update used by <c>parity snapshot update</c>).
    /// </summary>
    /// <param name="name">A valid snapshot name.</param>
    /// <param name="content">The content to store.</param>
    /// <exception cref="ArgumentException">The name or the content's keys and tensor names are not valid.</exception>
    public void Write(string name, SnapshotContent content)
    {
        byte[] bytes = Serialize(name, content);
        AtomicFile.Replace(VerifiedPath(name), bytes, _options);
    }

    /// <summary>
    /// Accepts pending received files: each selected name's newest received file (latest write time, then highest
    /// slot) is validated and renamed over its verified file; the name's other received files are deleted.
    /// </summary>
    /// <param name="filter">Which names to accept; null for all.</param>
    /// <returns>The accepted names, sorted ordinally.</returns>
    /// <exception cref="InvalidOperationException">This is a CI run (<see cref="SnapshotOptions.IsCi"/>).</exception>
    /// <exception cref="SnapshotFormatException">A chosen received file is corrupt; nothing has been accepted.</exception>
    public IReadOnlyList<string> Accept(Func<string, bool>? filter = null)
    {
        if (_options.IsCi)
        {
            throw new InvalidOperationException("Snapshots are never accepted in CI (CI=true); accept them locally and commit the verified files.");
        }
        var chosen = new List<(string Name, string Path, List<string> Others)>();
        foreach (var group in ReceivedFiles().GroupBy(r => r.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (filter is not null && !filter(group.Key))
            {
                continue;
            }
            var ordered = group.OrderByDescending(r => File.GetLastWriteTimeUtc(r.Path)).ThenByDescending(r => r.Slot).ToList();
            string path = ordered[0].Path;
            _ = SnapshotFormat.Parse(File.ReadAllBytes(path), path, group.Key);
            chosen.Add((group.Key, path, ordered.Skip(1).Select(r => r.Path).ToList()));
        }
        var accepted = new List<string>();
        foreach (var (name, path, others) in chosen)
        {
            _options.BeforeAcceptMove?.Invoke(name);
            // rename(2): the verified file is the old one or the new one at every instant.
            File.Move(path, VerifiedPath(name), overwrite: true);
            foreach (string other in others)
            {
                File.Delete(other);
            }
            accepted.Add(name);
        }
        return accepted;
    }

    /// <summary>The names that have a verified file, sorted ordinally.</summary>
    public IReadOnlyList<string> Names() =>
        VerifiedFiles().Where(f => SnapshotNames.IsValid(f.Stem)).Select(f => f.Stem).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every <c>*.verified.txt</c> file: its name before the suffix (valid or not) and its full path.</summary>
    private IEnumerable<(string Stem, string Path)> VerifiedFiles()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }
        return System.IO.Directory.EnumerateFiles(Directory, "*" + SnapshotNames.VerifiedSuffix)
            .Select(p => (Path.GetFileName(p)[..^SnapshotNames.VerifiedSuffix.Length], p));
    }

    /// <summary>The names that have at least one received file pending review, sorted ordinally.</summary>
    public IReadOnlyList<string> ReceivedNames() =>
        ReceivedFiles().Select(r => r.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The received files of <paramref name="name"/> (full paths, by slot).</summary>
    /// <param name="name">A valid snapshot name.</param>
    public IReadOnlyList<string> ReceivedPaths(string name)
    {
        SnapshotNames.Validate(name);
        return ReceivedFiles(name).OrderBy(r => r.Slot).Select(r => r.Path).ToList();
    }

    /// <summary>
    /// Verified snapshots whose name is not in <paramref name="catalogue"/> (dangling snapshots), sorted. A
    /// <c>*.verified.txt</c> file whose name is not a valid snapshot name can belong to no case and is listed too.
    /// </summary>
    /// <param name="catalogue">Every case name that currently exists.</param>
    public IReadOnlyList<string> Orphans(IEnumerable<string> catalogue) =>
        OrphanFiles(catalogue).Select(f => f.Stem).ToList();

    /// <summary>Deletes the orphans' verified files and their received files.</summary>
    /// <param name="catalogue">Every case name that currently exists.</param>
    /// <returns>The names deleted, sorted.</returns>
    public IReadOnlyList<string> Prune(IEnumerable<string> catalogue)
    {
        var orphans = OrphanFiles(catalogue);
        foreach (var (stem, path) in orphans)
        {
            File.Delete(path);
            if (SnapshotNames.IsValid(stem))
            {
                DeleteAllReceived(stem);
            }
        }
        return orphans.Select(f => f.Stem).ToList();
    }

    private List<(string Stem, string Path)> OrphanFiles(IEnumerable<string> catalogue)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        var known = new HashSet<string>(catalogue, StringComparer.Ordinal);
        return VerifiedFiles().Where(f => !known.Contains(f.Stem)).OrderBy(f => f.Stem, StringComparer.Ordinal).ToList();
    }

    // Received files are transient review material: atomic, but not flushed to disk (fsync costs milliseconds each).
    private string WriteReceived(string name, SnapshotContent content) =>
        AtomicFile.CreateUnique(slot => Path.Combine(Directory, SnapshotNames.ReceivedFileName(name, slot)),
                                SnapshotFormat.SerializeBytes(name, content), _options with { DurableWrites = false });

    private void DeleteReceived(string name)
    {
        // Called on every match: two stat calls instead of listing a directory of thousands of snapshots. Writers
        // fill the lowest free slot, so a name with received files has slot 1 or 2 unless someone deleted by hand.
        if (!File.Exists(Path.Combine(Directory, SnapshotNames.ReceivedFileName(name, 1))) &&
            !File.Exists(Path.Combine(Directory, SnapshotNames.ReceivedFileName(name, 2))))
        {
            return;
        }
        DeleteAllReceived(name);
    }

    private void DeleteAllReceived(string name)
    {
        foreach (var (_, _, path) in ReceivedFiles(name))
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
        }
    }

    private IEnumerable<(string Name, int Slot, string Path)> ReceivedFiles(string? name = null)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            yield break;
        }
        string pattern = (name ?? "*") + SnapshotNames.ReceivedMarker + "*." + SnapshotNames.Extension;
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, pattern))
        {
            var parsed = SnapshotNames.FromReceivedFileName(Path.GetFileName(path));
            if (parsed is { } p && (name is null || p.Name == name))
            {
                yield return (p.Name, p.Slot, path);
            }
        }
    }

    private void CompareMetadata(SnapshotContent expected, SnapshotContent actual, List<string> problems)
    {
        var keys = expected.Metadata.Select(kv => kv.Key)
            .Concat(actual.Metadata.Select(kv => kv.Key))
            .Where(_options.ComparedMetadata.Contains)
            .Distinct(StringComparer.Ordinal);
        foreach (string key in keys)
        {
            string? e = expected.GetMeta(key), a = actual.GetMeta(key);
            if (e != a)
            {
                problems.Add($"metadata '{key}': expected {Quote(e)}, actual {Quote(a)}");
            }
        }
    }

    private static string DescribeMismatch(string tensorName, Tensor expected, Tensor actual, TensorComparison c)
    {
        if (c.StructuralMismatch is not null)
        {
            return $"{tensorName}: {c.StructuralMismatch}";
        }
        int i = c.WorstIndex;
        string e = SnapshotFormat.FormatElement(expected, i), a = SnapshotFormat.FormatElement(actual, i);
        string head = $"{tensorName}: {c.FailCount} of {expected.Numel} element(s) outside {c.Tolerance}; worst at {IndexString(expected.Shape, i)}: expected {e}, actual {a}";
        if (expected.DType.IsIntegral())
        {
            // Exact difference: int64 extremes are beyond double's 53-bit mantissa.
            long ei = expected.DType == DType.Int32 ? expected.Int32Span[i] : expected.Int64Span[i];
            long ai = actual.DType == DType.Int32 ? actual.Int32Span[i] : actual.Int64Span[i];
            Int128 diff = Int128.Abs((Int128)ai - ei);
            string irel = ei == 0 ? "Infinity" : Num((double)diff / Math.Abs((double)ei));
            return $"{head}, abs diff {diff.ToString(CultureInfo.InvariantCulture)}, rel diff {irel}, ulp diff -";
        }
        double ev = expected.GetDouble(i), av = actual.GetDouble(i);
        if (!double.IsFinite(ev) || !double.IsFinite(av))
        {
            return head + " (NaN and infinities must match exactly)";
        }
        double abs = Math.Abs(av - ev);
        string rel = ev == 0 ? "Infinity" : Num(abs / Math.Abs(ev));
        string ulp = TensorComparer.UlpDistance(expected, actual, i).ToString(CultureInfo.InvariantCulture);
        return $"{head}, abs diff {Num(abs)}, rel diff {rel}, ulp diff {ulp}";
    }

    private static string IndexString(ReadOnlySpan<int> shape, int flat)
    {
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return "[" + string.Join(", ", idx) + "]";
    }

    private static string Quote(string? s)
    {
        if (s is null)
        {
            return "none";
        }
        var sb = new StringBuilder();
        SnapshotFormat.AppendQuoted(sb, s);
        return sb.ToString();
    }

    private static string Num(double v) => SnapshotFormat.Format(v);
}
