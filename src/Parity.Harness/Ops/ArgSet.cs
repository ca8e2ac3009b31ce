namespace Parity.Harness.Ops;

/// <summary>
/// The non-tensor arguments written for a call or case, by PyTorch's names, in the order written (unwritten ones take
/// the schema's default). Immutable.
/// </summary>
public sealed class ArgSet : IEquatable<ArgSet>
{
    private readonly KeyValuePair<string, ArgValue>[] _items;

    private ArgSet(KeyValuePair<string, ArgValue>[] items) => _items = items;

    /// <summary>No arguments written.</summary>
    public static ArgSet Empty { get; } = new([]);

    /// <summary>The written arguments, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, ArgValue>> Items => _items;

    /// <summary>The number of written arguments.</summary>
    public int Count => _items.Length;

    /// <summary>Arguments from name/value pairs, in this order. Null values are skipped (not written).</summary>
    /// <exception cref="ArgumentException">A name appears twice.</exception>
    public static ArgSet Of(params (string Name, object? Value)[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var set = Empty;
        foreach (var (name, value) in items)
        {
            if (value is not null)
            {
                set = set.With(name, From(value));
            }
        }
        return set;
    }

    /// <summary>Converts a CLR value: bool, int/long, float/double, string, or an <see cref="ArgValue"/>.</summary>
    public static ArgValue From(object value) => value switch
    {
        ArgValue v => v,
        bool b => ArgValue.Of(b),
        int i => ArgValue.Of((long)i),
        long l => ArgValue.Of(l),
        float f => ArgValue.Of((double)f),
        double d => ArgValue.Of(d),
        string s => ArgValue.Of(s),
        Parity.Native.Reduction r => ArgValue.Of(Parity.Native.Reductions.Name(r)),
        _ => throw new ArgumentException($"cannot use a {value.GetType().Name} as an argument value", nameof(value)),
    };

    /// <summary>Whether <paramref name="name"/> was written.</summary>
    public bool Contains(string name) => Array.FindIndex(_items, kv => kv.Key == name) >= 0;

    /// <summary>The written value of <paramref name="name"/>, or null.</summary>
    public ArgValue? Get(string name)
    {
        int i = Array.FindIndex(_items, kv => kv.Key == name);
        return i < 0 ? null : _items[i].Value;
    }

    /// <summary>A copy with <paramref name="name"/> set (replaced in place when already written, else appended).</summary>
    public ArgSet With(string name, ArgValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        int i = Array.FindIndex(_items, kv => kv.Key == name);
        var copy = (KeyValuePair<string, ArgValue>[])_items.Clone();
        if (i >= 0)
        {
            copy[i] = new(name, value);
            return new ArgSet(copy);
        }
        return new ArgSet([.. copy, new(name, value)]);
    }

    /// <summary>A copy with <paramref name="name"/> set from a CLR value (see <see cref="From"/>).</summary>
    public ArgSet With(string name, object value) => With(name, From(value));

    /// <summary>A copy without <paramref name="name"/>.</summary>
    public ArgSet Without(string name) => new(_items.Where(kv => kv.Key != name).ToArray());

    /// <inheritdoc/>
    public bool Equals(ArgSet? other) => other is not null && _items.SequenceEqual(other._items);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ArgSet);

    /// <inheritdoc/>
    public override int GetHashCode() => _items.Aggregate(0, (h, kv) => HashCode.Combine(h, kv.Key, kv.Value));

    /// <summary><c>name=value, …</c> in Python's spelling.</summary>
    public override string ToString() => string.Join(", ", _items.Select(kv => $"{kv.Key}={kv.Value}"));
}
