using Parity.Harness.Ops;
using Parity.Torch.PInvoke;

namespace Parity.Torch.Tests.PInvoke;

/// <summary>The reference side runs TorchScript with the graph executor's optimizations off, on every thread it uses.</summary>
public sealed class JitExecutorTests
{
    [Fact]
    public void SwitchIsFound_AndOff_OnEachThreadThatCompiledAUnit()
    {
        TorchAvailability.RequireTorch();
        Assert.True(JitExecutor.Available, "setGraphExecutorOptimize was not found in libtorch_cpu");
        bool? before = null, after = null;
        var thread = new Thread(() =>
        {
            before = JitExecutor.OptimizationEnabledOnThisThread();
            _ = OpScripts.Unit(OpCatalog.Get("sigmoid"));
            after = JitExecutor.OptimizationEnabledOnThisThread();
        });
        thread.Start();
        thread.Join();
        Assert.True(before, "a fresh thread starts with libtorch's default (optimizations on)");
        Assert.False(after, "compiling Parity's unit turns them off on that thread");
    }
}
