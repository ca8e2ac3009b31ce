using System.Globalization;

namespace Parity.Harness.Ops;

/// <summary>The type of a non-tensor parameter, as PyTorch's Python signature declares it.</summary>
public enum ArgKind
{
    /// <summary>A Python <c>bool</c>.</summary>
    Bool,

    /// <summary>A Python <c>int</c> (64-bit).</summary>
    Int,

    /// <summary>A Python <c>float</c> (an integer literal is accepted and widened, as Python does).</summary>
    Float,

    /// <summary>A Python <c>str</c> out of a fixed set of choices (<c>reduction</c>, a named distance function).</summary>
    Choice,
}

/// <summary>The value of one non-tensor argument: <c>None</c>, a bool, an int, a float or a string.</summary>
public readonly record struct ArgValue
{
    private readonly object? _value;

    private ArgValue(object? value) => _value = value;

    /// <summary>Python's <c>None</c>.</summary>
    public static ArgValue None => default;

    /// <summary>A bool.</summary>
    public static ArgValue Of(bool value) => new(value);

    /// <summary>An int.</summary>
    public static ArgValue Of(long value) => new(value);

    /// <summary>A float.</summary>
    public static ArgValue Of(double value) => new(value);

    /// <summary>A string.</summary>
    public static ArgValue Of(string value) => new(value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>Whether the value is <c>None</c>.</summary>
    public bool IsNone => _value is null;

    /// <summary>Whether the value is a bool.</summary>
    public bool IsBool => _value is bool;

    /// <summary>Whether the value is an int.</summary>
    public bool IsInt => _value is long;

    /// <summary>Whether the value is a float.</summary>
    public bool IsFloat => _value is double;

    /// <summary>Whether the value is a string.</summary>
    public bool IsString => _value is string;

    /// <summary>The bool.</summary>
    /// <exception cref="InvalidOperationException">Not a bool.</exception>
    public bool AsBool => _value is bool b ? b : throw Wrong("a bool");

    /// <summary>The int.</summary>
    /// <exception cref="InvalidOperationException">Not an int.</exception>
    public long AsInt => _value is long l ? l : throw Wrong("an int");

    /// <summary>The number as a double (an int is widened).</summary>
    /// <exception cref="InvalidOperationException">Not a number.</exception>
    public double AsDouble => _value switch
    {
        double d => d,
        long l => l,
        _ => throw Wrong("a number"),
    };

    /// <summary>The string.</summary>
    /// <exception cref="InvalidOperationException">Not a string.</exception>
    public string AsString => _value as string ?? throw Wrong("a string");

    /// <summary>The boxed value (null for <c>None</c>).</summary>
    public object? Boxed => _value;

    /// <summary>Python's <c>repr</c>-like spelling: <c>None</c>, <c>True</c>, <c>3</c>, <c>0.1</c>, <c>'mean'</c>.</summary>
    public override string ToString() => _value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Parity.Native.PythonFormat.Float(d),
        string s => "'" + s + "'",
        _ => "?",
    };

    /// <summary>Python's <c>repr(float)</c> for the usual cases: <c>0.0</c>, <c>0.1</c>, <c>1e-05</c>, <c>inf</c>, <c>nan</c>.</summary>
    private InvalidOperationException Wrong(string what) => new($"the argument value {this} is not {what}");
}
