using Parity.Native;

namespace Parity.Harness.Ops;

/// <summary>One tensor parameter of an op, as PyTorch's Python functional names it.</summary>
/// <param name="Name">PyTorch's parameter name: <c>input</c>, <c>target</c>, <c>weight</c>, <c>input1</c>, <c>var</c>, …</param>
/// <param name="Required">Whether a call must pass it (an optional one defaults to <c>None</c>).</param>
/// <param name="Differentiable">Whether libtorch's autograd gives it a gradient (when it is floating point).</param>
/// <param name="NoGradError">
/// For a non-differentiable floating parameter: the first line libtorch raises when a gradient is asked for it
/// (<c>requires_grad</c> on it, then the op); null when asking is not an error.
/// </param>
public sealed record TensorParam(string Name, bool Required = true, bool Differentiable = false, string? NoGradError = null);

/// <summary>One non-tensor parameter of an op.</summary>
/// <param name="Name">PyTorch's parameter name: <c>reduction</c>, <c>ignore_index</c>, <c>beta</c>, <c>margin</c>, …</param>
/// <param name="Kind">Its Python type.</param>
/// <param name="Default">PyTorch's default (<see cref="ArgValue.None"/> for <c>None</c>).</param>
/// <param name="Choices">For <see cref="ArgKind.Choice"/>: the values the op accepts, e.g. reduction's per-op set.</param>
/// <param name="Nullable">Whether <c>None</c> may be passed (e.g. softmax's <c>dim</c>).</param>
/// <param name="CheckedByOp">
/// Whether a value outside <paramref name="Choices"/> is passed on to the op, which raises PyTorch's error for it (as
/// <c>reduction</c> does: Python's ValueError "… is not a valid value for reduction"), instead of being rejected by the
/// case reader.
/// </param>
public sealed record ScalarParam(string Name, ArgKind Kind, ArgValue Default, IReadOnlyList<string>? Choices = null, bool Nullable = false, bool CheckedByOp = false)
{
    /// <summary><c>reduction</c>, a string out of <paramref name="choices"/> (default <c>'mean'</c>), checked by the op.</summary>
    public static ScalarParam Reduction(params string[] choices) =>
        new("reduction", ArgKind.Choice, ArgValue.Of("mean"), choices.Length == 0 ? ["none", "mean", "sum"] : choices, CheckedByOp: true);
}

/// <summary>
/// What an op takes, under PyTorch's names: its tensor parameters in PyTorch's order (the first is the primary one,
/// whose gradient is the result's <c>grad</c>), and its other parameters with their types, defaults and allowed values.
/// </summary>
public sealed class OpSchema
{
    /// <summary>Creates a schema.</summary>
    /// <param name="name">PyTorch's functional name, e.g. <c>smooth_l1_loss</c>.</param>
    /// <param name="tensors">The tensor parameters, in PyTorch's order.</param>
    /// <param name="scalars">The other parameters.</param>
    /// <exception cref="ArgumentException">No tensor parameter, or a name used twice.</exception>
    public OpSchema(string name, IReadOnlyList<TensorParam> tensors, IReadOnlyList<ScalarParam> scalars)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(scalars);
        if (tensors.Count == 0)
        {
            throw new ArgumentException($"{name}: an op takes at least one tensor", nameof(tensors));
        }
        var names = tensors.Select(t => t.Name).Concat(scalars.Select(s => s.Name)).ToList();
        if (names.Distinct().Count() != names.Count)
        {
            throw new ArgumentException($"{name}: a parameter name is used twice", nameof(tensors));
        }
        Name = name;
        Tensors = tensors;
        Scalars = scalars;
    }

    /// <summary>PyTorch's functional name.</summary>
    public string Name { get; }

    /// <summary>The tensor parameters in PyTorch's order.</summary>
    public IReadOnlyList<TensorParam> Tensors { get; }

    /// <summary>The non-tensor parameters.</summary>
    public IReadOnlyList<ScalarParam> Scalars { get; }

    /// <summary>The primary tensor parameter (the first): <c>input</c> for most ops.</summary>
    public TensorParam Primary => Tensors[0];

    /// <summary>The names of the tensor parameters autograd differentiates.</summary>
    public IEnumerable<string> Differentiable => Tensors.Where(t => t.Differentiable).Select(t => t.Name);

    /// <summary>Whether the op takes a <c>reduction</c>.</summary>
    public bool HasReduction => Scalar("reduction") is not null;

    /// <summary>The tensor parameter named <paramref name="name"/>, or null.</summary>
    public TensorParam? Tensor(string name) => Tensors.FirstOrDefault(t => t.Name == name);

    /// <summary>The non-tensor parameter named <paramref name="name"/>, or null.</summary>
    public ScalarParam? Scalar(string name) => Scalars.FirstOrDefault(s => s.Name == name);
}
