using System.Text;
using System.Text.RegularExpressions;

namespace CarteAuth.Cli.Tests.Docs;

/// <summary>
/// The <c>carteauth</c> command lines shown in the documentation use the real CLI contract: every command line of a
/// ```sh block in README.md and docs/*.md names an existing command, and every option it passes is one that command
/// has (checked by asking the command itself for its help; values are not checked).
/// </summary>
public sealed partial class DocCommandLinesTests
{
    public static TheoryData<string, string> CommandLines
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (page, line) in Lines())
            {
                data.Add(page, line);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(CommandLines))]
    public async Task DocumentedCommandLine_UsesExistingCommandAndOptions(string page, string line)
    {
        var tokens = Tokenize(line);
        var path = new List<string>();
        string help = (await CliRun.RunAsync("--help")).Stdout;
        foreach (var token in tokens)
        {
            if (token.StartsWith('-'))
            {
                break;
            }

            var sub = await CliRun.RunAsync([.. path, token, "--help"]);
            if (sub.ExitCode != 0 || !Regex.IsMatch(help, @"^\s+" + Regex.Escape(token) + @"\b", RegexOptions.Multiline))
            {
                break; // an argument, not a subcommand
            }

            path.Add(token);
            help = sub.Stdout;
        }

        Assert.True(path.Count > 0, $"{page}: `{line}`: no such carteauth command.");
        var missing = tokens.Where(t => t.StartsWith("--", StringComparison.Ordinal) && t.Length > 2)
            .Select(t => t.Split('=')[0])
            .Where(o => o != "--json" && o != "--help" && !Regex.IsMatch(help, @"(^|[\s,])" + Regex.Escape(o) + @"\b", RegexOptions.Multiline))
            .ToList();
        Assert.True(missing.Count == 0, $"{page}: `{line}`: 'carteauth {string.Join(' ', path)}' has no option {string.Join(", ", missing)}.\n{help}");
    }

    [Fact]
    public void CommandLinesAreFound()
    {
        var lines = Lines();
        Assert.True(lines.Count >= 20, $"Only {lines.Count} carteauth command lines found in the docs.");
        Assert.Contains(lines, l => l.Line.StartsWith("carteauth token keygen", StringComparison.Ordinal));
    }

    private static List<(string Page, string Line)> Lines()
    {
        var pages = new[] { RepositoryPaths.Of("README.md") }.Concat(Directory.GetFiles(RepositoryPaths.Of("docs"), "*.md").Order(StringComparer.Ordinal));
        var result = new List<(string, string)>();
        foreach (var page in pages)
        {
            var name = Path.GetRelativePath(RepositoryPaths.Root, page).Replace('\\', '/');
            var inShell = false;
            var pending = new StringBuilder();
            foreach (var raw in File.ReadAllLines(page))
            {
                if (raw.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    inShell = !inShell && raw.TrimStart().StartsWith("```sh", StringComparison.Ordinal);
                    continue;
                }

                if (!inShell)
                {
                    continue;
                }

                var line = raw.Trim();
                if (pending.Length > 0 || line.StartsWith("carteauth ", StringComparison.Ordinal))
                {
                    pending.Append(line.TrimEnd('\\').Trim()).Append(' ');
                    if (!line.EndsWith('\\'))
                    {
                        result.Add((name, pending.ToString().Trim()));
                        pending.Clear();
                    }
                }
            }
        }

        return result;
    }

    // Shell words after "carteauth", up to a comment, a pipe or a redirection; quotes removed.
    private static List<string> Tokenize(string line)
    {
        var words = new List<string>();
        foreach (Match m in Word().Matches(line))
        {
            var w = m.Value;
            if (w.StartsWith('#') || w is "|" or "<" or ">" or "&&" or ";")
            {
                break;
            }

            words.Add(w.Trim('"', '\''));
        }

        return words.Skip(1).ToList();
    }

    [GeneratedRegex("""'[^']*'|"[^"]*"|[^\s]+""")]
    private static partial Regex Word();
}
