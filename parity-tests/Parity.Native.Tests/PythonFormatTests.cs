namespace Parity.Native.Tests;

public sealed class PythonFormatTests
{
    /// <summary>Expected texts are CPython 3's <c>repr(float)</c> of the same values (run with python3 on this machine).</summary>
    [Theory]
    [InlineData(0.0, "0.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(1.0, "1.0")]
    [InlineData(-0.5, "-0.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e-4, "0.0001")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(2.5e-5, "2.5e-05")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1000000000000000.5, "1000000000000000.5")]
    [InlineData(123456789.0, "123456789.0")]
    [InlineData(1e22, "1e+22")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(-1e-7, "-1e-07")]
    [InlineData(9999999999999998.0, "9999999999999998.0")]
    [InlineData(1.5e-4, "0.00015")]
    [InlineData(0.00015000000000000001, "0.00015000000000000001")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    [InlineData(double.NaN, "nan")]
    public void Float_IsPythonsRepr(double value, string python) => Assert.Equal(python, PythonFormat.Float(value));
}
