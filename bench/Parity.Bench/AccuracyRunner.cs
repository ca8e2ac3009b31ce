using Parity.Native.Fast;
using Parity.Torch.PInvoke;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Tensor = TorchSharp.torch.Tensor;

namespace Parity.Bench;

/// <summary>
/// float32 accuracy of the native kernels and of libtorch, each measured against libtorch in float64 on the same
/// (widened) inputs: the loss's absolute error and the gradient's relative L1 error Σ|g₃₂ − g₆₄| / Σ|g₆₄|.
/// </summary>
internal static class AccuracyRunner
{
    private const int Seed = 20261129;

    public static void Run()
    {
        LibTorchLoader.EnsureAvailable();
        torch.set_num_threads(1);
        Console.WriteLine("| op | shape | loss err native | loss err libtorch | grad rel-L1 native | grad rel-L1 libtorch | grad max err native | grad max err libtorch |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (string shape in new[] { "32x10", "256x1000", "8192x1000", "65536x32", "16x21x128x128" })
        {
            int[] dims = shape.Split('x').Select(int.Parse).ToArray();
            int n = dims[0], c = dims[1], inner = dims.Skip(2).Aggregate(1, (a, b) => a * b);
            int numel = n * c * inner;
            var rng = new Random(Seed);
            var x = new float[numel];
            var y = new float[numel];
            for (int i = 0; i < numel; i++)
            {
                x[i] = (float)((rng.NextDouble() * 8) - 4);
                y[i] = (float)rng.NextDouble();
            }
            var t = new long[n * inner];
            for (int i = 0; i < t.Length; i++)
            {
                t[i] = rng.Next(c);
            }
            long[] tshape = dims.Where((_, i) => i != 1).Select(d => (long)d).ToArray();
            long[] xshape = dims.Select(d => (long)d).ToArray();

            // cross_entropy, mean
            var g = new float[numel];
            float nativeLoss = FastLosses.CrossEntropyForwardBackward<float>(x, t, n, c, g, inner);
            (double l32, float[] g32) = TorchCe(x, t, xshape, tshape, ScalarType.Float32);
            (double l64, double[] g64) = TorchCe64(x, t, xshape, tshape);
            Report("cross_entropy", shape, nativeLoss, l32, l64, g, g32, g64);

            // binary_cross_entropy_with_logits, mean
            float nativeBce = FastLosses.BinaryCrossEntropyWithLogitsForwardBackward<float>(x, y, g);
            (double b32, float[] bg32) = TorchBce(x, y, xshape, ScalarType.Float32);
            (double b64, double[] bg64) = TorchBce64(x, y, xshape);
            Report("bce_with_logits", shape, nativeBce, b32, b64, g, bg32, bg64);
        }
    }

    private static void Report(string op, string shape, double native, double torch32, double exact, float[] gNative, float[] gTorch, double[] gExact)
    {
        double sum = 0, eNative = 0, eTorch = 0, mNative = 0, mTorch = 0;
        for (int i = 0; i < gExact.Length; i++)
        {
            sum += Math.Abs(gExact[i]);
            double a = Math.Abs(gNative[i] - gExact[i]), b = Math.Abs(gTorch[i] - gExact[i]);
            eNative += a;
            eTorch += b;
            mNative = Math.Max(mNative, a);
            mTorch = Math.Max(mTorch, b);
        }
        Console.WriteLine(FormattableString.Invariant(
            $"| {op} | {shape} | {Math.Abs(native - exact):E2} | {Math.Abs(torch32 - exact):E2} | {eNative / sum:E2} | {eTorch / sum:E2} | {mNative:E2} | {mTorch:E2} |"));
    }

    private static (double, float[]) TorchCe(float[] x, long[] t, long[] xs, long[] ts, ScalarType type)
    {
        using var scope = torch.NewDisposeScope();
        Tensor xt = torch.tensor(x, xs).to_type(type).requires_grad_(true);
        Tensor loss = F.cross_entropy(xt, torch.tensor(t, ts));
        Tensor grad = torch.autograd.grad([loss], [xt])[0];
        return (loss.to_type(ScalarType.Float64).item<double>(), grad.to_type(ScalarType.Float32).data<float>().ToArray());
    }

    private static (double, double[]) TorchCe64(float[] x, long[] t, long[] xs, long[] ts)
    {
        using var scope = torch.NewDisposeScope();
        Tensor xt = torch.tensor(x, xs).to_type(ScalarType.Float64).requires_grad_(true);
        Tensor loss = F.cross_entropy(xt, torch.tensor(t, ts));
        Tensor grad = torch.autograd.grad([loss], [xt])[0];
        return (loss.item<double>(), grad.data<double>().ToArray());
    }

    private static (double, float[]) TorchBce(float[] x, float[] y, long[] xs, ScalarType type)
    {
        using var scope = torch.NewDisposeScope();
        Tensor xt = torch.tensor(x, xs).to_type(type).requires_grad_(true);
        Tensor loss = F.binary_cross_entropy_with_logits(xt, torch.tensor(y, xs).to_type(type));
        Tensor grad = torch.autograd.grad([loss], [xt])[0];
        return (loss.to_type(ScalarType.Float64).item<double>(), grad.to_type(ScalarType.Float32).data<float>().ToArray());
    }

    private static (double, double[]) TorchBce64(float[] x, float[] y, long[] xs)
    {
        using var scope = torch.NewDisposeScope();
        Tensor xt = torch.tensor(x, xs).to_type(ScalarType.Float64).requires_grad_(true);
        Tensor loss = F.binary_cross_entropy_with_logits(xt, torch.tensor(y, xs).to_type(ScalarType.Float64));
        Tensor grad = torch.autograd.grad([loss], [xt])[0];
        return (loss.item<double>(), grad.data<double>().ToArray());
    }
}
