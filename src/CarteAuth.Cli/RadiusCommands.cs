using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CarteAuth.Audit;
using CarteAuth.Gateway.Radius;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Cli;

/// <summary>
/// <c>carteauth radius serve</c> runs the RADIUS server from a JSON configuration file; <c>carteauth radius test</c>
/// sends a PAP Access-Request (and answers a challenge with <c>--otp</c>) with the same codec.
/// </summary>
internal static class RadiusCommands
{
    /// <summary>The environment variable holding the shared secret when neither --secret nor --secret-file is given.</summary>
    public const string SecretVariable = "CARTEAUTH_RADIUS_SECRET";

    public static Command Create(CliContext context)
    {
        var command = new Command("radius", "RADIUS server for VPN concentrators: run it, or test one.");
        command.Subcommands.Add(Serve(context));
        command.Subcommands.Add(Test(context));
        return command;
    }

    private static Command Serve(CliContext context)
    {
        var config = new Option<string>("--config")
        {
            Description = "JSON file: \"Radius\" (RadiusServerOptions: Endpoint, Clients, Policy, UsersFile…), \"CarteAuth\" (policies), \"Audit\": { \"Path\", \"Durability\" } (SQLite audit trail; Durability PowerLoss, the default, or ProcessCrash), optional \"ProSanteConnect\" (for EnablePush). Relative paths are relative to the file.",
            Required = true,
        };
        var verbose = new Option<bool>("--verbose") { Description = "Log every request to standard error." };
        var serve = new Command("serve", "Run the RADIUS server until Ctrl+C. Exit 0 after a clean stop, 2 for an invalid configuration.");
        serve.Options.Add(config);
        serve.Options.Add(verbose);
        context.SetHandler(serve, async (parse, ct) =>
        {
            var path = Path.GetFullPath(parse.GetValue(config)!);
            CliContext.ReadFile(path, "RADIUS configuration"); // typed error when missing
            var directory = Path.GetDirectoryName(path)!;
            IConfiguration configuration;
            try
            {
                configuration = new ConfigurationBuilder().AddJsonFile(path, optional: false).Build();
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
            {
                throw new CarteAuthException(ReasonCodes.RadiusInvalidOptions, $"The configuration file '{path}' is not valid JSON: {e.Message}");
            }

            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Logging.ClearProviders();
            if (parse.GetValue(verbose))
            {
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Debug);
            }

            var auditPath = configuration["Audit:Path"] ?? throw new CarteAuthException(ReasonCodes.RadiusInvalidOptions, "The configuration has no \"Audit\": { \"Path\": \"…\" }: every RADIUS attempt is recorded in a SQLite audit trail.");
            var durability = SqliteAuditDurability.PowerLoss;
            if (configuration["Audit:Durability"] is { } durabilityText &&
                (!Enum.TryParse(durabilityText, ignoreCase: true, out durability) || !Enum.IsDefined(durability) || int.TryParse(durabilityText, out _)))
            {
                throw new CarteAuthException(ReasonCodes.RadiusInvalidOptions, $"\"Audit\": {{ \"Durability\": \"{durabilityText}\" }} is not a durability: use \"PowerLoss\" (the default: every event survives a power loss) or \"ProcessCrash\" (survives a crash of the server, not a power loss; faster).");
            }

            builder.Services.AddCarteAuthSqliteAudit(o =>
            {
                o.Path = Path.Combine(directory, auditPath);
                o.Durability = durability;
            });
            builder.Services.AddCarteAuthPolicies(configuration.GetSection("CarteAuth"));
            builder.Services.AddCarteAuthRadius(configuration.GetSection("Radius"));
            builder.Services.PostConfigure<RadiusServerOptions>(o => o.UsersFile = o.UsersFile is null ? null : Path.Combine(directory, o.UsersFile));
            if (configuration.GetSection("ProSanteConnect").Exists())
            {
                builder.Services.AddCarteAuthProSanteConnect(o => configuration.GetSection("ProSanteConnect").Bind(o));
            }

            using var host = builder.Build();
            var server = host.Services.GetRequiredService<RadiusServer>();
            await host.StartAsync(ct).ConfigureAwait(false);
            var endpoints = server.LocalEndPoints.Select(e => e.ToString()).ToArray();
            context.Progress("carteauth radius: listening on " + string.Join(", ", endpoints) + " (Ctrl+C stops)");
            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            var discarded = new JsonObject();
            foreach (var (code, count) in server.Discarded)
            {
                discarded[code] = count;
            }

            return new CliResult(
                ExitCodes.Accepted,
                new JsonObject { ["ok"] = true, ["endpoints"] = new JsonArray([.. endpoints.Select(e => JsonValue.Create(e))]), ["received"] = server.Received, ["duplicates"] = server.Duplicates, ["discarded"] = discarded },
                string.Create(CultureInfo.InvariantCulture, $"stopped: {server.Received} packets received, {server.Duplicates} duplicates, {server.Discarded.Values.Sum()} discarded"));
        });
        return serve;
    }

    private static Command Test(CliContext context)
    {
        var serverOption = new Option<string>("--server") { Description = "The server, address:port (e.g. 127.0.0.1:1812).", Required = true };
        var secret = new Option<string?>("--secret") { Description = $"The shared secret (prefer --secret-file or {SecretVariable}: command lines are visible to other users)." };
        var secretFile = new Option<string?>("--secret-file") { Description = "A file holding the shared secret." };
        var user = new Option<string>("--user") { Description = "User-Name.", Required = true };
        var password = new Option<string>("--password") { Description = "The PAP password.", Required = true };
        var otp = new Option<string?>("--otp") { Description = "Answer an Access-Challenge with this one-time code (or \"push\" for the e-CPS push)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for each try (default 3; raise it for the push).", DefaultValueFactory = _ => 3 };
        var tries = new Option<int>("--tries") { Description = "Tries per request, 1 to 10 (default 2).", DefaultValueFactory = _ => 2 };
        var test = new Command("test", "Send a PAP Access-Request (then the --otp answer to a challenge). Exit 0 Access-Accept, 1 reject, challenge, no reply or unverifiable reply (reason code), 2 bad input.");
        foreach (var option in new Option[] { serverOption, secret, secretFile, user, password, otp, timeout, tries })
        {
            test.Options.Add(option);
        }

        context.SetHandler(test, async (parse, ct) =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(serverOption)!, out var endpoint) || endpoint.Port == 0)
            {
                return CliResult.Error(ReasonCodes.CliUsage, $"--server '{parse.GetValue(serverOption)}' is not address:port (e.g. 127.0.0.1:1812).");
            }

            var shared = parse.GetValue(secret)
                ?? (parse.GetValue(secretFile) is { } file ? CliContext.ReadFile(file, "shared secret").TrimEnd('\r', '\n') : Environment.GetEnvironmentVariable(SecretVariable));
            if (string.IsNullOrEmpty(shared))
            {
                return CliResult.Error(ReasonCodes.CliUsage, $"No shared secret: give --secret-file, set {SecretVariable}, or --secret.");
            }

            var seconds = parse.GetValue(timeout);
            if (seconds is <= 0 or > 120 || parse.GetValue(tries) is < 1 or > 10)
            {
                return CliResult.Error(ReasonCodes.CliUsage, "--timeout must be 0 to 120 seconds and --tries 1 to 10.");
            }

            using var client = new RadiusUdpClient(endpoint, shared, TimeSpan.FromSeconds(seconds), parse.GetValue(tries));
            var reply = await client.AccessRequestAsync(parse.GetValue(user)!, parse.GetValue(password)!, cancellationToken: ct).ConfigureAwait(false);
            var challenged = reply.Code == RadiusCode.AccessChallenge;
            if (challenged && parse.GetValue(otp) is { } code && reply.State is { } state)
            {
                reply = await client.AccessRequestAsync(parse.GetValue(user)!, code, state, cancellationToken: ct).ConfigureAwait(false);
            }

            return Describe(reply, challenged);
        });
        return test;
    }

    internal static CliResult Describe(RadiusReply reply, bool challenged)
    {
        var name = reply.Code switch
        {
            RadiusCode.AccessAccept => "Access-Accept",
            RadiusCode.AccessReject => "Access-Reject",
            RadiusCode.AccessChallenge => "Access-Challenge",
            _ => null,
        };
        var json = new JsonObject
        {
            ["ok"] = reply.Accepted,
            ["reply"] = name,
            ["challenged"] = challenged,
            ["reasonCode"] = reply.ReasonCode,
            ["replyMessage"] = reply.ReplyMessage,
            ["class"] = reply.Class,
            ["sessionTimeout"] = reply.SessionTimeout,
            ["state"] = reply.State is { } s ? Convert.ToHexStringLower(s) : null,
            ["error"] = reply.Error,
        };
        var text = reply.Accepted
            ? $"Access-Accept{(challenged ? " after the challenge" : string.Empty)} (class {reply.Class ?? "-"}, session timeout {reply.SessionTimeout?.ToString(CultureInfo.InvariantCulture) ?? "-"} s)"
            : $"{name ?? "no verified reply"}: {reply.Error ?? reply.ReplyMessage ?? string.Empty} [{reply.ReasonCode}]{(reply.Code == RadiusCode.AccessChallenge ? " (answer with --otp <code>)" : string.Empty)}";
        return new CliResult(reply.Accepted ? ExitCodes.Accepted : ExitCodes.Rejected, json, text);
    }
}
