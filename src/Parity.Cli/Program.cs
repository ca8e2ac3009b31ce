namespace Parity.Cli;

/// <summary>The process entry point.</summary>
internal static class Program
{
    private static int Main(string[] args) => ParityApp.Execute(args);
}
