using System.Reflection;
using System.Runtime.Loader;
using Parity.Harness.Ops;

namespace Parity.Cli;

/// <summary>
/// The backend under test chosen with <c>--backend</c>: <c>native</c> (the readable ops, the default), <c>fast</c>
/// (<see cref="FastBackend"/>), or <c>PATH.dll[:Type]</c>, a user's <see cref="IOpBackend"/> loaded from an assembly.
/// </summary>
/// <remarks>
/// The assembly is loaded into the default load context, so it shares <c>Parity.Harness</c> and <c>Parity.Native</c>
/// with the tool (it must be built against the same version); its other dependencies are resolved from its folder.
/// Without <c>:Type</c>, the assembly must hold exactly one public, non-abstract <see cref="IOpBackend"/> with a
/// public parameterless constructor.
/// </remarks>
internal static class BackendLoader
{
    public const string Help =
        "The implementation under test: native (default), fast (Parity.Native.Fast.FastLosses), or PATH.dll[:Type], " +
        "your IOpBackend; calls it does not implement (NotSupportedException, or not in ISupportedOps) count as unsupported";

    /// <summary>The backend for <paramref name="spec"/>, or null for the default.</summary>
    /// <exception cref="UsageException">The assembly or type cannot be loaded.</exception>
    public static IOpBackend? Load(string? spec, ParityHost host)
    {
        if (string.IsNullOrEmpty(spec) || spec == "native")
        {
            return null;
        }
        if (spec == "fast")
        {
            return new FastBackend();
        }
        string path = spec, type = "";
        int colon = spec.LastIndexOf(':');
        if (colon > 1 && !spec[(colon + 1)..].Contains('/', StringComparison.Ordinal) && !spec[(colon + 1)..].Contains('\\', StringComparison.Ordinal))
        {
            path = spec[..colon];
            type = spec[(colon + 1)..];
        }
        string full = host.Resolve(path);
        if (!File.Exists(full))
        {
            throw new UsageException($"--backend: no such assembly '{full}' (expected native, fast or PATH.dll[:Type])");
        }
        Assembly assembly;
        try
        {
            string folder = Path.GetDirectoryName(full)!;
            AssemblyLoadContext.Default.Resolving += (ctx, name) =>
            {
                string candidate = Path.Combine(folder, name.Name + ".dll");
                return File.Exists(candidate) ? ctx.LoadFromAssemblyPath(candidate) : null;
            };
            assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or IOException)
        {
            throw new UsageException($"--backend: cannot load '{full}': {e.Message}");
        }
        Type[] candidates;
        try
        {
            candidates = assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or TypeLoadException)
        {
            throw new UsageException($"--backend: cannot read the types of '{full}': {e.Message}");
        }
        var backends = candidates.Where(t => typeof(IOpBackend).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null).ToList();
        Type chosen;
        if (type.Length > 0)
        {
            chosen = backends.FirstOrDefault(t => t.FullName == type || t.Name == type)
                ?? throw new UsageException($"--backend: '{full}' has no public IOpBackend '{type}' with a parameterless constructor (it has: {Names(backends)})");
        }
        else if (backends.Count == 1)
        {
            chosen = backends[0];
        }
        else
        {
            throw new UsageException(backends.Count == 0
                ? $"--backend: '{full}' has no public IOpBackend with a parameterless constructor"
                : $"--backend: '{full}' has several IOpBackends; name one as PATH.dll:Type ({Names(backends)})");
        }
        try
        {
            return (IOpBackend)Activator.CreateInstance(chosen)!;
        }
        catch (TargetInvocationException e)
        {
            throw new UsageException($"--backend: the constructor of {chosen.FullName} threw: {e.InnerException?.Message ?? e.Message}");
        }
    }

    private static string Names(IEnumerable<Type> types) => string.Join(", ", types.Select(t => t.FullName));
}
