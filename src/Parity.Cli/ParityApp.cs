using Parity.Harness.Ops;
using System.CommandLine;
using Parity.Harness.Cases;
using Parity.Harness.Matrix;
using Parity.Harness.Running;
using Parity.Native;

namespace Parity.Cli;

/// <summary>
/// The <c>parity</c> command: <c>run</c> (the CI job), <c>eval</c>, <c>list</c>, <c>snapshot accept|update|check|prune</c>, <c>fuzz</c>.
/// </summary>
/// <remarks>Exit codes: 0 success; 1 a comparison failed; 2 bad usage or a bad case file; 3 nothing was verified (every case skipped).</remarks>
public static class ParityApp
{
    /// <summary>Exit code: a comparison failed.</summary>
    public const int ExitFailed = 1;

    /// <summary>Exit code: bad usage or an invalid case file.</summary>
    public const int ExitUsage = 2;

    /// <summary>Exit code: nothing was verified (every case skipped).</summary>
    public const int ExitNothingVerified = 3;

    /// <summary>The entry point with the real console, backends and environment.</summary>
    public static int Execute(string[] args) => Run(args, new ParityHost
    {
        Out = Console.Out,
        Err = Console.Error,
        In = Console.In,
        Backends = DefaultBackends.Create,
    });

    /// <summary>Runs the command with an injected native backend (and default everything else).</summary>
    internal static int Run(string[] args, IOpBackend native, TextWriter stdout, TextWriter stderr) => Run(args, new ParityHost
    {
        Out = stdout,
        Err = stderr,
        Backends = noTorch => DefaultBackends.Create(noTorch) with { Native = native },
    });

    /// <summary>Runs the command against a host.</summary>
    internal static int Run(string[] args, ParityHost host)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(host);
        var root = Build(host);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                host.Err.WriteLine("parity: " + e.Message);
            }
            host.Err.WriteLine("Run 'parity --help' for usage.");
            return ExitUsage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = host.Out, Error = host.Err, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            host.Err.WriteLine("parity: " + e.Message);
            return ExitUsage;
        }
    }

    internal static IReadOnlyList<CaseSpec> Catalogue(ParityHost host) => host.Catalogue ?? ParityMatrix.All;

    private static RootCommand Build(ParityHost host)
    {
        var root = new RootCommand(
            "Parity: proves the native C# losses agree with libtorch, case by case. " +
            "Exit codes: 0 ok, 1 a comparison failed, 2 bad usage or case file, 3 nothing verified.");
        root.Add(RunCommand.Build(host));
        root.Add(EvalCommand.Build(host));
        root.Add(ListCommand.Build(host));
        root.Add(SnapshotCommand.Build(host));
        root.Add(FuzzCommand.Build(host));
        return root;
    }
}

/// <summary>A bad option value found after parsing (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The case-selection options shared by <c>run</c>, <c>list</c> and <c>snapshot</c>.</summary>
internal sealed class SelectionOptions
{
    public Option<string[]> Op { get; } = new("--op")
    {
        Description = "Only these ops (repeat or comma-separate): " + string.Join(", ", OpCatalog.Names),
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> DType { get; } = new("--dtype") { Description = "Only this case dtype: float32 or float64" };

    public Option<string?> Filter { get; } = new("--filter") { Description = "Case-name pattern: * and ? wildcards over the whole name, otherwise a substring" };

    public Option<string?> Shard { get; } = new("--shard") { Description = "Run part i of n (1-based, e.g. 2/4): a deterministic split; all n parts cover every case once" };

    public void AddTo(Command c)
    {
        c.Add(Op);
        c.Add(DType);
        c.Add(Filter);
        c.Add(Shard);
    }

    public CaseSelection Read(ParseResult p)
    {
        var ops = p.GetValue(Op);
        List<OpDefinition>? opList = null;
        if (ops is { Length: > 0 })
        {
            opList = [];
            foreach (string name in ops.SelectMany(o => o.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                try
                {
                    opList.Add(OpCatalog.Get(name));
                }
                catch (ArgumentException e)
                {
                    throw new UsageException("--op: " + e.Message.Split(" (Parameter", 2)[0]);
                }
            }
        }
        DType? dtype = null;
        if (p.GetValue(DType) is { } d)
        {
            dtype = d switch
            {
                "float32" => Native.DType.Float32,
                "float64" => Native.DType.Float64,
                _ => throw new UsageException($"--dtype: unknown dtype '{d}' (expected float32 or float64)"),
            };
        }
        Shard? shard = null;
        if (p.GetValue(Shard) is { } s)
        {
            try
            {
                shard = Harness.Running.Shard.Parse(s);
            }
            catch (FormatException e)
            {
                throw new UsageException(e.Message);
            }
        }
        return new CaseSelection { Ops = opList, DType = dtype, Filter = p.GetValue(Filter), Shard = shard };
    }
}
