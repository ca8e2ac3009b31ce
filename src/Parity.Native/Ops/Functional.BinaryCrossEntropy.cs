using System.Numerics;
using Parity.Native.Numerics;
using static Parity.Native.Ops.TorchChecks;

namespace Parity.Native.Ops;

public static partial class Functional
{
    /// <summary>The floor of the logarithms in binary_cross_entropy (libtorch clamps log at −100).</summary>
    internal const double BceLogFloor = -100.0;

    /// <summary>The guard of binary_cross_entropy's gradient denominator: the float constant 1e-12, converted to the element type.</summary>
    internal const float BceGradEpsilon = 1e-12f;

    /// <summary><c>torch.nn.functional.binary_cross_entropy(input, target, weight, reduction)</c> (<c>nn.BCELoss</c>).</summary>
    /// <param name="input">Probabilities in [0, 1], float32 or float64.</param>
    /// <param name="target">Targets in [0, 1], same shape and dtype as input.</param>
    /// <param name="weight">Optional rescaling weight, broadcast to the target's shape.</param>
    /// <param name="reduction"><see cref="Reduction.None"/>, <see cref="Reduction.Mean"/> or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss: input-shaped for 'none', else 0-D.</returns>
    /// <exception cref="TorchException">
    /// ValueError when target's size differs from input's; RuntimeError when weight does not broadcast, dtypes differ,
    /// or an input/target element lies outside [0, 1] (NaN included); NotImplementedError for int64 input.
    /// </exception>
    /// <remarks>
    /// <para>ℓᵢ = wᵢ · ((yᵢ − 1)·max(log(1 − xᵢ), −100) − yᵢ·max(log xᵢ, −100)), with log(1 − x) evaluated as
    /// log1p(−x). Clamping the logs at −100 keeps ℓ finite at x = 0 or 1 (x = 0, y = 1 gives exactly 100).</para>
    /// <para>'mean' divides the sum by the element count (not by the weights); an empty input gives NaN for
    /// 'mean' and 0 for 'sum'. The sum follows libtorch's cascade order, so results match bit for bit.</para>
    /// </remarks>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        CheckBce(input, target, weight, reduction);
        return input.DType == DType.Float32
            ? BceForward<float>(input, target, weight, reduction)
            : BceForward<double>(input, target, weight, reduction);
    }

    /// <summary>The gradient of <see cref="BinaryCrossEntropy"/> with respect to input.</summary>
    /// <param name="gradOutput">The upstream gradient, shaped as the loss (0-D for mean/sum).</param>
    /// <param name="input">The forward input.</param>
    /// <param name="target">The forward target.</param>
    /// <param name="weight">The forward weight.</param>
    /// <param name="reduction">The forward reduction.</param>
    /// <returns>∂/∂xᵢ = g·(xᵢ − yᵢ) / max((1 − xᵢ)·xᵢ, 1e-12) · wᵢ, divided by the element count for 'mean'.</returns>
    /// <exception cref="TorchException">As the forward; or gradOutput has the wrong shape.</exception>
    /// <remarks>The guard 1e-12 is a float constant converted to the element type (9.99999996e-13 for float64), as in libtorch.</remarks>
    public static Tensor BinaryCrossEntropyBackward(Tensor gradOutput, Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        CheckBce(input, target, weight, reduction);
        return input.DType == DType.Float32
            ? BceBackward<float>(gradOutput, input, target, weight, reduction)
            : BceBackward<double>(gradOutput, input, target, weight, reduction);
    }

    private static void CheckBce(Tensor input, Tensor target, Tensor? weight, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        if (!target.Shape.SequenceEqual(input.Shape))
        {
            throw Value($"Using a target size (torch.Size({S(target.Shape)})) that is different to the input size (torch.Size({S(input.Shape)})) is deprecated. Please ensure they have the same size.");
        }
        int[]? weightShape = weight is null ? null : InferSize(target.Shape, weight.Shape);
        if (target.DType != input.DType)
        {
            throw Runtime($"Found dtype {target.DType.TorchScalarName()} but expected {input.DType.TorchScalarName()}");
        }
        if (input.DType == DType.Int64)
        {
            throw NotImplemented("binary_cross_entropy", input.DType);
        }
        CheckBceRange(input, target);
        if (weight is not null)
        {
            CheckInPlaceBroadcast(input.Shape, weightShape);
            CheckInPlaceType(input.DType, weight.DType);
        }
    }

    private static void CheckBceRange(Tensor input, Tensor target)
    {
        for (int i = 0; i < input.Numel; i++)
        {
            double x = input.GetDouble(i);
            if (!(x >= 0 && x <= 1))
            {
                throw Runtime("all elements of input should be between 0 and 1");
            }
            double y = target.GetDouble(i);
            if (!(y >= 0 && y <= 1))
            {
                throw Runtime("all elements of target should be between 0 and 1");
            }
        }
    }

    private static Tensor BceForward<T>(Tensor input, Tensor target, Tensor? weight, Reduction reduction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = input.ToArray<T>();
        T[] y = target.ToArray<T>();
        var loss = new T[x.Length];
        T floor = T.CreateTruncating(BceLogFloor);
        for (int i = 0; i < x.Length; i++)
        {
            loss[i] = ((y[i] - T.One) * StdMax(Log1p(-x[i]), floor)) - (y[i] * StdMax(T.Log(x[i]), floor));
        }
        if (weight is not null)
        {
            MulInPlace(loss, weight, input.Shape);
        }
        return Reduce(loss, input.Shape, reduction);
    }

    private static Tensor BceBackward<T>(Tensor gradOutput, Tensor input, Tensor target, Tensor? weight, Reduction reduction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] g = GradValues<T>(gradOutput, ReducedShape(reduction, input.Shape));
        T[] x = input.ToArray<T>();
        T[] y = target.ToArray<T>();
        var gi = new T[x.Length];
        T eps = T.CreateTruncating(BceGradEpsilon);
        for (int i = 0; i < x.Length; i++)
        {
            T gv = reduction == Reduction.None ? g[i] : g[0];
            gi[i] = gv * (x[i] - y[i]) / StdMax((T.One - x[i]) * x[i], eps);
        }
        if (weight is not null)
        {
            MulInPlace(gi, weight, input.Shape);
        }
        if (reduction == Reduction.Mean)
        {
            T n = T.CreateTruncating(x.Length);
            for (int i = 0; i < gi.Length; i++)
            {
                gi[i] /= n;
            }
        }
        return Make(gi, input.Shape);
    }

    /// <summary><c>std::max(a, b)</c>: (a &lt; b) ? b : a, so a NaN first argument is kept.</summary>
    internal static T StdMax<T>(T a, T b)
        where T : IFloatingPointIeee754<T> => a < b ? b : a;

    /// <summary>glibc's log1p/log1pf, as libtorch's scalar kernels call them.</summary>
    internal static T Log1p<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? T.CreateTruncating(LibM.Log1p(float.CreateTruncating(x)))
            : T.CreateTruncating(LibM.Log1p(double.CreateTruncating(x)));

    /// <summary>Applies a loss reduction: 'none' keeps the values, 'sum' and 'mean' use libtorch's cascade sum.</summary>
    internal static Tensor Reduce<T>(T[] loss, ReadOnlySpan<int> shape, Reduction reduction)
        where T : unmanaged, IFloatingPointIeee754<T> => reduction switch
        {
            Reduction.None => Make(loss, shape),
            Reduction.Sum => Make([CascadeSum.All<T>(loss)], []),
            _ => Make([CascadeSum.Mean<T>(loss)], []),
        };
}
