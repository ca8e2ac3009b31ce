using Parity.Harness.Ops;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Parity.Torch;

/// <summary>
/// The TorchScript compilation units of the reference side: one per op, holding the op's
/// <see cref="OpDefinition.ReferenceScript"/> (functions that reach the ATen op Python's frontend reaches, because
/// TorchSharp's managed API cannot pass every argument and its C++ frontend adds checks Python does not make) plus
/// <c>parity_grads</c>, which runs <c>torch.autograd.grad([output], inputs, [grad_output])</c>.
/// </summary>
/// <remarks>
/// <para>Gradients are taken inside the interpreter, not through TorchSharp's <c>torch.autograd.grad</c>, because an error
/// raised by a backward kernel escapes the latter as an uncaught c10::Error and terminates the process (exit 134),
/// e.g. nll_loss's backward on a (C) input with a (1) target; the interpreter catches it and it becomes a
/// <see cref="Parity.Native.TorchException"/>, as Python's RuntimeError from <c>.backward()</c> would. The same autograd
/// engine and kernels run, so the gradients are the eager ones bit for bit.</para>
/// <para>Units are compiled lazily, once per op and thread. Functions that only call ATen ops leave the graph executor nothing to fuse or
/// differentiate symbolically, so values and gradients are those of the eager kernels.</para>
/// </remarks>
internal static class OpScripts
{
    /// <summary>The name of the gradient function every unit carries.</summary>
    public const string Grads = "parity_grads";

    /// <summary>The gradient function: every input must be used by the graph (Python's default, <c>allow_unused=False</c>).</summary>
    internal const string GradsSource = """
        def parity_grads(output: Tensor, inputs: List[Tensor], grad_output: Tensor) -> List[Tensor]:
            grad_outputs: List[Optional[Tensor]] = [grad_output]
            grads = torch.autograd.grad([output], inputs, grad_outputs)
            result: List[Tensor] = []
            for g in grads:
                assert g is not None
                result.append(g)
            return result
        """;

    // One unit per op and thread, run with the graph executor's optimizations off on that thread (JitExecutor): the
    // functions then run as eager kernels with eager autograd, whatever ran before.
    [ThreadStatic]
    private static Dictionary<string, torch.jit.CompilationUnit>? t_units;

    /// <summary>The compiled unit of <paramref name="op"/> for the current thread (compiled on first use).</summary>
    /// <exception cref="InvalidOperationException">The op's script does not compile (a bug in its definition).</exception>
    public static torch.jit.CompilationUnit Unit(OpDefinition op)
    {
        ArgumentNullException.ThrowIfNull(op);
        PInvoke.JitExecutor.DisableOptimizationOnThisThread();
        t_units ??= [];
        if (!t_units.TryGetValue(op.Name, out var unit))
        {
            unit = Compile(op);
            t_units[op.Name] = unit;
        }
        return unit;
    }

    private static torch.jit.CompilationUnit Compile(OpDefinition op)
    {
        try
        {
            // TorchScript's parser wants the source to end with a newline.
            return torch.jit.compile(op.ReferenceScript.TrimEnd() + "\n\n" + GradsSource + "\n");
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            // A bug here, not bad input: do not let it pass for a libtorch argument error.
            throw new InvalidOperationException($"compiling the TorchScript of {op.Name} failed: " + e.Message, e);
        }
    }

    /// <summary>Invokes a function of the op's unit and returns its tensor.</summary>
    public static TorchTensor Invoke(OpDefinition op, string function, params object?[] args) =>
        Unit(op).invoke<TorchTensor>(function, args!);

    /// <summary>The gradients of <paramref name="output"/> with respect to <paramref name="inputs"/>.</summary>
    public static TorchTensor[] Gradients(OpDefinition op, TorchTensor output, TorchTensor[] inputs, TorchTensor gradOutput) =>
        Unit(op).invoke<TorchTensor[]>(Grads, output, inputs, gradOutput);
}
