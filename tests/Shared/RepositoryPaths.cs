using System.Reflection;

namespace CarteAuth.Testing;

/// <summary>Paths of repository files (samples, docs) for tests, wherever their output folder is.</summary>
internal static class RepositoryPaths
{
    /// <summary>The repository root, recorded at build time by tests/Directory.Build.props.</summary>
    public static string Root { get; } = typeof(RepositoryPaths).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>A path under the repository root.</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);
}
