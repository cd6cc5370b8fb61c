using System.Text.RegularExpressions;
using CarteAuth.Testing;

namespace CarteAuth.Docs.Tests;

/// <summary>
/// Every src project declares its <c>[LoggerMessage]</c> methods in ONE class declaration (CoreLog, Fido2Log, GatewayLog,
/// SmartCardLog, …). Why: the .NET 10 LoggerMessage source generator writes the log classes of an assembly into one
/// generated file in an order that varies between builds (dotnet/runtime#119587, sorted only from .NET 11); the file is
/// embedded in the PDB, so with two classes two builds of one commit can give different MVIDs and PDB ids, and the
/// packages are no longer byte-identical (SourceLinkPackTests). With one class there is nothing to order. The check reads
/// the source tree (formatted code: a declaration encloses what is indented below it).
/// </summary>
public sealed partial class OneLogClassPerAssemblyTests
{
    public static TheoryData<string> Projects
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var project in Directory.GetDirectories(RepositoryPaths.Of("src")).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(project));
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void LoggerMessageMethods_AreInOneClassDeclaration(string project)
    {
        var root = RepositoryPaths.Of("src", project);
        var declarations = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(root, f)))
            .Order(StringComparer.Ordinal)
            .SelectMany(f => LogClassDeclarations(File.ReadAllText(f)).Select(d => $"{Path.GetRelativePath(RepositoryPaths.Root, f).Replace('\\', '/')}: {d}"))
            .ToList();

        Assert.True(declarations.Count <= 1,
            $"src/{project} declares [LoggerMessage] methods in {declarations.Count} class declarations:\n  {string.Join("\n  ", declarations)}\n"
            + "The .NET 10 LoggerMessage source generator emits the log classes of an assembly into one file in a varying order "
            + "(dotnet/runtime#119587); the file is embedded in the PDB, so two builds of one commit get different MVIDs and PDB ids "
            + "and the package is not reproducible (SourceLinkPackTests). Move these methods into the project's one log class "
            + "(one partial class declaration, e.g. CoreLog, Fido2Log, GatewayLog, SmartCardLog), keeping each event id, level, "
            + "message and event name (set EventName to the old method name if a method must be renamed).");
    }

    [Fact]
    public void TheCheckerSeesEveryLogClassDeclaration()
    {
        // Guards the theory: the consolidated classes are found, and a nested class, a second partial declaration and a
        // class without log methods are told apart.
        Assert.Equal(["CoreLog (line 13)"], LogClassDeclarations(File.ReadAllText(RepositoryPaths.Of("src", "CarteAuth.Core", "CoreLog.cs"))));
        const string Source = """
            namespace N;

            /// <summary>class Doc</summary>
            public sealed partial class Service
            {
                public void Run() { }

                private static partial class Log
                {
                    [LoggerMessage(EventId = 1, Message = "{A} class B")]
                    public static partial void A(ILogger logger, string a);

                    [LoggerMessage(EventId = 2, Message = "B")]
                    public static partial void B(ILogger logger);
                }

                private sealed class Other
                {
                    public void C() { }
                }

                [LoggerMessage(EventId = 3, Message = "C")]
                private static partial void C(ILogger logger);
            }

            internal static partial class Log2
            {
                [LoggerMessage(EventId = 4, Message = "D")]
                public static partial void D(ILogger logger);
            }

            internal static partial class Log2
            {
                [LoggerMessage(EventId = 5, Message = "E")]
                public static partial void E(ILogger logger);
            }
            """;
        Assert.Equal(["Log (line 8)", "Service (line 4)", "Log2 (line 26)", "Log2 (line 32)"], LogClassDeclarations(Source));
        Assert.Empty(LogClassDeclarations("namespace N;\n\ninternal sealed class Quiet\n{\n    public void Run() { }\n}\n"));
    }

    /// <summary>The type declarations (name and line) that directly hold a <c>[LoggerMessage]</c> method, in order of first use.</summary>
    private static List<string> LogClassDeclarations(string source)
    {
        var found = new List<string>();
        var open = new Stack<(int Indent, string Declaration)>();
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var code = line.TrimStart();
            if (code.Length == 0 || code.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            // A line at a declaration's indentation closes it, unless it is that declaration's own brace.
            var indent = line.Length - code.Length;
            while (open.Count > 0 && (open.Peek().Indent > indent || (open.Peek().Indent == indent && code[0] is not ('{' or '}'))))
            {
                open.Pop();
            }

            if (TypeDeclaration().Match(code) is { Success: true } type)
            {
                open.Push((indent, $"{type.Groups["name"].Value} (line {i + 1})"));
            }
            else if (code.StartsWith("[LoggerMessage", StringComparison.Ordinal) && open.Count > 0 && !found.Contains(open.Peek().Declaration))
            {
                found.Add(open.Peek().Declaration);
            }
        }

        return found;
    }

    private static bool IsBuildOutput(string relative) =>
        relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        || relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    [GeneratedRegex(@"^(?:(?:public|internal|private|protected|static|sealed|abstract|partial|readonly|file|unsafe|new|ref)\s+)*(?:class|struct|interface|record(?:\s+class|\s+struct)?)\s+(?<name>\w+)")]
    private static partial Regex TypeDeclaration();
}
