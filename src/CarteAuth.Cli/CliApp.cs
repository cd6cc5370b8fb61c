using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CarteAuth.Cli;

/// <summary>Exit codes of every command (DESIGN.md contract).</summary>
internal static class ExitCodes
{
    public const int Accepted = 0;
    public const int Rejected = 1;
    public const int BadInput = 2;
}

/// <summary>What a command produced: an exit code, a JSON document for <c>--json</c>, and text for people.</summary>
internal sealed record CliResult(int ExitCode, JsonObject Json, string Text)
{
    public static CliResult Error(string reasonCode, string message) => new(
        ExitCodes.BadInput,
        new JsonObject { ["ok"] = false, ["reasonCode"] = reasonCode, ["error"] = message },
        $"error: {message} [{reasonCode}]");
}

/// <summary>The <c>carteauth</c> command line: builds the command tree, runs one command, writes its result.</summary>
internal static class CliApp
{
    internal static readonly JsonSerializerOptions JsonOutput = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The reason code of a usage error (unknown command, missing option, unparsable value).</summary>
    public const string UsageReasonCode = ReasonCodes.CliUsage;

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the result as JSON on standard output.",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("carteauth: CarteAuth's integrator tool (session tokens, policies, audit, card certificates, WebAuthn responses, Pro Santé Connect). Exit 0 accepted, 1 rejected (with a reason code), 2 bad usage or input.");
        root.Options.Add(Json);
        var context = new CliContext(stdout, stderr);
        root.Subcommands.Add(PolicyCommands.Create(context));
        root.Subcommands.Add(AuditCommands.Create(context));
        root.Subcommands.Add(TokenCommands.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(CertCommands.Create(context));
        root.Subcommands.Add(DevPkiCommand.Create(context));
        root.Subcommands.Add(WebAuthnCommands.Create(context));
        root.Subcommands.Add(PscCommands.Create(context));
        root.Subcommands.Add(RadiusCommands.Create(context));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var message = string.Join(" ", parse.Errors.Select(static e => e.Message)) + " Run 'carteauth --help' for usage.";
            context.Write(parse, CliResult.Error(UsageReasonCode, message));
            return ExitCodes.BadInput;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Shared plumbing for commands: runs a handler, turns typed errors into exit code 2, writes output.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    public void SetHandler(Command command, Func<ParseResult, CancellationToken, Task<CliResult>> handler)
    {
        command.SetAction(async (parse, ct) =>
        {
            CliResult result;
            try
            {
                result = await handler(parse, ct).ConfigureAwait(false);
            }
            catch (CarteAuthException e)
            {
                result = CliResult.Error(e.ReasonCode, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                result = CliResult.Error(ReasonCodes.CliIoError, e.Message);
            }

            Write(parse, result);
            return result.ExitCode;
        });
    }

    /// <summary>A progress line for people (standard error), e.g. a long-running command saying it is ready.</summary>
    public void Progress(string line) => stderr.WriteLine(line);

    public void Write(ParseResult parse, CliResult result)
    {
        if (parse.GetValue(CliApp.Json))
        {
            stdout.WriteLine(result.Json.ToJsonString(CliApp.JsonOutput));
        }
        else if (result.ExitCode == ExitCodes.BadInput)
        {
            stderr.WriteLine(result.Text);
        }
        else
        {
            stdout.WriteLine(result.Text);
        }
    }

    /// <summary>Reads a file given on the command line, with a typed error naming it when it cannot be read.</summary>
    public static string ReadFile(string path, string what)
    {
        if (path == "-")
        {
            return Console.In.ReadToEnd();
        }

        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new CarteAuthException(ReasonCodes.CliFileNotFound, $"The {what} file '{full}' does not exist.");
        }

        return File.ReadAllText(full);
    }
}
