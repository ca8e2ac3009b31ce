namespace Parity.Harness.Ops;

/// <summary>
/// Optional for an <see cref="IOpBackend"/> that implements only some ops (a user's engine, the fast kernels): the ops
/// it implements. A case of another op is reported as <c>unsupported</c> without calling the backend — counted apart,
/// never passed. A backend may also throw <see cref="NotSupportedException"/> from
/// <see cref="IOpBackend.Evaluate"/> for a call it cannot make (a dtype, an argument); that case is unsupported too.
/// </summary>
public interface ISupportedOps
{
    /// <summary>PyTorch's names of the ops the backend implements (e.g. <c>cross_entropy</c>).</summary>
    IReadOnlyCollection<string> SupportedOps { get; }

    /// <summary>
    /// Why the backend cannot make <paramref name="call"/> (null: it can). By default, only the op's name is checked;
    /// a backend overrides this to decline dtypes or arguments before being called (the fuzzer skips such calls).
    /// </summary>
    string? Unsupported(OpCall call) => SupportedOps.Contains((call ?? throw new ArgumentNullException(nameof(call))).Op.Name)
        ? null
        : $"{call.Op.Name} is not implemented by this backend";

    /// <summary>
    /// The gradients the backend gives for <paramref name="call"/> out of <paramref name="requested"/> (by default all of
    /// them). Generated cases (<c>parity fuzz</c>) ask for every differentiable tensor; a backend that differentiates
    /// fewer (the fast kernels give the gradient with respect to <c>input</c> only) names the ones it gives, the fuzzer
    /// compares those on both sides and reports the others as not compared; a matrix case runs with the gradients the
    /// backend gives, the others are left out of the comparison with libtorch and with the snapshot and listed per op.
    /// </summary>
    IReadOnlyList<string> SupportedGradients(OpCall call, IReadOnlyList<string> requested) => requested;
}
