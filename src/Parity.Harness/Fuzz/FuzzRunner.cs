using System.Diagnostics;
using System.Text;
using CsCheck;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Fuzz;

/// <summary>Settings of a fuzzing run.</summary>
public sealed record FuzzOptions
{
    /// <summary>Cases generated per op (<c>parity fuzz --cases</c>).</summary>
    public int CasesPerOp { get; init; } = 1000;

    /// <summary>The run's seed: the same seed, options and backends give the same cases, failures and shrunk cases.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>The ops to fuzz; null or empty means all of <see cref="OpCatalog.All"/>.</summary>
    public IReadOnlyList<OpDefinition>? Ops { get; init; }

    /// <summary>Shape limits of generated cases.</summary>
    public FuzzBounds Bounds { get; init; } = FuzzBounds.Default;

    /// <summary>Largest number of candidate cases tried while shrinking one failure.</summary>
    public int ShrinkAttempts { get; init; } = 4000;

    /// <summary>Shrinking of one failure stops after this many candidates in a row bring no smaller failing case.</summary>
    public int ShrinkPatience { get; init; } = 1500;

    /// <summary>How many distinct failures (by <see cref="FuzzFailure.Signature"/>) are shrunk per op; the rest are only counted.</summary>
    public int MaxShrunkPerOp { get; init; } = 8;

    /// <summary>Worker threads for evaluating cases (results do not depend on it).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Returns a reason to skip a call instead of evaluating it, or null to evaluate it — for inputs known to abort the
    /// process on one side. Skipped cases are counted in <see cref="FuzzOpSummary.Skipped"/>,
    /// never as agreed, and shrinking never proposes them.
    /// </summary>
    public Func<OpCall, string?>? Skip { get; init; }

    /// <summary>Called now and then with the run's progress (from any thread, one call at a time).</summary>
    public Action<FuzzProgress>? Progress { get; init; }
}

/// <summary>Progress of a run.</summary>
/// <param name="Op">The op being fuzzed.</param>
/// <param name="Phase"><c>fuzz</c> or <c>shrink</c>.</param>
/// <param name="Done">Cases evaluated so far for this op (fuzz phase) or failures shrunk (shrink phase).</param>
/// <param name="Total">Cases for this op (fuzz phase) or failures to shrink (shrink phase).</param>
/// <param name="Failures">Disagreements found so far for this op.</param>
public sealed record FuzzProgress(OpDefinition Op, string Phase, int Done, int Total, int Failures);

/// <summary>Counts for one op.</summary>
/// <param name="Op">The op.</param>
/// <param name="Cases">Cases evaluated.</param>
/// <param name="Agreed">Cases where both sides returned and agreed.</param>
/// <param name="BothThrew">Cases where both threw the same message.</param>
/// <param name="Failed">Disagreements.</param>
/// <param name="Skipped">Cases not evaluated because <see cref="FuzzOptions.Skip"/> gave a reason.</param>
/// <param name="Unsupported">Cases the backend under test declined (<see cref="ParityVerdict.Unsupported"/>): neither agreed nor failed.</param>
public sealed record FuzzOpSummary(OpDefinition Op, int Cases, int Agreed, int BothThrew, int Failed, int Skipped = 0, int Unsupported = 0)
{
    /// <summary>
    /// For each gradient the backend under test does not give (<see cref="ParityVerdict.GradientsNotCompared"/>), the
    /// number of compared cases in which it was left out.
    /// </summary>
    public IReadOnlyDictionary<string, int> GradientsNotCompared { get; init; } = new Dictionary<string, int>();

    /// <summary>Equal counts, and equal <see cref="GradientsNotCompared"/> entries (not the same dictionary).</summary>
    public bool Equals(FuzzOpSummary? other) =>
        other is not null && Op == other.Op && (Cases, Agreed, BothThrew, Failed, Skipped, Unsupported) ==
            (other.Cases, other.Agreed, other.BothThrew, other.Failed, other.Skipped, other.Unsupported) &&
        GradientsNotCompared.Count == other.GradientsNotCompared.Count &&
        GradientsNotCompared.All(kv => other.GradientsNotCompared.TryGetValue(kv.Key, out int n) && n == kv.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Op, Cases, Agreed, BothThrew, Failed, Skipped, Unsupported, GradientsNotCompared.Count);
}

/// <summary>One disagreement, with the case that found it and the shrunk case.</summary>
public sealed record FuzzFailure
{
    /// <summary>The op.</summary>
    public required OpDefinition Op { get; init; }

    /// <summary>Index of the first case (of this op) that failed this way.</summary>
    public required int CaseIndex { get; init; }

    /// <summary>The CsCheck seed string that regenerates the original case: <c>FuzzCases.For(op).Generate(PCG.Parse(seed), null, out _)</c>.</summary>
    public required string CsCheckSeed { get; init; }

    /// <summary>What differs.</summary>
    public required DisagreementKind Kind { get; init; }

    /// <summary>A grouping key: the kind and, for errors, the messages with digits blanked.</summary>
    public required string Signature { get; init; }

    /// <summary>How many cases of the run failed with this signature.</summary>
    public int Occurrences { get; init; } = 1;

    /// <summary>The case as generated.</summary>
    public required OpCall Original { get; init; }

    /// <summary>The difference on the original case.</summary>
    public required string OriginalDetail { get; init; }

    /// <summary>The smallest failing case found.</summary>
    public required OpCall Shrunk { get; init; }

    /// <summary>The difference on the shrunk case.</summary>
    public required string ShrunkDetail { get; init; }

    /// <summary>How many times shrinking found a smaller (or simpler) failing case.</summary>
    public int ShrinkSteps { get; init; }

    /// <summary>The shrunk case in the <c>parity eval</c> JSON format (ready to run).</summary>
    public required string Json { get; init; }
}

/// <summary>How many cases of an op failed with one signature.</summary>
/// <param name="Op">The op.</param>
/// <param name="Signature">See <see cref="FuzzFailure.Signature"/>.</param>
/// <param name="Count">Failing cases.</param>
/// <param name="FirstCase">Index of the first failing case.</param>
public sealed record FuzzSignatureCount(OpDefinition Op, string Signature, int Count, int FirstCase);

/// <summary>The outcome of a run.</summary>
/// <param name="Seed">The run's seed.</param>
/// <param name="Ops">Per-op counts, in op order.</param>
/// <param name="Failures">Shrunk failures, by op then case index.</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="Signatures">Every distinct failure signature per op with its case count, shrunk or not.</param>
public sealed record FuzzReport(long Seed, IReadOnlyList<FuzzOpSummary> Ops, IReadOnlyList<FuzzFailure> Failures, TimeSpan Elapsed,
    IReadOnlyList<FuzzSignatureCount> Signatures)
{
    /// <summary>Whether no case disagreed.</summary>
    public bool Passed => Ops.All(o => o.Failed == 0);

    /// <summary>A plain-text summary: per-op counts, then each shrunk failure with its JSON.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant($"fuzz seed {Seed}: {Ops.Sum(o => o.Cases)} cases in {Elapsed.TotalSeconds:F1} s"));
        foreach (var o in Ops)
        {
            sb.AppendLine(FormattableString.Invariant(
                $"  {o.Op.Name,-34} cases {o.Cases,7}  agreed {o.Agreed,7}  both threw {o.BothThrew,6}  failed {o.Failed,6}  skipped {o.Skipped,5}  unsupported {o.Unsupported,6}"));
        }
        foreach (var o in Ops.Where(o => o.GradientsNotCompared.Count > 0))
        {
            sb.AppendLine(FormattableString.Invariant(
                $"  {o.Op.Name}: gradients the backend under test does not give, not compared: {string.Join(", ", o.GradientsNotCompared.Select(g => $"{g.Key} ({g.Value} case(s))"))}"));
        }
        var unshrunk = Signatures.Where(g => !Failures.Any(f => f.Op == g.Op && f.Signature == g.Signature)).ToList();
        if (unshrunk.Count > 0)
        {
            sb.AppendLine("  failure signatures not shrunk (over the per-op limit):");
            foreach (var g in unshrunk)
            {
                sb.AppendLine(FormattableString.Invariant($"    {g.Op.Name} case {g.FirstCase}, {g.Count} case(s): {g.Signature}"));
            }
        }
        foreach (var f in Failures)
        {
            sb.AppendLine();
            sb.AppendLine(FormattableString.Invariant(
                $"FAIL {f.Op.Name} case {f.CaseIndex} (CsCheck seed {f.CsCheckSeed}), {f.Kind}, {f.Occurrences} case(s) like it"));
            sb.AppendLine("  original: " + f.OriginalDetail);
            sb.AppendLine(FormattableString.Invariant($"  shrunk to {FuzzCases.ElementCount(f.Shrunk)} element(s) in {f.ShrinkSteps} step(s): {f.ShrunkDetail}"));
            sb.AppendLine(f.Json);
        }
        return sb.ToString();
    }
}

/// <summary>
/// Property-based parity: generates <see cref="OpCall"/>s with <see cref="FuzzCases"/> (CsCheck), checks
/// <see cref="ParityProperty"/> on each, and shrinks every distinct failure to a small case printed in the
/// <c>parity eval</c> JSON format.
/// </summary>
/// <remarks>
/// Deterministic: case <c>i</c> of op <c>o</c> is generated from its own CsCheck <see cref="PCG"/> derived from
/// (seed, op, i), so results do not depend on the thread count. Shrinking follows CsCheck's idea — sample again and
/// keep any case that fails the same way with a smaller CsCheck size (here: fewer elements first) — with samples
/// bounded by the current failing case's shape; then deterministic passes that drop the optional tensors, drop slices
/// (first or last index) along each dimension together with the aligned slices of target/weight/pos_weight, and
/// replace values by simpler ones (0, 1, 0.5, roundings). A candidate is kept only if it fails with the same
/// <see cref="FuzzFailure.Signature"/>. Inputs named by <see cref="FuzzOptions.Skip"/> are never evaluated.
/// </remarks>
public sealed partial class FuzzRunner
{
    private readonly ParityProperty _property;

    /// <summary>Creates a runner comparing <paramref name="native"/> against <paramref name="torch"/>.</summary>
    public FuzzRunner(IOpBackend native, IOpBackend torch) => _property = new ParityProperty(native, torch);

    /// <summary>Runs the fuzzer.</summary>
    /// <param name="options">Cases, seed, ops, shrinking budget, threads, progress callback.</param>
    /// <param name="cancellationToken">Stops the run between cases.</param>
    public FuzzReport Run(FuzzOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var ops = options.Ops is { Count: > 0 } ? options.Ops : OpCatalog.All;
        var summaries = new List<FuzzOpSummary>();
        var failures = new List<FuzzFailure>();
        var signatures = new List<FuzzSignatureCount>();
        var progressLock = new object();
        foreach (var op in ops)
        {
            var gen = FuzzCases.For(op, options.Bounds);
            var found = new (string Seed, OpCall Call, Size Size, ParityVerdict Verdict)?[options.CasesPerOp];
            int done = 0, failed = 0, agreed = 0, bothThrew = 0, skipped = 0, unsupported = 0;
            var notCompared = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
            int step = Math.Max(1, options.CasesPerOp / 100);
            Parallel.For(0, options.CasesPerOp,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), CancellationToken = cancellationToken },
                i =>
                {
                    var pcg = CasePcg(options.Seed, op, i);
                    string seed = pcg.ToString();
                    var call = gen.Generate(pcg, null, out var size);
                    var verdict = options.Skip?.Invoke(call) is null ? _property.Check(call) : null;
                    if (verdict is null)
                    {
                        Interlocked.Increment(ref skipped);
                    }
                    else if (verdict.Unsupported is not null)
                    {
                        Interlocked.Increment(ref unsupported);
                    }
                    else if (verdict.Agrees)
                    {
                        Interlocked.Increment(ref verdict.BothThrew ? ref bothThrew : ref agreed);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                        found[i] = (seed, call, size, verdict);
                    }
                    if (verdict is { Unsupported: null })
                    {
                        foreach (string g in verdict.GradientsNotCompared)
                        {
                            notCompared.AddOrUpdate(g, 1, (_, n) => n + 1);
                        }
                    }
                    int d = Interlocked.Increment(ref done);
                    if (options.Progress is not null && (d % step == 0 || d == options.CasesPerOp))
                    {
                        lock (progressLock)
                        {
                            options.Progress(new FuzzProgress(op, "fuzz", d, options.CasesPerOp, Volatile.Read(ref failed)));
                        }
                    }
                });
            summaries.Add(new FuzzOpSummary(op, options.CasesPerOp, agreed, bothThrew, failed, skipped, unsupported)
            {
                GradientsNotCompared = notCompared.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value),
            });

            // One shrunk failure per signature, the earliest case first.
            var groups = found.Select((f, i) => (f, i))
                .Where(x => x.f is not null)
                .GroupBy(x => Signature(x.f!.Value.Verdict, x.f!.Value.Call))
                .Select(g => (Signature: g.Key, First: g.First(), Count: g.Count()))
                .OrderBy(g => g.First.i)
                .ToList();
            signatures.AddRange(groups.Select(g => new FuzzSignatureCount(op, g.Signature, g.Count, g.First.i)));
            groups = [.. groups.Take(options.MaxShrunkPerOp)];
            var shrunk = new FuzzFailure[groups.Count];
            int shrinkDone = 0;
            Parallel.For(0, groups.Count,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), CancellationToken = cancellationToken },
                k =>
                {
                    var (signature, (f, index), count) = groups[k];
                    var (seed, call, size, verdict) = f!.Value;
                    var (small, smallVerdict, steps) = Shrink(op, call, size, verdict, signature, options, index);
                    shrunk[k] = new FuzzFailure
                    {
                        Op = op,
                        CaseIndex = index,
                        CsCheckSeed = seed,
                        Kind = verdict.Kind,
                        Signature = signature,
                        Occurrences = count,
                        Original = call,
                        OriginalDetail = verdict.Detail,
                        Shrunk = small,
                        ShrunkDetail = smallVerdict.Detail,
                        ShrinkSteps = steps,
                        Json = FuzzCaseJson.Write(small, $"fuzz.{op.Name}.seed={options.Seed}.case={index}",
                            smallVerdict.GradientsNotCompared.Count > 0 ? smallVerdict.Gradients : null),
                    };
                    int d = Interlocked.Increment(ref shrinkDone);
                    if (options.Progress is not null)
                    {
                        lock (progressLock)
                        {
                            options.Progress(new FuzzProgress(op, "shrink", d, groups.Count, failed));
                        }
                    }
                });
            failures.AddRange(shrunk);
        }
        return new FuzzReport(options.Seed, summaries, failures, clock.Elapsed, signatures);
    }

    /// <summary>Evaluates one call (for replaying a case).</summary>
    public ParityVerdict Check(OpCall call) => _property.Check(call);

    /// <summary>The CsCheck generator state for case <paramref name="index"/> of <paramref name="op"/> in a run seeded <paramref name="seed"/>.</summary>
    public static PCG CasePcg(long seed, OpDefinition op, int index) =>
        new(op.FuzzStream, Mix((ulong)seed, (ulong)index));

    /// <summary>
    /// Shrinks a failing call: random candidates bounded by the current case (kept when they fail with the same
    /// signature and a smaller CsCheck size), then dropping optional tensors and simplifying values one at a time.
    /// </summary>
    private (OpCall Call, ParityVerdict Verdict, int Steps) Shrink(
        OpDefinition op, OpCall call, Size size, ParityVerdict verdict, string signature, FuzzOptions options, int caseIndex)
    {
        var current = call;
        var currentVerdict = verdict;
        var currentSize = size;
        int steps = 0, lastImprovement = 0;
        for (int attempt = 0; attempt < options.ShrinkAttempts && attempt - lastImprovement < options.ShrinkPatience; attempt++)
        {
            var pcg = new PCG(0x5EED0000u + (op.FuzzStream - 1), Mix(Mix((ulong)options.Seed, (ulong)caseIndex), (ulong)attempt));
            var candidate = FuzzCases.For(op, FuzzBounds.Within(current, options.Bounds)).Generate(pcg, null, out var candidateSize);
            if (Size.IsLessThan(candidateSize, currentSize) && Try(candidate))
            {
                currentSize = candidateSize;
                lastImprovement = attempt;
            }
        }

        foreach (var p in op.Schema.Tensors.Where(p => !p.Required))
        {
            Try(current.With(p.Name, null));
        }
        // Drop slices (the first or last index along a dimension) while the failure persists.
        for (bool progress = true; progress;)
        {
            progress = false;
            for (int d = 0; d < current.Primary.Dim && !progress; d++)
            {
                int extent = current.Primary.Size(d);
                foreach (int j in extent > 1 ? new[] { extent - 1, 0 } : extent == 1 ? [0] : [])
                {
                    if (WithoutSlice(current, d, j) is { } smaller && Try(smaller))
                    {
                        progress = true;
                        break;
                    }
                }
            }
        }
        foreach (string which in op.Schema.Tensors.Select(p => p.Name))
        {
            for (int i = 0; current[which] is { } t && t.DType.IsFloatingPoint() && i < t.Numel; i++)
            {
                double v = t.GetDouble(i);
                foreach (double simple in new[] { 0.0, 1.0, 0.5, Math.Round(v, 1), Math.Round(v, 2) })
                {
                    if (!double.IsFinite(v) || simple.Equals(v) || Math.Abs(simple) > Math.Abs(v) + 1)
                    {
                        continue;
                    }
                    var copy = current[which]!.Clone();
                    copy.SetDouble(i, simple);
                    if (Try(current.With(which, copy)))
                    {
                        break;
                    }
                }
            }
        }
        return (current, currentVerdict, steps);

        bool Try(OpCall candidate)
        {
            if (candidate == current || FuzzCases.ElementCount(candidate) > FuzzCases.ElementCount(current) ||
                options.Skip?.Invoke(candidate) is not null)
            {
                return false;
            }
            var v = _property.Check(candidate);
            if (v.Agrees || v.Unsupported is not null || Signature(v, candidate) != signature)
            {
                return false;
            }
            (current, currentVerdict) = (candidate, v);
            steps++;
            return true;
        }
    }

    /// <summary>
    /// The call with index <paramref name="j"/> of input dimension <paramref name="d"/> removed, and the matching slice of
    /// every tensor aligned with that dimension (an equal-shaped target, the batch/spatial dims of a class-index target,
    /// broadcast weights of the same size); null when <paramref name="d"/> is the class dimension of a class-index op.
    /// </summary>
    private static OpCall? WithoutSlice(OpCall c, int d, int j)
    {
        var input = c.Primary;
        bool classOp = c.Op.HasClassDimension;
        int classDim = input.Dim == 1 ? 0 : 1;
        string primary = c.Op.Schema.Primary.Name;
        var result = c.With(primary, RemoveSlice(input, d, j));
        foreach (var (name, t) in c.Tensors)
        {
            if (name == primary)
            {
                continue;
            }
            Tensor? changed;
            if (name == "target" && !t.Shape.SequenceEqual(input.Shape))
            {
                if (classOp && d == classDim)
                {
                    return null;
                }
                changed = t;
                if (classOp && t.Dim == input.Dim - 1 && input.Dim >= 2)
                {
                    int td = d == 0 ? 0 : d - 1;
                    changed = t.Size(td) == input.Size(d) ? RemoveSlice(t, td, j) : t;
                }
            }
            else if (t.Shape.SequenceEqual(input.Shape))
            {
                changed = RemoveSlice(t, d, j);
            }
            else
            {
                changed = Aligned(t);
            }
            result = result.With(name, changed);
        }
        return result;

        Tensor? Aligned(Tensor? t)
        {
            int k = t is null ? -1 : t.Dim - (input.Dim - d);
            return t is null || k < 0 || t.Size(k) != input.Size(d) || t.Size(k) == 1 && input.Size(d) != 1 ? t : RemoveSlice(t, k, j);
        }
    }

    private static Tensor RemoveSlice(Tensor t, int d, int j)
    {
        int[] shape = t.ShapeArray();
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++)
        {
            outer *= shape[i];
        }
        for (int i = d + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }
        int size = shape[d];
        shape[d]--;
        var r = Tensor.Zeros(t.DType, shape);
        int k = 0;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < size; i++)
            {
                for (int e = 0; e < inner; e++)
                {
                    if (i != j)
                    {
                        r.SetDouble(k++, t.GetDouble((((o * size) + i) * inner) + e));
                    }
                }
            }
        }
        return r;
    }

    /// <summary>The grouping key of a failure: its kind and dtype, and for errors the messages with digits blanked.</summary>
    public static string Signature(ParityVerdict verdict, OpCall call)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(call);
        return verdict.Kind switch
        {
            DisagreementKind.Output or DisagreementKind.Gradient => $"{verdict.Kind} {call.Primary.DType.Name()}",
            _ => $"{verdict.Kind} {BlankDigits(verdict.Key)}",
        };
    }

    /// <summary>Blanks numbers (runs of digits become <c>#</c>) and shapes (<c>[#, #]</c> becomes <c>[…]</c>).</summary>
    private static string BlankDigits(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                sb.Append(c);
            }
            else if (sb.Length == 0 || sb[^1] != '#')
            {
                sb.Append('#');
            }
        }
        return ShapePattern().Replace(sb.ToString(), "[…]");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\[[#, -]*\]")]
    private static partial System.Text.RegularExpressions.Regex ShapePattern();

    /// <summary>SplitMix64 finaliser over two words: a well-spread 64-bit seed per (run seed, index).</summary>
    private static ulong Mix(ulong a, ulong b)
    {
        ulong z = a + (0x9E3779B97F4A7C15UL * (b + 1));
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
