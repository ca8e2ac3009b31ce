using Parity.Native;

namespace Parity.Harness.Ops;

/// <summary>
/// One call of an op with its arguments under PyTorch's names. Both backends take this same value, so a case means the
/// same thing on both sides. Immutable: the <c>With…</c> methods return changed copies.
/// </summary>
public sealed class OpCall
{
    private readonly KeyValuePair<string, Tensor>[] _tensors;

    /// <summary>Creates a call.</summary>
    /// <param name="op">The op.</param>
    /// <param name="tensors">The tensors passed, by parameter name (a null value means not passed, i.e. <c>None</c>).</param>
    /// <param name="args">The written non-tensor arguments (null: none).</param>
    /// <exception cref="ArgumentException">A name the op does not take, or a required tensor missing.</exception>
    public OpCall(OpDefinition op, IEnumerable<KeyValuePair<string, Tensor?>> tensors, ArgSet? args = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(tensors);
        Op = op;
        var given = tensors.Where(kv => kv.Value is not null).ToList();
        foreach (var kv in given)
        {
            if (op.Schema.Tensor(kv.Key) is null)
            {
                throw new ArgumentException($"{op.Name} has no tensor argument '{kv.Key}'", nameof(tensors));
            }
        }
        // Kept in the schema's order, whatever order they came in.
        _tensors = op.Schema.Tensors
            .Select(p => given.FirstOrDefault(kv => kv.Key == p.Name))
            .Where(kv => kv.Key is not null)
            .Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value!))
            .ToArray();
        var missing = op.Schema.Tensors.FirstOrDefault(p => p.Required && !_tensors.Any(kv => kv.Key == p.Name));
        if (missing is not null)
        {
            throw new ArgumentException($"{op.Name} needs a '{missing.Name}' tensor", nameof(tensors));
        }
        Args = args ?? ArgSet.Empty;
        foreach (var kv in Args.Items)
        {
            if (op.Schema.Scalar(kv.Key) is null)
            {
                throw new ArgumentException($"{op.Name} takes no argument '{kv.Key}'", nameof(args));
            }
        }
    }

    /// <summary>Creates a call from tensors given as (name, tensor) pairs.</summary>
    public OpCall(OpDefinition op, ArgSet? args, params (string Name, Tensor? Tensor)[] tensors)
        : this(op, tensors.Select(t => new KeyValuePair<string, Tensor?>(t.Name, t.Tensor)), args)
    {
    }

    /// <summary>The op.</summary>
    public OpDefinition Op { get; }

    /// <summary>The tensors passed, in the schema's order.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Tensors => _tensors;

    /// <summary>The written non-tensor arguments.</summary>
    public ArgSet Args { get; }

    /// <summary>The primary tensor (<c>input</c> for most ops).</summary>
    public Tensor Primary => this[Op.Schema.Primary.Name]!;

    /// <summary>The tensor passed as <paramref name="name"/>, or null.</summary>
    public Tensor? this[string name] => Array.Find(_tensors, kv => kv.Key == name).Value;

    /// <summary>The tensor passed as <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not passed.</exception>
    public Tensor Required(string name) => this[name] ?? throw new ArgumentException($"{Op.Name} needs a '{name}' tensor", nameof(name));

    /// <summary>The value of a non-tensor argument: as written, else the schema's default.</summary>
    /// <exception cref="ArgumentException">The op has no such parameter.</exception>
    public ArgValue Arg(string name)
    {
        if (Args.Get(name) is { } v)
        {
            return v;
        }
        return (Op.Schema.Scalar(name) ?? throw new ArgumentException($"{Op.Name} takes no argument '{name}'", nameof(name))).Default;
    }

    /// <summary>A float argument.</summary>
    public double Float(string name) => Arg(name).AsDouble;

    /// <summary>An int argument.</summary>
    public long Int(string name) => Arg(name).AsInt;

    /// <summary>A bool argument.</summary>
    public bool Bool(string name) => Arg(name).AsBool;

    /// <summary>An optional int argument (null for <c>None</c>).</summary>
    public long? OptionalInt(string name) => Arg(name) is { IsNone: false } v ? v.AsInt : null;

    /// <summary>
    /// The <c>reduction</c> as the enum, checked as Python's <c>_Reduction.get_enum</c> does: a value outside the op's
    /// choices raises <c>ValueError: {value} is not a valid value for reduction</c>.
    /// </summary>
    /// <exception cref="TorchException">Not one of the op's reductions.</exception>
    public Reduction Reduction
    {
        get
        {
            var p = Op.Schema.Scalar("reduction") ?? throw new InvalidOperationException($"{Op.Name} takes no reduction");
            string r = Arg("reduction").AsString;
            if (p.Choices is { } choices && !choices.Contains(r))
            {
                throw new TorchException(TorchErrorKind.ValueError, $"{r} is not a valid value for reduction");
            }
            return r == "batchmean" ? Reduction.BatchMean : Reductions.Parse(r);
        }
    }

    /// <summary>A copy with the tensor <paramref name="name"/> replaced (null removes it).</summary>
    public OpCall With(string name, Tensor? tensor) =>
        new(Op, Op.Schema.Tensors.Select(p => new KeyValuePair<string, Tensor?>(p.Name, p.Name == name ? tensor : this[p.Name])), Args);

    /// <summary>A copy with a non-tensor argument set.</summary>
    public OpCall WithArg(string name, object value) => new(Op, _tensors.Select(kv => new KeyValuePair<string, Tensor?>(kv.Key, kv.Value)), Args.With(name, value));

    /// <summary>A copy with other written arguments.</summary>
    public OpCall WithArgs(ArgSet args) => new(Op, _tensors.Select(kv => new KeyValuePair<string, Tensor?>(kv.Key, kv.Value)), args);

    /// <summary>The dtype of the primary tensor.</summary>
    public DType DType => Primary.DType;

    /// <summary><c>op(name=dtype[shape], …, arg=value)</c>, for messages.</summary>
    public override string ToString() =>
        $"{Op.Name}({string.Join(", ", _tensors.Select(kv => $"{kv.Key}={kv.Value.DType.Name()}{Tensor.ShapeString(kv.Value.Shape)}").Concat(Args.Items.Select(kv => $"{kv.Key}={kv.Value}")))})";
}

/// <summary>The result of evaluating an <see cref="OpCall"/>.</summary>
/// <param name="Output">The op's output (a 0-D tensor for reduced losses).</param>
/// <param name="Grads">The gradients asked for, by tensor parameter name, in the order asked.</param>
/// <param name="Warnings">The warnings PyTorch's Python frontend would issue, in order.</param>
public sealed record OpResult(Tensor Output, IReadOnlyList<KeyValuePair<string, Tensor>> Grads, IReadOnlyList<TorchWarning> Warnings)
{
    /// <summary>A result without gradients or warnings.</summary>
    public OpResult(Tensor output)
        : this(output, [], [])
    {
    }

    /// <summary>A result with at most the gradient with respect to <c>input</c>, and no warnings.</summary>
    public OpResult(Tensor output, Tensor? inputGrad)
        : this(output, inputGrad is null ? [] : [new KeyValuePair<string, Tensor>("input", inputGrad)], [])
    {
    }

    /// <summary>The gradient with respect to <paramref name="name"/>, or null.</summary>
    public Tensor? GradOf(string name) => Grads.FirstOrDefault(kv => kv.Key == name).Value;

    /// <summary>The gradient with respect to <c>input</c>, when it was asked for.</summary>
    public Tensor? Grad => GradOf("input");
}

/// <summary>Conveniences over <see cref="IOpBackend"/>.</summary>
public static class OpBackends
{
    /// <summary>
    /// Evaluates <paramref name="call"/>, with every gradient <c>"grad": true</c> asks for when <paramref name="grad"/>
    /// is true (<see cref="OpDefinition.DefaultGradients"/>), or none.
    /// </summary>
    public static OpResult Evaluate(this IOpBackend backend, OpCall call, bool grad, Tensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(call);
        return backend.Evaluate(call, grad ? call.Op.DefaultGradients(call) : [], gradOutput);
    }

    /// <summary>
    /// Splits <paramref name="requested"/> into the gradients <paramref name="backend"/> gives
    /// (<see cref="ISupportedOps.SupportedGradients"/>; all of them for a backend that is not an <see cref="ISupportedOps"/>),
    /// in the requested order, and the others.
    /// </summary>
    public static (IReadOnlyList<string> Given, IReadOnlyList<string> NotGiven) SplitGradients(this IOpBackend backend, OpCall call, IReadOnlyList<string> requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        if (backend is not ISupportedOps declared || requested.Count == 0)
        {
            return (requested, []);
        }
        var given = declared.SupportedGradients(call, requested);
        return ([.. requested.Where(given.Contains)], [.. requested.Except(given)]);
    }

    /// <summary>The tolerance <paramref name="backend"/> declares for one result (<see cref="IDeclaredTolerance"/>), else <paramref name="standard"/>.</summary>
    public static Parity.Comparison.Tolerance ToleranceFor(this IOpBackend backend, OpCall call, string result, Parity.Comparison.Tolerance standard) =>
        backend is IDeclaredTolerance declared ? declared.Tolerance(call, result, standard) : standard;

    /// <summary>What Python raises for <c>requires_grad_()</c> on an integer tensor.</summary>
    public static TorchException IntegerGradError() =>
        new(TorchErrorKind.RuntimeError, "only Tensors of floating point and complex dtype can require gradients");

    /// <summary>torch.autograd's Python check of an explicit upstream gradient (<c>_make_grads</c>), before the engine runs.</summary>
    /// <exception cref="TorchException">Its shape differs from the output's; the message is Python's.</exception>
    public static void CheckGradOutput(Tensor? gradOutput, ReadOnlySpan<int> outputShape)
    {
        if (gradOutput is not null && !gradOutput.Shape.SequenceEqual(outputShape))
        {
            throw new TorchException(TorchErrorKind.RuntimeError,
                $"Mismatch in shape: grad_output[0] has a shape of {OpDefinition.PythonSize(gradOutput.Shape)} and output[0] has a shape of {OpDefinition.PythonSize(outputShape)}.");
        }
    }

    /// <summary>A tensor of ones (the default upstream gradient; also used by fuzz generators for weights).</summary>
    public static Tensor Ones(DType dtype, int[] shape)
    {
        var t = Tensor.Zeros(dtype, shape);
        for (int i = 0; i < t.Numel; i++)
        {
            t.SetDouble(i, 1.0);
        }
        return t;
    }
}

/// <summary>A side that can evaluate op calls: the native implementation, libtorch, or a user's implementation.</summary>
public interface IOpBackend
{
    /// <summary>A short name for reports: <c>native</c>, <c>torch</c>, …</summary>
    string Name { get; }

    /// <summary>Evaluates <paramref name="call"/>.</summary>
    /// <param name="call">The op and its arguments.</param>
    /// <param name="wrt">The tensor parameters to differentiate <c>output</c> with respect to (empty: none).</param>
    /// <param name="gradOutput">The upstream gradient (output-shaped); null means ones, i.e. the gradient of <c>sum(output)</c>.</param>
    /// <returns>The output, the gradients asked for (in the order of <paramref name="wrt"/>) and the warnings issued.</returns>
    /// <exception cref="TorchException">The arguments are invalid; the message is PyTorch's.</exception>
    OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null);
}
