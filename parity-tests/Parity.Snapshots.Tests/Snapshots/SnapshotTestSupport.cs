using System.Text;
using Parity.Snapshots;
using Parity.Native;

namespace Parity.Snapshots.Tests;

/// <summary>A fresh temp directory per test, deleted afterwards; never the repository's snapshots/.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "parity-snapshots-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string fileName) => System.IO.Path.Combine(Path, fileName);

    /// <summary>Every file name in the directory, hidden temp files included, sorted.</summary>
    public string[] Listing() => Directory.EnumerateFiles(Path).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Snap
{
    public static readonly SnapshotOptions Local = new() { IsCi = false, DurableWrites = false };
    public static readonly SnapshotOptions Ci = new() { IsCi = true, DurableWrites = false };

    public static KeyValuePair<string, Tensor> T(string name, Tensor t) => new(name, t);

    public static KeyValuePair<string, string> M(string key, string value) => new(key, value);

    public static SnapshotContent Content(params KeyValuePair<string, Tensor>[] tensors) => new([], tensors);

    public static float F32(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    public static double F64(ulong bits) => BitConverter.UInt64BitsToDouble(bits);

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Asserts shape, dtype and every storage bit (NaN payloads included).</summary>
    public static void BitEqual(Tensor expected, Tensor? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        Assert.Equal(expected.Bytes.ToArray(), actual.Bytes.ToArray());
    }

    public static void BitEqual(SnapshotContent expected, SnapshotContent? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Metadata, actual.Metadata);
        Assert.Equal(expected.Error, actual.Error);
        Assert.Equal(expected.Tensors.Select(kv => kv.Key), actual.Tensors.Select(kv => kv.Key));
        for (int i = 0; i < expected.Tensors.Count; i++)
        {
            BitEqual(expected.Tensors[i].Value, actual.Tensors[i].Value);
        }
    }
}

/// <summary>A stream that passes <c>failAfter</c> bytes through and then throws, like a disk filling up half-way.</summary>
internal sealed class FailingStream(Stream inner, int failAfter) : Stream
{
    private int _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int room = Math.Max(0, failAfter - _written);
        int n = Math.Min(room, buffer.Length);
        inner.Write(buffer[..n]);
        inner.Flush();
        _written += n;
        if (n < buffer.Length)
        {
            throw new IOException("injected failure: no space left on device");
        }
    }
}
