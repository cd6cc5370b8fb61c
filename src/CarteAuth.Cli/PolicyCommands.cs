using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CarteAuth.Authentication;
using CarteAuth.Policies;

namespace CarteAuth.Cli;

/// <summary><c>carteauth policy check</c>: evaluates a policy file against an evidence JSON.</summary>
internal static class PolicyCommands
{
    public static Command Create(CliContext context)
    {
        var policyFile = new Option<string>("--policy", "-p") { Description = "Policy file: { \"Policies\": { \"name\": { … } } }.", Required = true };
        var name = new Option<string?>("--name", "-n") { Description = "Policy to evaluate (optional when the file has exactly one)." };
        var evidenceFile = new Option<string>("--evidence", "-e") { Description = "Evidence JSON file (see docs), or - for standard input.", Required = true };
        var zone = new Option<NetworkZone>("--zone") { Description = "Network zone of the request: Internal or Remote.", DefaultValueFactory = _ => NetworkZone.Internal };
        var breakGlass = new Option<string?>("--break-glass-reason") { Description = "Ask for break-glass access with this reason." };
        var at = new Option<DateTimeOffset?>("--at") { Description = "Evaluation time (ISO 8601); default now." };

        var check = new Command("check", "Evaluate a policy against evidence. Exit 0 allow, 1 deny or step-up, 2 bad input.");
        check.Options.Add(policyFile);
        check.Options.Add(name);
        check.Options.Add(evidenceFile);
        check.Options.Add(zone);
        check.Options.Add(breakGlass);
        check.Options.Add(at);
        context.SetHandler(check, (parse, _) =>
        {
            var policies = PolicyConfigurationLoader.LoadFile(parse.GetValue(policyFile)!);
            var wanted = parse.GetValue(name);
            CompiledPolicy? policy;
            if (wanted is null)
            {
                if (policies.Count != 1)
                {
                    throw new CarteAuthException(CliApp.UsageReasonCode, $"The policy file defines {policies.Count} policies; choose one with --name: {string.Join(", ", policies.Keys.Order(StringComparer.Ordinal))}.");
                }

                policy = policies.Values[0];
            }
            else if (!policies.TryGetValue(wanted, out policy))
            {
                throw new CarteAuthException(ReasonCodes.UnknownPolicy, $"No policy named '{wanted}' in the file; it defines: {string.Join(", ", policies.Keys.Order(StringComparer.Ordinal))}.");
            }

            var evidence = EvidenceJson.Parse(CliContext.ReadFile(parse.GetValue(evidenceFile)!, "evidence"));
            var now = parse.GetValue(at) ?? DateTimeOffset.UtcNow;
            var decision = policy.Evaluate(new PolicyContext(evidence, now, parse.GetValue(zone), parse.GetValue(breakGlass)));
            return Task.FromResult(Describe(decision, evidence, now));
        });

        var command = new Command("policy", "Policies: check a policy file against evidence.");
        command.Subcommands.Add(check);
        return command;
    }

    internal static CliResult Describe(PolicyDecision decision, AuthenticationEvidence? evidence, DateTimeOffset now)
    {
        var json = new JsonObject
        {
            ["ok"] = decision.IsAllowed,
            ["policy"] = decision.PolicyName,
            ["decision"] = decision.Outcome switch { PolicyOutcome.Allow => "allow", PolicyOutcome.Deny => "deny", _ => "step-up" },
            ["reasonCode"] = decision.ReasonCode,
            ["breakGlassUsed"] = decision.BreakGlassUsed,
            ["breakGlassAvailable"] = decision.BreakGlassAvailable,
            ["subject"] = evidence?.Identity.NationalId.Value,
            ["evaluatedAt"] = now.ToString("O", CultureInfo.InvariantCulture),
        };
        var text = $"{json["decision"]}: {decision.ReasonCode} (policy '{decision.PolicyName}')";
        if (decision.Outcome == PolicyOutcome.StepUp)
        {
            var s = decision.StepUp;
            json["stepUp"] = new JsonObject
            {
                ["minimumAssurance"] = Acr.ToValue(s.MinimumAssurance),
                ["acceptedMethods"] = new JsonArray([.. Amr.ToValues(s.AcceptedMethods).Select(static v => (JsonNode)v)]),
                ["requiredMethods"] = new JsonArray([.. Amr.ToValues(s.RequiredMethods).Select(static v => (JsonNode)v)]),
                ["requirePhishingResistant"] = s.RequirePhishingResistant,
                ["minimumFactors"] = s.MinimumFactors,
                ["maxAuthenticationAge"] = s.MaxAuthenticationAge?.ToString("c", CultureInfo.InvariantCulture),
                ["unmet"] = new JsonArray([.. Enum.GetValues<UnmetRequirements>().Where(u => u != UnmetRequirements.None && s.Unmet.HasFlag(u)).Select(static u => (JsonNode)u.ToString())]),
                ["description"] = s.Describe(),
            };
            text += Environment.NewLine + "to proceed: " + s.Describe();
        }
        else if (decision.BreakGlassAvailable)
        {
            text += Environment.NewLine + "break-glass is available on this policy: retry with --break-glass-reason \"…\" (always audited).";
        }

        return new CliResult(decision.IsAllowed ? ExitCodes.Accepted : ExitCodes.Rejected, json, text);
    }
}
