using Parity.Snapshots;

namespace Parity.Snapshots.Tests;

/// <summary>Tests that set process environment variables run alone, so no other test reads a value they set.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}

[Collection(EnvironmentCollection.Name)]
public class SnapshotEnvironmentTests
{
    [Fact]
    public void CiVariable_IsDetected()
    {
        string? before = Environment.GetEnvironmentVariable("CI");
        try
        {
            Environment.SetEnvironmentVariable("CI", "true");
            Assert.True(new SnapshotOptions().IsCi);
            Environment.SetEnvironmentVariable("CI", "false");
            Assert.False(new SnapshotOptions().IsCi);
            Environment.SetEnvironmentVariable("CI", null);
            Assert.False(new SnapshotOptions().IsCi);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CI", before);
        }
    }

    [Fact]
    public void DefaultDirectory_HonoursTheEnvironmentVariable()
    {
        string? before = Environment.GetEnvironmentVariable(TensorSnapshot.DirectoryVariable);
        try
        {
            Environment.SetEnvironmentVariable(TensorSnapshot.DirectoryVariable, "/tmp/parity-snapshots-elsewhere");
            Assert.Equal("/tmp/parity-snapshots-elsewhere", TensorSnapshot.DefaultDirectory());
        }
        finally
        {
            Environment.SetEnvironmentVariable(TensorSnapshot.DirectoryVariable, before);
        }
    }

    [Fact]
    public void DefaultDirectory_IsSnapshotsBesideTheRepositoryRoot()
    {
        string? before = Environment.GetEnvironmentVariable(TensorSnapshot.DirectoryVariable);
        try
        {
            Environment.SetEnvironmentVariable(TensorSnapshot.DirectoryVariable, null);
            string dir = TensorSnapshot.DefaultDirectory();
            string root = Path.GetDirectoryName(dir)!;
            Assert.Equal("snapshots", Path.GetFileName(dir));
            Assert.True(File.Exists(Path.Combine(root, "Parity.sln")) || Path.Exists(Path.Combine(root, ".git")), root);
            Assert.StartsWith(root + Path.DirectorySeparatorChar, AppContext.BaseDirectory, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(TensorSnapshot.DirectoryVariable, before);
        }
    }
}
