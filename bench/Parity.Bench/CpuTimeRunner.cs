using System.Diagnostics;
using System.Numerics;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Parity.Bench;

/// <summary>
/// A plain in-process loop over the same <see cref="LossBench{T}"/> methods that reports, per call, both wall time and
/// the process's CPU time. On a machine shared with other work the CPU time of a single-threaded call is the steadier
/// figure; BenchmarkDotNet's wall-clock tables remain the primary result.
/// </summary>
internal static class CpuTimeRunner
{
    public static void Run(string[] args)
    {
        string filter = args.Length > 1 ? args[1] : "";
        int reps = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10;
        Console.WriteLine("| Type | Shape | Threads | Method | wall ms/call | CPU ms/call |");
        Console.WriteLine("|---|---|---|---|---:|---:|");
        RunFor<float>(filter, reps);
        RunFor<double>(filter, reps);
    }

    private static void RunFor<T>(string filter, int reps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        MethodInfo[] methods = typeof(LossBench<T>).GetMethods()
            .Where(m => m.GetCustomAttribute<BenchmarkAttribute>() != null)
            .Where(m => filter.Length == 0 || filter.Split(',').Any(f => m.Name.Contains(f, StringComparison.OrdinalIgnoreCase)))
            .ToArray();
        if (methods.Length == 0)
        {
            return;
        }
        foreach (string shape in LossBench<T>.Shapes)
        {
            foreach (string threads in LossBench<T>.ThreadCounts)
            {
                var bench = new LossBench<T> { Shape = shape, Threads = threads };
                bench.Setup();
                foreach (MethodInfo m in methods)
                {
                    var call = (Action)(() => m.Invoke(bench, null));
                    call();
                    call();
                    int n = shape == "32x10" ? reps * 1000 : reps;
                    using var process = Process.GetCurrentProcess();
                    TimeSpan cpu0 = process.TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < n; i++)
                    {
                        call();
                    }
                    sw.Stop();
                    process.Refresh();
                    double cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds / n;
                    Console.WriteLine($"| {typeof(T).Name} | {shape} | {threads} | {m.Name} | {sw.Elapsed.TotalMilliseconds / n:F4} | {cpu:F4} |");
                }
                bench.Cleanup();
            }
        }
    }
}
