using Parity.Comparison;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Cases;

/// <summary>How one tensor argument of a case is produced.</summary>
public enum InputKind
{
    /// <summary><c>{"values": …}</c>: written out explicitly; consumes no random numbers.</summary>
    Values,

    /// <summary><c>{"randn": [shape]}</c>: <c>torch.randn(shape, dtype=…)</c>.</summary>
    Randn,

    /// <summary><c>{"rand": [shape]}</c>: <c>torch.rand(shape, dtype=…)</c>.</summary>
    Rand,

    /// <summary><c>{"randint": {"low", "high", "shape"}}</c>: <c>torch.randint(low, high, shape, dtype=…)</c>.</summary>
    Randint,
}

/// <summary>A function applied to a tensor after it is drawn (<c>"map"</c>); it consumes no random numbers.</summary>
public enum InputMap
{
    /// <summary>No map.</summary>
    None,

    /// <summary><c>torch.sigmoid</c>, element-wise.</summary>
    Sigmoid,

    /// <summary><c>torch.softmax</c> over dim 1 (dim 0 for a 1-D or 0-D tensor).</summary>
    Softmax,

    /// <summary><c>torch.log_softmax</c> over dim 1 (dim 0 for a 1-D or 0-D tensor).</summary>
    LogSoftmax,
}

/// <summary>One tensor argument of a case, under PyTorch's parameter name.</summary>
public sealed record InputSpec
{
    /// <summary>The argument name, as PyTorch spells it: <c>input</c>, <c>target</c>, <c>weight</c>, <c>input1</c>, <c>var</c>, …</summary>
    public required string Name { get; init; }

    /// <summary>How the tensor is produced.</summary>
    public required InputKind Kind { get; init; }

    /// <summary>The explicit tensor for <see cref="InputKind.Values"/> (its dtype is the effective dtype).</summary>
    public Tensor? Values { get; init; }

    /// <summary>The shape for the random kinds.</summary>
    public int[] Shape { get; init; } = [];

    /// <summary><c>low</c> of <see cref="InputKind.Randint"/> (inclusive).</summary>
    public long Low { get; init; }

    /// <summary><c>high</c> of <see cref="InputKind.Randint"/> (exclusive).</summary>
    public long High { get; init; }

    /// <summary>The <c>"dtype"</c> written on the input, overriding the case dtype; null when not written.</summary>
    public DType? DType { get; init; }

    /// <summary>The map applied after drawing.</summary>
    public InputMap Map { get; init; }

    /// <summary>The dtype the tensor is drawn in: <see cref="DType"/>, else the case dtype.</summary>
    public DType EffectiveDType(DType caseDType) => Kind == InputKind.Values && Values is not null ? Values.DType : DType ?? caseDType;

    /// <summary>An explicit-values input.</summary>
    public static InputSpec FromValues(string name, Tensor values, InputMap map = InputMap.None) =>
        new() { Name = name, Kind = InputKind.Values, Values = values, DType = values.DType, Map = map };

    /// <summary>A <c>randn</c> input.</summary>
    public static InputSpec Randn(string name, int[] shape, InputMap map = InputMap.None, DType? dtype = null) =>
        new() { Name = name, Kind = InputKind.Randn, Shape = shape, Map = map, DType = dtype };

    /// <summary>A <c>rand</c> input.</summary>
    public static InputSpec Rand(string name, int[] shape, InputMap map = InputMap.None, DType? dtype = null) =>
        new() { Name = name, Kind = InputKind.Rand, Shape = shape, Map = map, DType = dtype };

    /// <summary>A <c>randint</c> input.</summary>
    public static InputSpec Randint(string name, long low, long high, int[] shape, DType? dtype = null) =>
        new() { Name = name, Kind = InputKind.Randint, Low = low, High = high, Shape = shape, DType = dtype };
}

/// <summary>
/// One evaluation case: the JSON case object of <c>parity eval</c>, also used for the built-in matrix.
/// </summary>
/// <remarks>
/// The JSON form is read by <see cref="CaseReader"/> and written by <see cref="CaseWriter"/>. Inputs are drawn in the
/// written order from one shared generator: <see cref="Seed"/> reseeds it (<c>torch.manual_seed</c>); a case without a
/// seed continues the stream left by the previous case. The harness-only members (<see cref="ValueTolerance"/>,
/// <see cref="GradTolerance"/>, <see cref="ExpectError"/>, <see cref="ExpectBitIdentical"/>) are not part of the JSON.
/// </remarks>
public sealed record CaseSpec
{
    /// <summary>The case name (optional in JSON; built-in names use only <c>[A-Za-z0-9._=-]</c>).</summary>
    public string? Name { get; init; }

    /// <summary>The op.</summary>
    public required OpDefinition Op { get; init; }

    /// <summary>The case dtype (<c>float32</c> default, or <c>float64</c>).</summary>
    public DType DType { get; init; } = DType.Float32;

    /// <summary>Whether <c>"dtype"</c> was written.</summary>
    public bool DTypeWritten { get; init; }

    /// <summary>The seed; null continues the shared stream.</summary>
    public long? Seed { get; init; }

    /// <summary>The tensor arguments in the written (drawing) order.</summary>
    public required IReadOnlyList<InputSpec> Inputs { get; init; }

    /// <summary>The non-tensor arguments written (unwritten ones take the op's defaults), in the written order.</summary>
    public ArgSet Args { get; init; } = ArgSet.Empty;

    /// <summary>Whether to compute gradients of <c>sum(output)</c> (<c>"grad": true</c> or a list of names).</summary>
    public bool Grad { get; init; }

    /// <summary>
    /// The tensors to differentiate with respect to when written as a list (<c>"grad": ["target"]</c>); null means
    /// the op's default set (<see cref="OpDefinition.DefaultGradients"/>): every differentiable tensor passed.
    /// </summary>
    public IReadOnlyList<string>? GradOnly { get; init; }

    /// <summary>Tolerance override for the output (null: <see cref="Tolerance.For"/> the dtype).</summary>
    public Tolerance? ValueTolerance { get; init; }

    /// <summary>Tolerance override for the gradient (null: <see cref="Tolerance.For"/> the dtype).</summary>
    public Tolerance? GradTolerance { get; init; }

    /// <summary>For bad-input cases: both sides are expected to fail (with this first-line message when not null or empty).</summary>
    public string? ExpectError { get; init; }

    /// <summary>
    /// Why libtorch's result is undefined for this case (e.g. an empty batch whose 'mean' reads uninitialised memory),
    /// or null. Such a case is evaluated natively, compared with nothing, and reported as "reference undefined" —
    /// never as passed; it has no snapshot.
    /// </summary>
    public string? ReferenceUndefined { get; init; }

    /// <summary>For bad-input cases: the Python exception class expected, when known.</summary>
    public TorchErrorKind? ExpectErrorKind { get; init; }

    /// <summary>Whether native and libtorch are expected to agree bit for bit (libtorch's scalar paths).</summary>
    public bool ExpectBitIdentical { get; init; }

    /// <summary>
    /// With <see cref="ExpectBitIdentical"/>: the gradients the expectation covers (null: all). A gradient libtorch takes
    /// through a vectorised kernel (BCE's target gradient goes through its SLEEF logit) stays within tolerance only.
    /// </summary>
    public IReadOnlyList<string>? BitIdenticalGrads { get; init; }

    /// <summary>A short label for messages: the name, else the op.</summary>
    public string DisplayName => Name ?? Op.Name;

    /// <summary>The input with this argument name, or null.</summary>
    public InputSpec? Input(string name) => Inputs.FirstOrDefault(i => i.Name == name);

    /// <summary>The tensors to differentiate with respect to, for a call of this case (empty when no gradient is asked).</summary>
    public IReadOnlyList<string> GradientsFor(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!Grad)
        {
            return [];
        }
        return GradOnly ?? Op.DefaultGradients(call);
    }
}
