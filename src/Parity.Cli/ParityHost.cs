using Parity.Harness.Ops;
using Parity.Harness.Cases;
using Parity.Harness.Running;

namespace Parity.Cli;

/// <summary>
/// Everything the <c>parity</c> command takes from its surroundings, injectable in tests: the streams, the backends
/// (e.g. a deliberately broken native op), the catalogue, the environment and the working directory.
/// </summary>
public sealed record ParityHost
{
    /// <summary>Standard output.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Standard error.</summary>
    public required TextWriter Err { get; init; }

    /// <summary>Standard input (for <c>parity eval -</c>).</summary>
    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>Creates the backends; the argument is true when libtorch must not be used (<c>--no-torch</c>).</summary>
    public required Func<bool, ParityBackends> Backends { get; init; }

    /// <summary>libtorch's provenance recorded in snapshots by <c>parity snapshot update</c>.</summary>
    public Func<IReadOnlyList<KeyValuePair<string, string>>> Provenance { get; init; } = DefaultBackends.Provenance;

    /// <summary>The built-in catalogue (null: <see cref="Parity.Harness.Matrix.ParityMatrix.All"/>).</summary>
    public IReadOnlyList<CaseSpec>? Catalogue { get; init; }

    /// <summary>Whether to draw a live progress bar (null: when stdout is a terminal and <c>CI</c> is not <c>true</c>).</summary>
    public bool? Interactive { get; init; }

    /// <summary>Reads an environment variable.</summary>
    public Func<string, string?> GetEnvironment { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The directory relative paths resolve against (the default snapshot store is <c>snapshots/</c> in it).</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Whether <c>CI=true</c>.</summary>
    public bool IsCi => string.Equals(GetEnvironment("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A path resolved against <see cref="WorkingDirectory"/>.</summary>
    public string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(WorkingDirectory, path));
}
