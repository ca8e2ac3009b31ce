using Parity.Tests.Shared;
using Parity.Harness.Ops;
using Parity.Native;

namespace Parity.Harness.Tests.Fakes;

/// <summary>
/// A deterministic stand-in random source for testing the harness machinery (NOT PyTorch's generator): a 64-bit LCG,
/// recording every call so tests can check what was drawn in which order.
/// </summary>
internal sealed class FakeRandom : IRandomSource
{
    private ulong _state;

    public FakeRandom(long seed = 0) => ManualSeed(seed);

    public List<string> Calls { get; } = [];

    public void ManualSeed(long seed)
    {
        _state = (ulong)seed ^ 0x9E3779B97F4A7C15UL;
        Calls.Add($"seed {seed}");
    }

    private double Next()
    {
        _state = (_state * 6364136223846793005UL) + 1442695040888963407UL;
        return (_state >> 11) * (1.0 / (1UL << 53));
    }

    public Tensor Rand(DType dtype, params int[] shape)
    {
        Calls.Add($"rand {Tensor.ShapeString(shape)} {dtype.Name()}");
        var t = Tensor.Zeros(dtype, shape);
        for (int i = 0; i < t.Numel; i++)
        {
            t.SetDouble(i, Next());
        }
        return t;
    }

    public Tensor Randn(DType dtype, params int[] shape)
    {
        Calls.Add($"randn {Tensor.ShapeString(shape)} {dtype.Name()}");
        var t = Tensor.Zeros(dtype, shape);
        for (int i = 0; i < t.Numel; i++)
        {
            t.SetDouble(i, (Next() * 4) - 2);
        }
        return t;
    }

    public Tensor Randint(long low, long high, DType dtype, params int[] shape)
    {
        Calls.Add($"randint {low} {high} {Tensor.ShapeString(shape)} {dtype.Name()}");
        if (low >= high)
        {
            throw new TorchException($"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}");
        }
        var t = Tensor.Zeros(dtype, shape);
        for (int i = 0; i < t.Numel; i++)
        {
            t.SetDouble(i, low + (long)Math.Floor(Next() * (high - low)));
        }
        return t;
    }
}

/// <summary>
/// A stand-in backend for testing the harness machinery (NOT a loss implementation): the output of every op is
/// the sum of its input as a 0-D tensor for losses, or the input itself for activations; the gradient is all ones.
/// Optional hooks make it throw or perturb one op, to exercise mismatch paths.
/// </summary>
internal sealed class FakeBackend(string name = "native") : IOpBackend
{
    public string Name { get; } = name;

    /// <summary>Ops whose output is perturbed by +1e-3 (a "broken" implementation).</summary>
    public HashSet<OpDefinition> Broken { get; } = [];

    /// <summary>When set, every call throws a TorchException with this message.</summary>
    public string? Throw { get; set; }

    public List<OpCall> Received { get; } = [];

    public OpResult Evaluate(OpCall call, IReadOnlyList<string> wrt, Tensor? gradOutput = null)
    {
        bool grad = wrt.Count > 0;
        lock (Received)
        {
            Received.Add(call);
        }
        if (Throw is not null)
        {
            throw new TorchException(Throw);
        }
        Tensor output;
        if (call.Op.IsLoss)
        {
            double s = 0;
            for (int i = 0; i < call.Input.Numel; i++)
            {
                s += call.Input.GetDouble(i);
            }
            output = Tensor.Scalar(s, call.Input.DType);
        }
        else
        {
            output = call.Input.Clone();
        }
        if (Broken.Contains(call.Op))
        {
            for (int i = 0; i < output.Numel; i++)
            {
                output.SetDouble(i, output.GetDouble(i) + 1e-3);
            }
        }
        Tensor? g = null;
        if (grad)
        {
            g = Tensor.Zeros(call.Input.DType, call.Input.ShapeArray());
            for (int i = 0; i < g.Numel; i++)
            {
                g.SetDouble(i, 1);
            }
        }
        return new OpResult(output, g);
    }
}
