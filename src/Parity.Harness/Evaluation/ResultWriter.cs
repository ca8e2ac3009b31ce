using Parity.Harness.Cases.Json;

namespace Parity.Harness.Evaluation;

/// <summary>
/// Writes the <c>parity eval</c> result format — a public contract (README, <c>parity eval</c>):
/// <c>{"results": [{"name", "native", "torch", "match", "max_abs_diff", "max_ulp_diff", "inputs_identical"[, "inputs"]}]}</c>.
/// </summary>
/// <remarks>
/// <c>native</c>/<c>torch</c> are <c>{"output": T[, "grad": T][, "grads": {name: T}][, "gradients_not_compared": [name]][, "warnings": [text]]}</c>
/// (<c>grad</c> is the gradient with respect to <c>input</c>, kept for existing readers; <c>gradients_not_compared</c>
/// names those a backend under test does not give) or <c>{"error": "first line"}</c>, with
/// <c>T = {"shape": [...], "values": [flat, row-major]}</c>; numbers are in the shortest round-trip form of their dtype and
/// NaN/±∞ are the strings <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>. Without libtorch (<c>--no-torch</c>)
/// <c>torch</c> and <c>inputs_identical</c> are omitted and <c>match</c>, <c>max_abs_diff</c>, <c>max_ulp_diff</c> are
/// <c>null</c> (nothing was compared). <c>name</c> is <c>null</c> for an unnamed case.
/// </remarks>
public static class ResultWriter
{
    /// <summary>The whole document.</summary>
    public static string Write(IEnumerable<CaseOutcome> outcomes, bool showInputs)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var results = new JsonOut.Arr();
        foreach (var o in outcomes)
        {
            results.Add(Result(o, showInputs));
        }
        return new JsonOut.Obj().Add("results", results).ToJson();
    }

    /// <summary>One result object.</summary>
    public static JsonOut.Obj Result(CaseOutcome o, bool showInputs)
    {
        ArgumentNullException.ThrowIfNull(o);
        var r = new JsonOut.Obj();
        r.Add("name", o.Case.Name is null ? JsonOut.Null() : JsonOut.String(o.Case.Name));
        r.Add("native", Side(o.Native));
        if (o.Torch is not null)
        {
            r.Add("torch", Side(o.Torch));
            r.Add("match", JsonOut.Bool(o.Match == true));
            r.Add("max_abs_diff", JsonOut.Double(o.MaxAbsDiff));
            r.Add("max_ulp_diff", JsonOut.Int(o.MaxUlpDiff));
            r.Add("inputs_identical", JsonOut.Bool(o.InputsIdentical == true));
        }
        else
        {
            r.Add("match", JsonOut.Null());
            r.Add("max_abs_diff", JsonOut.Null());
            r.Add("max_ulp_diff", JsonOut.Null());
        }
        if (showInputs)
        {
            var inputs = new JsonOut.Obj();
            foreach (var kv in o.Inputs?.Mapped ?? [])
            {
                inputs.Add(kv.Key, JsonOut.TensorValue(kv.Value));
            }
            r.Add("inputs", inputs);
        }
        return r;
    }

    private static JsonOut.Obj Side(SideResult s)
    {
        var o = new JsonOut.Obj();
        if (s.Error is not null)
        {
            return o.Add("error", JsonOut.String(s.Error));
        }
        o.Add("output", JsonOut.TensorValue(s.Output!));
        if (s.Grad is not null)
        {
            o.Add("grad", JsonOut.TensorValue(s.Grad));
        }
        if (s.Grads.Count > 0)
        {
            var grads = new JsonOut.Obj();
            foreach (var (name, g) in s.Grads)
            {
                grads.Add(name, JsonOut.TensorValue(g));
            }
            o.Add("grads", grads);
        }
        if (s.GradientsNotCompared.Count > 0)
        {
            // The backend under test does not give these (ISupportedOps.SupportedGradients): the rest was compared.
            var names = new JsonOut.Arr();
            foreach (string n in s.GradientsNotCompared)
            {
                names.Add(JsonOut.String(n));
            }
            o.Add("gradients_not_compared", names);
        }
        if (s.Warnings.Count > 0)
        {
            var warnings = new JsonOut.Arr();
            foreach (var w in s.Warnings)
            {
                warnings.Add(JsonOut.String(w.ToString()));
            }
            o.Add("warnings", warnings);
        }
        return o;
    }
}
