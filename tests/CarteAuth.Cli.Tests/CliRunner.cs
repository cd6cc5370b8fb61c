global using CarteAuth.Testing;
using System.Text.Json.Nodes;

namespace CarteAuth.Cli.Tests;

/// <summary>Runs the carteauth command line in process and captures what it prints.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public JsonObject Json => JsonNode.Parse(Stdout)!.AsObject();

    public static async Task<CliRun> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}
