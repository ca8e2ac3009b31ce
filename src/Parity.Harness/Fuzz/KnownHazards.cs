using Parity.Native;

namespace Parity.Harness.Fuzz;

/// <summary>
/// Inputs known to abort the whole process on one side (an uncatchable native error), which a fuzzing run must skip to
/// finish at all. Each entry names the finding; skipped cases are counted and reported, never passed.
/// </summary>
public static class KnownHazards
{
    /// <summary>
    /// TorchBackend, gradient of <c>nll_loss</c>/<c>cross_entropy</c> with 1-D input (C) and a 1-D target of size 1:
    /// libtorch's backward raises <c>size mismatch (got input: [C], target: [1])</c> and the error escapes as
    /// <c>terminate called after throwing an instance of 'c10::Error'</c> (exit code 134) instead of a
    /// <see cref="TorchException"/> (fuzz finding F1).
    /// </summary>
    public static string? TorchBackwardAbort(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.Op is LossOp.NllLoss or LossOp.CrossEntropy && call.Input.Dim == 1 && call.Target is { Dim: 1 } t &&
               t.DType == DType.Int64
            ? "F1: libtorch aborts the process in the backward of a 1-D input with a 1-D class target"
            : null;
    }

    /// <summary>
    /// TorchBackend, gradient of <c>nll_loss</c>/<c>cross_entropy</c> (class-index path) over an empty batch with a
    /// target that is not int64, reduction mean or sum: the forward returns (it never reads the target), the backward
    /// raises <c>expected scalar type Long but found Double</c> and the process aborts the same way (fuzz finding F2).
    /// </summary>
    public static string? TorchEmptyBatchFloatTargetAbort(OpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.Op is LossOp.NllLoss or LossOp.CrossEntropy && call.Target is { } t && t.DType != DType.Int64 &&
               t.Numel == 0 && !t.Shape.SequenceEqual(call.Input.Shape)
            ? "F2: libtorch aborts the process in the backward of an empty batch with a non-int64 class target"
            : null;
    }

    /// <summary>All known hazards: the first reason that applies, or null.</summary>
    public static string? Any(OpCall call) => TorchBackwardAbort(call) ?? TorchEmptyBatchFloatTargetAbort(call);
}
