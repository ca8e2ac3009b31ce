using Parity.Cli;
using Parity.Harness.Cases;
using Parity.Harness.Running;
using Parity.Harness.Tests.Fakes;

namespace Parity.Cli.Tests;

/// <summary>Runs the parity command in-process against injected backends, capturing its output.</summary>
internal sealed class CliHarness : IDisposable
{
    public CliHarness(FakeBackend? native = null, bool torch = true, IReadOnlyList<CaseSpec>? catalogue = null, string? ci = null)
    {
        Native = native ?? new FakeBackend();
        Torch = torch ? new FakeBackend("torch") : null;
        Catalogue = catalogue ?? GoodCases;
        Ci = ci;
        Directory.CreateDirectory(WorkDir);
    }

    /// <summary>The matrix without its bad-input cases (the stand-in backends raise no PyTorch errors).</summary>
    public static IReadOnlyList<CaseSpec> GoodCases { get; } = Harness.Matrix.ParityMatrix.All.Where(c => c.ExpectError is null).ToList();

    public FakeBackend Native { get; }

    public FakeBackend? Torch { get; }

    public IReadOnlyList<CaseSpec>? Catalogue { get; }

    public string? Ci { get; }

    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), "parity-cli-" + Guid.NewGuid().ToString("N"));

    public string Out { get; private set; } = "";

    public string Err { get; private set; } = "";

    public int Run(params string[] args) => RunWithInput("", args);

    public int RunWithInput(string stdin, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var host = new ParityHost
        {
            Out = o,
            Err = e,
            In = new StringReader(stdin),
            Backends = noTorch => Torch is null || noTorch
                ? new ParityBackends(Native, () => new FakeRandom(), null, null, noTorch ? "--no-torch" : "libtorch unavailable: test")
                : new ParityBackends(Native, () => new FakeRandom(), Torch, () => new FakeRandom()),
            Catalogue = Catalogue,
            Interactive = false,
            GetEnvironment = name => name == "CI" ? Ci : null,
            WorkingDirectory = WorkDir,
            Provenance = () => [new("libtorch", "fake")],
        };
        int code = ParityApp.Run(args, host);
        Out = o.ToString();
        Err = e.ToString();
        return code;
    }

    public string Write(string name, string text)
    {
        string path = Path.Combine(WorkDir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
