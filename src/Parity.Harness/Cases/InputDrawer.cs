using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Cases;

/// <summary>The tensors of one case, drawn and mapped, keyed by argument name in drawing order.</summary>
/// <param name="Raw">The tensors as drawn (before any map) — what <c>inputs_identical</c> compares.</param>
/// <param name="Mapped">The tensors after their maps — what the ops receive.</param>
public sealed record DrawnInputs(IReadOnlyList<KeyValuePair<string, Tensor>> Raw, IReadOnlyList<KeyValuePair<string, Tensor>> Mapped)
{
    /// <summary>The mapped tensor for an argument, or null.</summary>
    public Tensor? this[string name] => Mapped.FirstOrDefault(kv => kv.Key == name).Value;

    /// <summary>Whether every raw tensor equals the other draw bit for bit (same names, shapes, dtypes and bits).</summary>
    public bool RawBitEquals(DrawnInputs other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Raw.Count != Raw.Count)
        {
            return false;
        }
        for (int i = 0; i < Raw.Count; i++)
        {
            if (Raw[i].Key != other.Raw[i].Key || !Raw[i].Value.BitEquals(other.Raw[i].Value))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>
/// Draws a case's inputs from a shared <see cref="IRandomSource"/>, in the written order: a case with a seed reseeds
/// the source first, a case without one continues its stream. Maps are applied afterwards with a backend's ops and
/// consume no random numbers.
/// </summary>
public static class InputDrawer
{
    /// <summary>Draws the inputs of <paramref name="spec"/>.</summary>
    /// <param name="spec">The case.</param>
    /// <param name="random">The shared random source (reseeded when the case has a seed).</param>
    /// <param name="mapper">The backend whose sigmoid/softmax/log_softmax apply the maps (the native one in the evaluator).</param>
    /// <exception cref="TorchException">A draw or a map is rejected (e.g. <c>randint</c> with low ≥ high).</exception>
    public static DrawnInputs Draw(CaseSpec spec, IRandomSource random, IOpBackend mapper)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(mapper);
        if (spec.Seed is long seed)
        {
            random.ManualSeed(seed);
        }
        var raw = new List<KeyValuePair<string, Tensor>>();
        foreach (var input in spec.Inputs)
        {
            var dtype = input.EffectiveDType(spec.DType);
            var t = input.Kind switch
            {
                InputKind.Values => input.Values!.Clone(),
                InputKind.Randn => random.Randn(dtype, input.Shape),
                InputKind.Rand => random.Rand(dtype, input.Shape),
                _ => random.Randint(input.Low, input.High, dtype, input.Shape),
            };
            raw.Add(new(input.Name, t));
        }
        var mapped = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < raw.Count; i++)
        {
            mapped.Add(new(raw[i].Key, Map(spec.Inputs[i].Map, raw[i].Value, mapper)));
        }
        return new DrawnInputs(raw, mapped);
    }

    /// <summary>Applies a map: sigmoid element-wise, softmax/log_softmax over dim 1 (dim 0 for rank ≤ 1).</summary>
    public static Tensor Map(InputMap map, Tensor t, IOpBackend backend)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(backend);
        if (map == InputMap.None)
        {
            return t;
        }
        var op = OpCatalog.Get(map switch
        {
            InputMap.Sigmoid => "sigmoid",
            InputMap.Softmax => "softmax",
            _ => "log_softmax",
        });
        var args = map == InputMap.Sigmoid ? ArgSet.Empty : ArgSet.Of(("dim", t.Dim <= 1 ? 0 : 1));
        return backend.Evaluate(new OpCall(op, args, (op.Schema.Primary.Name, t)), []).Output;
    }

    /// <summary>Builds the <see cref="OpCall"/> of a case from its drawn, mapped inputs.</summary>
    public static OpCall ToCall(CaseSpec spec, DrawnInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(inputs);
        return new OpCall(spec.Op, inputs.Mapped.Select(kv => new KeyValuePair<string, Tensor?>(kv.Key, kv.Value)), spec.Args);
    }
}
