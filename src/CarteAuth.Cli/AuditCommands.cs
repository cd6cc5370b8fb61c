using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CarteAuth.Audit;

namespace CarteAuth.Cli;

/// <summary><c>carteauth audit verify</c>: walks a SQLite audit trail's hash chain and reports the first broken link.</summary>
internal static class AuditCommands
{
    public static Command Create(CliContext context)
    {
        var db = new Option<string>("--db") { Description = "The SQLite audit database (opened read-only, never created).", Required = true };
        var head = new Option<string?>("--expect-head")
        {
            Description = "The head recorded earlier ('sequence:hex-hash', as printed by this command): detects events removed from the end.",
        };
        var verify = new Command("verify", "Verify an audit trail's hash chain. Exit 0 intact, 1 broken (first broken link reported), 2 unreadable store or bad input.");
        verify.Options.Add(db);
        verify.Options.Add(head);
        context.SetHandler(verify, async (parse, ct) =>
        {
            var expected = parse.GetValue(head) is { } h ? AuditHead.Parse(h) : null;
            await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = parse.GetValue(db)!, ReadOnly = true }, ct: ct).ConfigureAwait(false);
            var result = await AuditChainVerifier.VerifyAsync(store, expected, ct).ConfigureAwait(false);
            return Describe(result, store.Path);
        });

        var command = new Command("audit", "Audit trail: verify the hash chain.");
        command.Subcommands.Add(verify);
        return command;
    }

    internal static CliResult Describe(AuditVerificationResult result, string path)
    {
        var json = new JsonObject
        {
            ["ok"] = result.IsValid,
            ["store"] = path,
            ["eventsChecked"] = result.EventsChecked,
            ["head"] = result.LastEvent?.ToHead().ToString(),
        };
        string text;
        if (result.IsValid)
        {
            text = result.LastEvent is { } last
                ? $"intact: {result.EventsChecked} events, head {last.ToHead()} (record it and pass it with --expect-head next time to detect truncation)"
                : "intact: the audit trail is empty";
        }
        else
        {
            json["reasonCode"] = result.ReasonCode;
            json["brokenAtSequence"] = result.BrokenAtSequence;
            json["error"] = result.Message;
            text = string.Create(CultureInfo.InvariantCulture, $"broken at event {result.BrokenAtSequence}: {result.Message} [{result.ReasonCode}]");
        }

        return new CliResult(result.IsValid ? ExitCodes.Accepted : ExitCodes.Rejected, json, text);
    }
}
