namespace Parity.Snapshots;

/// <summary>
/// Writes that publish a whole file or nothing: the bytes go to a hidden temp file in the same directory, are
/// flushed, and the temp file is then renamed over (or linked to) the destination. A reader sees the old file or
/// the new one, never a part.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Prefix of temp files; they start with a dot so no snapshot pattern ever matches them.</summary>
    public const string TempPrefix = ".snapshot-";

    /// <summary>Atomically replaces (or creates) <paramref name="path"/>.</summary>
    public static void Replace(string path, byte[] bytes, SnapshotOptions options)
    {
        string temp = WriteTemp(path, bytes, options);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Creates a file that does not exist yet, trying <paramref name="candidate"/>(1), (2), … until one is free, and
    /// returns the path written. A parallel writer (thread or process) that takes a slot first is never clobbered.
    /// </summary>
    /// <remarks>
    /// A slot is claimed with an exclusive create (<c>O_CREAT | O_EXCL</c>: exactly one claimant wins) and the
    /// complete temp file is then renamed over the claimed, still empty file. Readers see an empty file or the whole
    /// content, never a part; a crash in between leaves an empty file, which reads as truncated.
    /// (<see cref="File.Move(string, string, bool)"/> without overwrite is not used: on Linux it can replace a file
    /// created by a parallel writer between its existence check and its rename.)
    /// </remarks>
    public static string CreateUnique(Func<int, string> candidate, byte[] bytes, SnapshotOptions options)
    {
        string first = candidate(1);
        string temp = WriteTemp(first, bytes, options);
        try
        {
            for (int slot = 1; slot < 100_000; slot++)
            {
                string path = candidate(slot);
                try
                {
                    using (new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                    {
                    }
                }
                catch (IOException) when (File.Exists(path))
                {
                    continue; // taken by another writer
                }
                File.Move(temp, path, overwrite: true);
                return path;
            }
            throw new IOException($"no free received-file slot beside {first}");
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private static string WriteTemp(string destination, byte[] bytes, SnapshotOptions options)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, TempPrefix + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                // The wrapper (a test hook) is not disposed: it would close the file before the flush to disk.
                Stream stream = options.WrapWriteStream?.Invoke(file) ?? file;
                stream.Write(bytes);
                stream.Flush();
                if (options.DurableWrites)
                {
                    file.Flush(flushToDisk: true);
                }
            }
            return temp;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
