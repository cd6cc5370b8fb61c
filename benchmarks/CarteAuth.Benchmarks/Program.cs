using BenchmarkDotNet.Running;

namespace CarteAuth.Benchmarks;

/// <summary>Runs the benchmarks of this assembly; choose them with BenchmarkDotNet's arguments (e.g. <c>--filter '*TokenValidation*'</c>).</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
