using CsCheck;
using Parity.Harness.Cases;
using Parity.Harness.Fuzz;
using Parity.Native;

namespace Parity.Harness.Ops;

/// <summary>How a porter finds the op on each side: PyTorch's call, Parity's, and TorchSharp's (for the README table).</summary>
/// <param name="PyTorch">PyTorch's functional call and module, e.g. <c>`F.smooth_l1_loss`, `nn.SmoothL1Loss`</c>.</param>
/// <param name="Parity">Parity's functional call and module.</param>
/// <param name="Reference">What the reference side calls (the ATen op and the Python-frontend steps reproduced).</param>
/// <param name="Arguments">Which arguments PyTorch, Parity and TorchSharp's managed API support.</param>
public sealed record OpDocs(string PyTorch, string Parity, string Reference, string Arguments);

/// <summary>The call the reference side makes: a function of the op's TorchScript source and its arguments.</summary>
/// <param name="Function">The TorchScript function's name (defined in <see cref="OpDefinition.ReferenceScript"/>).</param>
/// <param name="Arguments">
/// Its arguments in order: the call's own <see cref="Tensor"/>s (by reference, so the ones differentiated are found),
/// null for <c>None</c>, and <see cref="long"/>, <see cref="double"/> or <see cref="bool"/> values (TorchScript takes no
/// strings from .NET: a reduction goes as ATen's integer).
/// </param>
public sealed record ReferenceCall(string Function, IReadOnlyList<object?> Arguments);

/// <summary>A bad input of an op: both sides must raise PyTorch's error, of this class and with this first line.</summary>
/// <param name="Name">A short name; the case is <c>bad.{op}.{name}</c>.</param>
/// <param name="Kind">The Python exception class.</param>
/// <param name="Message">The first line of the message, word for word (empty: any text, equal on both sides).</param>
/// <param name="Inputs">The tensors (drawn in this order).</param>
/// <param name="Args">The written non-tensor arguments.</param>
public sealed record BadInput(string Name, TorchErrorKind Kind, string Message, IReadOnlyList<InputSpec> Inputs, ArgSet? Args = null)
{
    /// <summary>Whether the gradient is asked for (the error comes from the backward).</summary>
    public bool Grad { get; init; }

    /// <summary>The gradients asked for; null means the default set.</summary>
    public IReadOnlyList<string>? GradOnly { get; init; }
}

/// <summary>
/// Everything Parity knows about one op, in one place, as PyTorch's <c>OpInfo</c> does: the schema, the native forward
/// and backward, the reference call (TorchScript reaching the ATen op, plus the Python-frontend steps ATen does not
/// make), the catalogue (matrix, edge values, bad inputs, pinned fuzz findings) and the fuzz generator. Every layer —
/// case reading and writing, drawing, the matrix, fuzzing, evaluation, snapshots, reports, the CLI — reads definitions
/// and never switches over ops. Definitions are registered once, in <see cref="OpCatalog"/>.
/// </summary>
public abstract class OpDefinition
{
    /// <summary>The schema (PyTorch's names, order, defaults, which tensors are differentiable).</summary>
    public abstract OpSchema Schema { get; }

    /// <summary>PyTorch's functional name.</summary>
    public string Name => Schema.Name;

    /// <summary>The README row.</summary>
    public abstract OpDocs Docs { get; }

    /// <summary>Whether the op is a loss (takes a reduction).</summary>
    public bool IsLoss => Schema.HasReduction;

    /// <summary>
    /// Whether the primary input has a class dimension (dim 1, or 0 when 1-D) that the target does not share — a
    /// class-index loss. The fuzzer's shrinker never removes a slice of it.
    /// </summary>
    public virtual bool HasClassDimension => false;

    // ---- native ------------------------------------------------------------------------------------------------

    /// <summary>The native forward.</summary>
    /// <exception cref="TorchException">PyTorch rejects the arguments.</exception>
    public abstract Tensor Forward(OpCall call);

    /// <summary>The native gradients of <c>sum(gradOutput · output)</c> with respect to each of <paramref name="wrt"/>.</summary>
    /// <param name="call">The forward call.</param>
    /// <param name="gradOutput">The upstream gradient, output-shaped.</param>
    /// <param name="wrt">Differentiable, floating tensor parameters the call passes (checked by the backend).</param>
    /// <returns>One gradient per name of <paramref name="wrt"/>, in that order.</returns>
    public abstract IReadOnlyList<KeyValuePair<string, Tensor>> Backward(OpCall call, Tensor gradOutput, IReadOnlyList<string> wrt);

    /// <summary>
    /// Whether libtorch's autograd differentiates the tensor <paramref name="name"/> in this call: by default its
    /// schema's flag, and never an integer tensor. An op whose differentiability depends on the call (cross_entropy's
    /// <c>weight</c> is differentiable only with probability targets) overrides this.
    /// </summary>
    public virtual bool IsDifferentiable(OpCall call, string name)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Schema.Tensor(name) is { Differentiable: true } && call[name] is { } t && t.DType.IsFloatingPoint();
    }

    /// <summary>
    /// The libtorch error for a gradient asked for a floating tensor it does not differentiate in this call, or null when
    /// asking is fine. By default the schema's <see cref="TensorParam.NoGradError"/>.
    /// </summary>
    public virtual string? NoGradError(OpCall call, string name) => Schema.Tensor(name)?.NoGradError;

    /// <summary>
    /// The gradients <c>"grad": true</c> asks for: the primary tensor (when the schema marks it differentiable, even if
    /// it is an integer tensor, so that libtorch's error is compared) and every other tensor differentiable in this call.
    /// </summary>
    public IReadOnlyList<string> DefaultGradients(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var list = new List<string>();
        foreach (var p in Schema.Tensors)
        {
            if (call[p.Name] is null)
            {
                continue;
            }
            if ((p == Schema.Primary && p.Differentiable) || (p != Schema.Primary && IsDifferentiable(call, p.Name)))
            {
                list.Add(p.Name);
            }
        }
        return list;
    }

    // ---- reference ---------------------------------------------------------------------------------------------

    /// <summary>
    /// The TorchScript functions the reference side compiles for this op. Each calls the ATen op Python's frontend
    /// reaches (spelled <c>torch.&lt;op&gt;</c>), after the frontend's tensor steps (broadcasts, reroutes).
    /// </summary>
    public abstract string ReferenceScript { get; }

    /// <summary>
    /// The Python-frontend steps that happen before ATen and cannot be written in TorchScript — its checks (raising
    /// PyTorch's <see cref="TorchException"/>) and warnings (<see cref="TorchWarnings.Warn"/>) — then the call to make.
    /// Runs on the reference side only; the native side makes the same checks in its own code.
    /// </summary>
    public abstract ReferenceCall Reference(OpCall call);

    /// <summary>
    /// The Python exception class of an ATen error text of this op that libtorch's interface loses (TorchScript reports
    /// every ATen error as RuntimeError): e.g. a <c>TORCH_CHECK_VALUE</c> → <see cref="TorchErrorKind.ValueError"/>.
    /// Null leaves the reference side's general rule (<c>Parity.Torch.TorchErrors.KindOf</c>) in force.
    /// </summary>
    public virtual TorchErrorKind? AtenErrorKind(string message) => null;

    // ---- catalogue ---------------------------------------------------------------------------------------------

    /// <summary>The matrix cases: every argument value × reduction × dtype × shape (or a covering design of them).</summary>
    public abstract IEnumerable<CaseSpec> Matrix();

    /// <summary>Edge values written out explicitly.</summary>
    public virtual IEnumerable<CaseSpec> Edges() => [];

    /// <summary>Inputs PyTorch rejects.</summary>
    public abstract IEnumerable<BadInput> BadInputs();

    /// <summary>Cases pinned from fuzz findings (<c>fuzz.*</c>).</summary>
    public virtual IEnumerable<CaseSpec> Pinned() => [];

    /// <summary>The fuzz generator: calls with explicit values covering every argument, adversarial values and some invalid structure.</summary>
    public abstract Gen<OpCall> Fuzz(FuzzBounds bounds);

    /// <summary>
    /// The fuzz stream of the op: CsCheck's generator for case <c>i</c> of seed <c>s</c> is seeded from (s, stream, i).
    /// By default a hash of the op's name (so adding an op changes no other op's stream); the first seven ops keep
    /// the streams they had (1–7) so recorded seeds reproduce.
    /// </summary>
    public virtual uint FuzzStream => StableHash(Name) | 0x8000_0000u;

    /// <summary>
    /// Whether the op models <c>reduction='elementwise_mean'</c>, PyTorch's deprecated spelling of <c>'mean'</c> (whether
    /// a Python frontend accepts it, with a warning, or rejects it differs per op). When false, a case that writes it is
    /// refused by the case reader as not modelled, rather than answered with an error PyTorch may not raise.
    /// </summary>
    public virtual bool ModelsElementwiseMean => false;

    /// <summary>
    /// Disagreements the fuzzer still finds for this op and that are not fixed yet, with where they are described
    /// (docs/fuzz-findings.md); null when there are none. The fixed-seed fuzz test reports such an op as skipped with this
    /// text, never as passed.
    /// </summary>
    public virtual string? OpenFuzzFindings => null;

    /// <summary>
    /// The tolerance a fuzzed call's <paramref name="result"/> ("output", or the name of the tensor a gradient is for) is
    /// compared with; <paramref name="standard"/> (the tolerance of the result's dtype) unless the op overrides it, where
    /// libtorch's own kernels are not correctly rounded and the op amplifies that (the override documents the evidence).
    /// </summary>
    public virtual Parity.Comparison.Tolerance FuzzTolerance(OpCall call, string result, Parity.Comparison.Tolerance standard) => standard;

    /// <summary>FNV-1a over the UTF-16 code units of <paramref name="text"/>.</summary>
    protected static uint StableHash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        uint h = 2166136261;
        foreach (char c in text)
        {
            h = (h ^ c) * 16777619;
        }
        return h;
    }

    /// <summary>The op's name.</summary>
    public override string ToString() => Name;

    // ---- helpers for definitions -----------------------------------------------------------------------------------

    /// <summary>The ATen integer of a reduction (0 none, 1 mean, 2 sum), after Python's check of the op's choices.</summary>
    protected static long AtenReduction(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.Reduction switch
        {
            Reduction.None => 0,
            Reduction.Mean => 1,
            Reduction.Sum => 2,
            _ => throw new InvalidOperationException($"{call.Op.Name}: reduction {call.Reduction} has no ATen value"),
        };
    }

    /// <summary>Python's <c>str(torch.Size)</c>: <c>torch.Size([2, 3])</c>.</summary>
    public static string PythonSize(ReadOnlySpan<int> shape) => "torch.Size(" + Tensor.ShapeString(shape) + ")";

    /// <summary>One gradient per requested name, picked from the op's full set of gradients.</summary>
    protected static IReadOnlyList<KeyValuePair<string, Tensor>> Pick(IReadOnlyList<string> wrt, params (string Name, Func<Tensor> Grad)[] grads)
    {
        ArgumentNullException.ThrowIfNull(wrt);
        var list = new List<KeyValuePair<string, Tensor>>();
        foreach (string name in wrt)
        {
            var g = grads.FirstOrDefault(x => x.Name == name);
            if (g.Grad is null)
            {
                throw new InvalidOperationException($"no native gradient with respect to '{name}'");
            }
            list.Add(new(name, g.Grad()));
        }
        return list;
    }
}
