using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace Parity.Bench;

/// <summary>
/// Entry point: BenchmarkDotNet's switcher, so <c>--filter</c>, <c>--list flat</c>, <c>--job short</c> and the other
/// BenchmarkDotNet options work. The default job is shorter than BenchmarkDotNet's own (2 warm-ups, 6 iterations,
/// one launch) because the whole matrix is long on a small machine; <c>PARITY_BENCH_ITERATIONS</c> overrides the
/// iteration count.
/// </summary>
internal static class Program
{
    private static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "accuracy")
        {
            // dotnet run -c Release --project bench/Parity.Bench -- accuracy
            AccuracyRunner.Run();
            return;
        }
        if (args.Length > 0 && args[0] == "cputime")
        {
            // dotnet run -c Release --project bench/Parity.Bench -- cputime [method-substrings,comma-separated] [reps]
            CpuTimeRunner.Run(args);
            return;
        }
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("PARITY_BENCH_ITERATIONS"), out int i) ? i : 6;
        var job = Job.Default.WithWarmupCount(2).WithIterationCount(iterations).WithLaunchCount(1).AsDefault();
        var config = DefaultConfig.Instance.AddJob(job);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
