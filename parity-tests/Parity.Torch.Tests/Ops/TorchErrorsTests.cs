using System.Runtime.InteropServices;
using Parity.Native;
using TorchSharp;

namespace Parity.Torch.Tests.Ops;

/// <summary>
/// <see cref="TorchErrors"/>: the first ATen line is extracted from libtorch's raw texts (a TorchScript traceback,
/// a C++ backtrace), and the Python class follows the ATen macro.
/// </summary>
public sealed class TorchErrorsTests
{
    public sealed class FirstLine
    {
        [Fact]
        public void InterpreterWrapper_FromLibtorch_Removed()
        {
            TorchAvailability.RequireTorch();
            // A raw TorchScript failure, produced by libtorch itself (not through the backend).
            var unit = torch.jit.compile("def f(x: Tensor, t: Tensor) -> Tensor:\n    return torch.nll_loss_nd(x, t, None, 1, -100)\n");
            using var x = torch.zeros(2, 3);
            using var t = torch.tensor(new long[] { 0, 7 });
            var e = Assert.Throws<ExternalException>(() => unit.invoke("f", x, t));
            Assert.StartsWith("The following operation failed in the TorchScript interpreter.", e.Message, StringComparison.Ordinal);
            Assert.Equal("Target 7 is out of bounds.", TorchErrors.FirstLine(e.Message));
        }

        [Fact]
        public void CppBacktrace_FromLibtorch_Removed()
        {
            TorchAvailability.RequireTorch();
            using var t = torch.zeros(3, dtype: torch.int64);
            var e = Assert.ThrowsAny<Exception>(() => t.requires_grad_(true));
            Assert.Contains("\n", e.Message, StringComparison.Ordinal);
            Assert.Equal("Only Tensors of floating point and complex dtype can require gradients", TorchErrors.FirstLine(e.Message));
        }

        [Fact]
        public void WindowsLineEndings_Handled()
        {
            Assert.Equal("boom", TorchErrors.FirstLine("boom\r\nException raised from f at x.cpp:1"));
        }
    }

    public sealed class KindOf
    {
        [Theory]
        [InlineData("Target 3 is out of bounds.", TorchErrorKind.IndexError)]
        [InlineData("Target -100 is out of bounds.", TorchErrorKind.IndexError)]
        [InlineData("Dimension out of range (expected to be in range of [-2, 1], but got 2)", TorchErrorKind.IndexError)]
        [InlineData("Expected input batch_size (2) to match target batch_size (3).", TorchErrorKind.ValueError)]
        [InlineData("Expected 1 or more dimensions (got 0)", TorchErrorKind.ValueError)]
        [InlineData("\"nll_loss_out_frame\" not implemented for 'Long'", TorchErrorKind.NotImplementedError)]
        [InlineData("Could not run 'aten::empty.memory_format' with arguments from the 'SparseCPU' backend.", TorchErrorKind.NotImplementedError)]
        [InlineData("expected scalar type Long but found Float", TorchErrorKind.RuntimeError)]
        [InlineData("label_smoothing must be between 0.0 and 1.0. Got: 1.5", TorchErrorKind.RuntimeError)]
        public void Message_MapsToPythonClass(string message, TorchErrorKind kind)
        {
            Assert.Equal(kind, TorchErrors.KindOf(message));
        }
    }
}
