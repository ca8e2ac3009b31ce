using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Parity.Comparison;
using Parity.Native;
using Xunit;
using Xunit.v3;

namespace Parity.Snapshots.Xunit;

/// <summary>
/// Snapshot assertions for xUnit v3 tests, named after the running test and kept beside its source file, as Verify
/// does: <c>{Type}.{Method}_{Parameters}.verified.txt</c> in the folder of the calling source file; a mismatch or a
/// missing snapshot writes <c>{…}.received.txt</c> beside it and fails the test.
/// </summary>
/// <remarks>
/// <para>Names: <c>{Type}</c> is the test class's name without namespace (nested classes joined with dots);
/// <c>{Method}</c> the test method's; <c>_{Parameters}</c> is present for theories only, one <c>name=value</c> per
/// argument joined with <c>_</c> (values in invariant culture; characters outside <c>[A-Za-z0-9.=-]</c> become
/// <c>-</c>). A <c>discriminator</c> adds <c>.{discriminator}</c>, for a test that verifies more than once.</para>
/// <para>Comparison: the one tolerance model of <see cref="SnapshotStore.Check"/> — <see cref="Tolerance.For"/> the
/// dtype unless given, int64 exact, NaN equal to NaN, ±∞ exact.</para>
/// <para>Accepting: <c>parity snapshot accept --dir FOLDER</c>, or run the tests with
/// <c>PARITY_SNAPSHOT_ACCEPT=true</c>, which accepts what a failing check received (the test then passes). Both are
/// refused when <c>CI=true</c>: in CI a missing or different snapshot always fails.</para>
/// <para>The folder comes from <see cref="CallerFilePathAttribute"/>, the path the compiler saw. Builds that map source
/// paths (<c>PathMap</c>, <c>ContinuousIntegrationBuild</c>) must run the tests from the source tree's build, or
/// pass <c>directory</c>.</para>
/// </remarks>
public static class Snapshot
{
    /// <summary>The environment variable that, set to <c>true</c> or <c>1</c> outside CI, accepts received content.</summary>
    public const string AcceptVariable = "PARITY_SNAPSHOT_ACCEPT";

    /// <summary>Checks one tensor (stored as <c>value</c>) against the running test's snapshot.</summary>
    /// <param name="tensor">The tensor produced now.</param>
    /// <param name="tolerance">Tolerance for floating values; null means per dtype.</param>
    /// <param name="discriminator">Appended to the name (<c>.{discriminator}</c>) when a test verifies more than once.</param>
    /// <param name="directory">The snapshot folder; null for the folder of the calling source file.</param>
    /// <param name="sourceFile">Filled in by the compiler.</param>
    /// <returns>The passing check.</returns>
    /// <exception cref="SnapshotMismatchException">The snapshot differs or is missing (a received file is written).</exception>
    public static SnapshotCheck Verify(Tensor tensor, Tolerance? tolerance = null, string? discriminator = null,
                                       string? directory = null, [CallerFilePath] string sourceFile = "")
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Verify(SnapshotContent.Of(new KeyValuePair<string, Tensor>("value", tensor)), tolerance, null, discriminator, directory, sourceFile);
    }

    /// <summary>Checks named tensors (written in ordinal name order) against the running test's snapshot.</summary>
    /// <param name="tensors">The named tensors produced now.</param>
    /// <param name="tolerance">Tolerance for floating values; null means per dtype.</param>
    /// <param name="discriminator">Appended to the name when a test verifies more than once.</param>
    /// <param name="directory">The snapshot folder; null for the folder of the calling source file.</param>
    /// <param name="sourceFile">Filled in by the compiler.</param>
    /// <returns>The passing check.</returns>
    /// <exception cref="SnapshotMismatchException">The snapshot differs or is missing (a received file is written).</exception>
    public static SnapshotCheck Verify(IReadOnlyDictionary<string, Tensor> tensors, Tolerance? tolerance = null, string? discriminator = null,
                                       string? directory = null, [CallerFilePath] string sourceFile = "")
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        return Verify(new SnapshotContent([], ordered), tolerance, null, discriminator, directory, sourceFile);
    }

    /// <summary>Checks full snapshot content (metadata, tensors, error text) against the running test's snapshot.</summary>
    /// <param name="content">The content produced now.</param>
    /// <param name="tolerance">Tolerance for floating values; null means per dtype.</param>
    /// <param name="perTensor">Tolerances by tensor name, overriding <paramref name="tolerance"/>.</param>
    /// <param name="discriminator">Appended to the name when a test verifies more than once.</param>
    /// <param name="directory">The snapshot folder; null for the folder of the calling source file.</param>
    /// <param name="sourceFile">Filled in by the compiler.</param>
    /// <returns>The passing check.</returns>
    /// <exception cref="SnapshotMismatchException">The snapshot differs or is missing (a received file is written).</exception>
    /// <exception cref="InvalidOperationException">Called outside a running xUnit v3 test.</exception>
    public static SnapshotCheck Verify(SnapshotContent content, Tolerance? tolerance = null, IReadOnlyDictionary<string, Tolerance>? perTensor = null,
                                       string? discriminator = null, string? directory = null, [CallerFilePath] string sourceFile = "")
    {
        ArgumentNullException.ThrowIfNull(content);
        string name = CurrentName(discriminator);
        string dir = directory ?? Path.GetDirectoryName(sourceFile) ??
            throw new InvalidOperationException("Snapshot.Verify: no source folder known; pass directory");
        var store = new SnapshotStore(dir);
        var check = store.Check(name, content, tolerance, perTensor);
        if (check.Passed)
        {
            return check;
        }
        if (AcceptRequested() && !store.Options.IsCi)
        {
            store.Accept(n => n == name);
            return store.Check(name, content, tolerance, perTensor);
        }
        throw new SnapshotMismatchException(check);
    }

    /// <summary>The snapshot name of the running test: <c>{Type}.{Method}[_{Parameters}][.{discriminator}]</c>.</summary>
    /// <param name="discriminator">An optional suffix.</param>
    /// <exception cref="InvalidOperationException">Called outside a running xUnit v3 test.</exception>
    public static string CurrentName(string? discriminator = null)
    {
        var ctx = TestContext.Current;
        if (ctx.TestMethod is not IXunitTestMethod method || ctx.Test is not IXunitTest test)
        {
            throw new InvalidOperationException("Snapshot.Verify must be called from a running xUnit v3 test (TestContext.Current has no test)");
        }
        return NameFor(method.TestClass.Class, method.Method.Name, [.. method.Method.GetParameters().Select(p => p.Name ?? "arg")],
                       test.TestMethodArguments, discriminator);
    }

    /// <summary>The snapshot name for a test class, method and arguments (what <see cref="CurrentName"/> computes).</summary>
    /// <param name="testClass">The test class.</param>
    /// <param name="method">The test method's name.</param>
    /// <param name="parameterNames">The method's parameter names.</param>
    /// <param name="arguments">The arguments of this run (theory row); empty for a fact.</param>
    /// <param name="discriminator">An optional suffix.</param>
    public static string NameFor(Type testClass, string method, IReadOnlyList<string> parameterNames, IReadOnlyList<object?> arguments, string? discriminator = null)
    {
        ArgumentNullException.ThrowIfNull(testClass);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(parameterNames);
        ArgumentNullException.ThrowIfNull(arguments);
        var sb = new StringBuilder(TypeName(testClass)).Append('.').Append(Clean(method));
        for (int i = 0; i < arguments.Count; i++)
        {
            sb.Append('_');
            string param = i < parameterNames.Count ? parameterNames[i] : "arg" + i.ToString(CultureInfo.InvariantCulture);
            sb.Append(Clean(param)).Append('=').Append(Clean(Format(arguments[i])));
        }
        if (!string.IsNullOrEmpty(discriminator))
        {
            sb.Append('.').Append(Clean(discriminator));
        }
        string name = sb.ToString();
        SnapshotNames.Validate(name);
        return name;
    }

    private static string TypeName(Type t)
    {
        string own = t.Name;
        int tick = own.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            own = own[..tick];
        }
        own = Clean(own);
        return t.DeclaringType is { } outer ? TypeName(outer) + "." + own : own;
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => s.Length == 0 ? "empty" : s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };

    // Snapshot names allow [A-Za-z0-9._=-]; a parameter value's dots and '=' are kept, anything else becomes '-'.
    private static string Clean(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '=' or '-' ? c : '-');
        }
        string r = sb.ToString().Trim('.');
        // No empty dot-separated segment, and no leading dash.
        while (r.Contains("..", StringComparison.Ordinal))
        {
            r = r.Replace("..", ".", StringComparison.Ordinal);
        }
        return r.Length == 0 ? "-" : r;
    }

    private static bool AcceptRequested()
    {
        string? v = Environment.GetEnvironmentVariable(AcceptVariable);
        return string.Equals(v, "true", StringComparison.OrdinalIgnoreCase) || v == "1";
    }
}
