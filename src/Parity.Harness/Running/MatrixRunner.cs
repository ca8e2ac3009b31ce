using System.Collections.Concurrent;
using Parity.Harness.Cases;
using Parity.Comparison;
using Parity.Harness.Evaluation;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Running;

/// <summary>The two sides a run compares. Random sources are created per worker thread.</summary>
/// <param name="Native">The backend under test.</param>
/// <param name="NativeRandom">Creates a native random source.</param>
/// <param name="Torch">The libtorch backend; null when libtorch is off or unavailable.</param>
/// <param name="TorchRandom">Creates a libtorch random source; null with <paramref name="Torch"/>.</param>
/// <param name="TorchNote">Why libtorch is not used (shown in reports), when it is not.</param>
public sealed record ParityBackends(IOpBackend Native, Func<IRandomSource> NativeRandom, IOpBackend? Torch, Func<IRandomSource>? TorchRandom, string? TorchNote = null);

/// <summary>The verdict of a case against its snapshot.</summary>
/// <param name="Missing">The snapshot does not exist.</param>
/// <param name="MissingIsFailure">A missing snapshot counts as a failure (in CI).</param>
/// <param name="NativeMatch">Native result vs snapshot (null when not checked).</param>
/// <param name="TorchMatch">Libtorch result vs snapshot (null when not checked).</param>
/// <param name="Message">The failure message (names case, tensor, worst element), when one failed.</param>
/// <param name="Output">The native output comparison against the snapshot, when made.</param>
/// <param name="Grad">The native gradient comparison against the snapshot, when made.</param>
public sealed record SnapshotVerdict(bool Missing, bool MissingIsFailure, bool? NativeMatch, bool? TorchMatch, string? Message,
    TensorComparison? Output = null, TensorComparison? Grad = null)
{
    /// <summary>Whether this verdict fails the case.</summary>
    public bool Failed => (Missing && MissingIsFailure) || NativeMatch == false || TorchMatch == false;

    /// <summary>Whether something was actually compared and agreed.</summary>
    public bool Passed => !Failed && !Missing && (NativeMatch == true || TorchMatch == true);
}

/// <summary>Checks a case's results against a stored snapshot (implemented over the snapshot store).</summary>
public interface ISnapshotVerifier
{
    /// <summary>Checks the native result (and the libtorch result when present) against the snapshot of the case.</summary>
    SnapshotVerdict Verify(CaseOutcome outcome);
}

/// <summary>The status of a case or of one comparison.</summary>
public enum CaseStatus
{
    /// <summary>Compared and agreed.</summary>
    Passed,

    /// <summary>Compared and disagreed.</summary>
    Failed,

    /// <summary>Not compared (libtorch off or unavailable, no snapshot).</summary>
    Skipped,

    /// <summary>Not compared because libtorch's result is undefined for the case (<see cref="CaseSpec.ReferenceUndefined"/>).</summary>
    ReferenceUndefined,

    /// <summary>Not compared because the backend under test does not implement the case (<see cref="CaseOutcome.Unsupported"/>); never passed.</summary>
    Unsupported,
}

/// <summary>One case of a run.</summary>
/// <param name="Index">Catalogue position.</param>
/// <param name="Outcome">Native vs libtorch.</param>
/// <param name="Torch">The native-vs-libtorch status.</param>
/// <param name="Snapshot">The snapshot verdict (null when no store is used).</param>
public sealed record CaseRunResult(int Index, CaseOutcome Outcome, CaseStatus Torch, SnapshotVerdict? Snapshot)
{
    /// <summary>The case.</summary>
    public CaseSpec Case => Outcome.Case;

    /// <summary>The name of the side under test (<c>native</c>, or the <c>--backend</c>'s <see cref="IOpBackend.Name"/>).</summary>
    public string Side { get; init; } = "native";

    /// <summary>Failed when any comparison failed; passed when at least one ran and all agreed; skipped when none ran.</summary>
    public CaseStatus Status =>
        Outcome.Unsupported ? CaseStatus.Unsupported
        : Case.ReferenceUndefined is not null ? CaseStatus.ReferenceUndefined
        : Torch == CaseStatus.Failed || Snapshot is { Failed: true } ? CaseStatus.Failed
        : Torch == CaseStatus.Passed || Snapshot is { Passed: true } ? CaseStatus.Passed
        : CaseStatus.Skipped;

    /// <summary>Why the case failed (empty when it did not).</summary>
    public string FailureMessage
    {
        get
        {
            var parts = new List<string>();
            if (Torch == CaseStatus.Failed)
            {
                parts.Add($"{Side} vs libtorch: " + Outcome.Reason);
            }
            if (Snapshot is { Failed: true })
            {
                parts.Add("snapshot: " + Snapshot.Message);
            }
            return string.Join(" | ", parts);
        }
    }

    /// <summary>Bit-identical to the reference: libtorch when it ran, else the snapshot (outputs, gradients or error text).</summary>
    public bool BitIdentical => Outcome.Torch is not null
        ? Outcome.BitIdentical
        : Snapshot is { Passed: true } s && (s.Output?.BitIdentical ?? true) && (s.Grad?.BitIdentical ?? true);

    /// <summary>Whether the case's bit-identity expectation holds (<see cref="CaseOutcome.ExpectedBitsMet"/>; vs the snapshot when libtorch did not run).</summary>
    public bool ExpectedBitsMet => Outcome.Torch is not null ? Outcome.ExpectedBitsMet : BitIdentical;

    /// <summary>The output comparison the statistics use: vs libtorch when it ran, else vs the snapshot.</summary>
    public TensorComparison? OutputComparison => Outcome.Output ?? Snapshot?.Output;

    /// <summary>The gradient comparison the statistics use.</summary>
    public TensorComparison? GradComparison => Outcome.Grad ?? Snapshot?.Grad;
}

/// <summary>A whole run.</summary>
/// <param name="Cases">The selected cases in catalogue order.</param>
/// <param name="TorchNote">Why libtorch comparisons were skipped, when they were.</param>
/// <param name="SnapshotNote">Whether snapshots were used, and where.</param>
public sealed record RunResult(IReadOnlyList<CaseRunResult> Cases, string? TorchNote, string? SnapshotNote)
{
    /// <summary>The summary table rows, op × dtype.</summary>
    public IReadOnlyList<SummaryRow> Summary => SummaryRow.Build(Cases);

    /// <summary>Number of failed cases.</summary>
    public int Failed => Cases.Count(c => c.Status == CaseStatus.Failed);

    /// <summary>Number of passed cases.</summary>
    public int Passed => Cases.Count(c => c.Status == CaseStatus.Passed);

    /// <summary>Number of skipped cases.</summary>
    public int Skipped => Cases.Count(c => c.Status == CaseStatus.Skipped);

    /// <summary>Number of cases the backend under test does not implement.</summary>
    public int Unsupported => Cases.Count(c => c.Status == CaseStatus.Unsupported);

    /// <summary>Number of cases whose reference result is undefined (evaluated natively, compared with nothing).</summary>
    public int ReferenceUndefined => Cases.Count(c => c.Status == CaseStatus.ReferenceUndefined);

    /// <summary>The process exit code: 0 when nothing failed and something was verified, 1 on a failure, 3 when every case was skipped.</summary>
    public int ExitCode => Failed > 0 ? 1 : Cases.Count > 0 && Passed == 0 ? 3 : 0;
}

/// <summary>
/// Runs selected catalogue cases on worker threads, each with its own evaluator (its own random streams). A case without a
/// seed continues the stream of the cases before it, so its chain is replayed (drawn, not evaluated) first when needed.
/// </summary>
public static class MatrixRunner
{
    /// <summary>Runs the cases.</summary>
    /// <param name="catalogue">The whole catalogue (chains are resolved against it).</param>
    /// <param name="selected">Catalogue positions to run.</param>
    /// <param name="backends">The sides.</param>
    /// <param name="snapshots">Snapshot verifier, or null.</param>
    /// <param name="threads">Worker threads (≥ 1).</param>
    /// <param name="progress">Called after each case (from worker threads, serialised).</param>
    public static RunResult Run(IReadOnlyList<CaseSpec> catalogue, IReadOnlyList<int> selected, ParityBackends backends,
        ISnapshotVerifier? snapshots = null, int threads = 1, Action<CaseRunResult>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(selected);
        ArgumentNullException.ThrowIfNull(backends);
        threads = Math.Clamp(threads, 1, 64);
        var results = new CaseRunResult[selected.Count];
        var queue = new ConcurrentQueue<int>(Enumerable.Range(0, selected.Count));
        var gate = new object();
        void Worker()
        {
            var evaluator = new CaseEvaluator(backends.Native, backends.NativeRandom(), backends.Torch, backends.TorchRandom?.Invoke());
            int last = -2;
            while (queue.TryDequeue(out int k))
            {
                int index = selected[k];
                var spec = catalogue[index];
                if (spec.Seed is null && last != index - 1)
                {
                    int start = index;
                    while (start > 0 && catalogue[start].Seed is null)
                    {
                        start--;
                    }
                    for (int j = start; j < index; j++)
                    {
                        evaluator.Replay(catalogue[j]);
                    }
                }
                var outcome = evaluator.Evaluate(spec);
                last = index;
                var torch = outcome.Match switch
                {
                    null => CaseStatus.Skipped,
                    true => CaseStatus.Passed,
                    false => CaseStatus.Failed,
                };
                SnapshotVerdict? verdict = null;
                if (snapshots is not null && spec.ReferenceUndefined is null && !outcome.Unsupported)
                {
                    try
                    {
                        verdict = snapshots.Verify(outcome);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        verdict = new SnapshotVerdict(false, false, false, null, $"cannot check the snapshot: {SideResult.FirstLine(e.Message)}");
                    }
                }
                var r = new CaseRunResult(index, outcome, torch, verdict) { Side = backends.Native.Name };
                results[k] = r;
                if (progress is not null)
                {
                    lock (gate)
                    {
                        progress(r);
                    }
                }
            }
        }
        if (threads == 1)
        {
            Worker();
        }
        else
        {
            var ts = Enumerable.Range(0, threads).Select(_ => new Thread(Worker, 16 * 1024 * 1024)).ToList();
            ts.ForEach(t => t.Start());
            ts.ForEach(t => t.Join());
        }
        return new RunResult(results, backends.Torch is null ? backends.TorchNote ?? "libtorch not used" : null, null);
    }
}
