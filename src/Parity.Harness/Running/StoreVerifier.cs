using System.Security.Cryptography;
using System.Text;
using Parity.Harness.Cases;
using Parity.Comparison;
using Parity.Harness.Evaluation;
using Parity.Snapshots;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Running;

/// <summary>
/// Builds snapshot contents for matrix cases and checks results against a <see cref="SnapshotStore"/>.
/// </summary>
/// <remarks>
/// <para>A case's snapshot holds: metadata <c>case</c> (the case in the eval JSON format, one line; compared exactly, so
/// a changed case definition needs <c>parity snapshot update</c>), <c>input_digest</c> (SHA-256 of the raw drawn inputs:
/// names, dtypes, shapes, bytes; compared exactly, so a generator that drifts is caught), <c>seed</c> and libtorch's
/// provenance; tensors <c>output</c> and <c>grad</c>; or libtorch's error text.</para>
/// <para>Snapshots are produced from libtorch only (<c>parity snapshot update</c>, libtorch on its own draw). When a run
/// checks native results against them, no received file is written: a received file could otherwise carry native
/// values into the verified snapshots through <c>accept</c>.</para>
/// </remarks>
public sealed class StoreVerifier : ISnapshotVerifier
{
    private readonly SnapshotStore _store;

    /// <summary>Wraps a store.</summary>
    public StoreVerifier(SnapshotStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>The store.</summary>
    public SnapshotStore Store => _store;

    /// <summary>The one-line case JSON stored as the <c>case</c> metadata.</summary>
    public static string CaseJson(CaseSpec spec) => CaseWriter.ToJson(spec).ToCompactJson();

    /// <summary><c>sha256:</c> + hex over the raw drawn inputs (name, dtype, shape, bytes, in drawing order).</summary>
    public static string InputDigest(DrawnInputs? inputs)
    {
        if (inputs is null)
        {
            return "none";
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, t) in inputs.Raw)
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"{name}:{t.DType.Name()}:{Tensor.ShapeString(t.Shape)}:"));
            sha.AppendData(t.Bytes);
        }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The snapshot content of one side's result.</summary>
    /// <param name="spec">The case.</param>
    /// <param name="result">The side's result.</param>
    /// <param name="inputs">The inputs that side drew.</param>
    /// <param name="provenance">Extra metadata (libtorch versions, OS, CPU capability, threads) appended after the compared keys.</param>
    public static SnapshotContent Content(CaseSpec spec, SideResult result, DrawnInputs? inputs, IEnumerable<KeyValuePair<string, string>>? provenance = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(result);
        var meta = new List<KeyValuePair<string, string>>
        {
            new(SnapshotMetadata.Case, CaseJson(spec)),
            new(SnapshotMetadata.InputDigest, InputDigest(inputs)),
        };
        if (result.Warnings.Count > 0)
        {
            meta.Add(new(SnapshotMetadata.Warnings, string.Join("\n", result.Warnings.Select(w => w.ToString()))));
        }
        if (spec.Seed is long seed)
        {
            meta.Add(new(SnapshotMetadata.Seed, seed.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        meta.AddRange(provenance ?? []);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        if (result.Output is not null)
        {
            tensors.Add(new("output", result.Output));
        }
        foreach (var (name, grad) in result.Grads)
        {
            tensors.Add(new(CaseEvaluator.GradLabel(spec, name), grad));
        }
        return new SnapshotContent(meta, tensors, result.Error);
    }

    /// <summary>Per-tensor tolerances of a case (its declared overrides).</summary>
    public static IReadOnlyDictionary<string, Tolerance>? Tolerances(CaseSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var d = new Dictionary<string, Tolerance>();
        if (spec.ValueTolerance is not null)
        {
            d["output"] = spec.ValueTolerance;
        }
        if (spec.GradTolerance is not null)
        {
            foreach (var t in spec.Op.Schema.Tensors.Where(t => t.Differentiable))
            {
                d[CaseEvaluator.GradLabel(spec, t.Name)] = spec.GradTolerance;
            }
        }
        return d.Count == 0 ? null : d;
    }

    /// <summary>Checks one side's result against the snapshot.</summary>
    public SnapshotCheck Check(CaseSpec spec, SideResult result, DrawnInputs? inputs, bool writeReceived)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var tolerances = Tolerances(spec);
        if (result.DeclaredTolerances is { } declared)
        {
            // The backend's declared tolerances (IDeclaredTolerance) replace the case's, as against libtorch.
            var merged = tolerances is null ? new Dictionary<string, Tolerance>() : new Dictionary<string, Tolerance>(tolerances);
            foreach (var (name, t) in declared)
            {
                merged[name == "output" ? "output" : CaseEvaluator.GradLabel(spec, name)] = t;
            }
            tolerances = merged;
        }
        var notCompared = result.GradientsNotCompared.Select(n => CaseEvaluator.GradLabel(spec, n)).ToList();
        return _store.Check(spec.Name!, Content(spec, result, inputs), null, tolerances, writeReceived, notCompared.Count > 0 ? notCompared : null);
    }

    /// <inheritdoc/>
    public SnapshotVerdict Verify(CaseOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var spec = outcome.Case;
        var native = Check(spec, outcome.Native, outcome.Inputs, writeReceived: false);
        if (native.Status == SnapshotStatus.Missing)
        {
            return new SnapshotVerdict(true, _store.Options.IsCi, null, null, native.Message);
        }
        SnapshotCheck? torch = outcome.Torch is null ? null : Check(spec, outcome.Torch, outcome.Inputs, writeReceived: false);
        var messages = new List<string>();
        if (!native.Passed)
        {
            messages.Add("native " + native.Message);
        }
        if (torch is { Passed: false })
        {
            messages.Add("libtorch " + torch.Message);
        }
        TensorComparison? Find(string name) => native.Comparisons.FirstOrDefault(kv => kv.Key == name).Value;
        return new SnapshotVerdict(false, _store.Options.IsCi, native.Passed, torch?.Passed, messages.Count == 0 ? null : string.Join("\n", messages),
            Find("output"), TensorComparison.Combine(native.Comparisons.Where(kv => kv.Key == "grad" || kv.Key.StartsWith("grad.", StringComparison.Ordinal)).Select(kv => kv.Value)));
    }
}
