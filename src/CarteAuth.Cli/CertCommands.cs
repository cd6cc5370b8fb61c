using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using CarteAuth.Authentication;
using CarteAuth.SmartCard;

namespace CarteAuth.Cli;

/// <summary><c>carteauth cert inspect|verify</c>: IGC-Santé (CPS/CPx) card certificates from the command line.</summary>
internal static class CertCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("cert", "CPS/CPx card certificates: read the identity they carry, verify them against trust anchors.");
        command.Subcommands.Add(Inspect(context));
        command.Subcommands.Add(Verify(context));
        return command;
    }

    private static Argument<string> FileArgument() => new("file") { Description = "The certificate file, PEM or DER (for verify, a PEM may hold the chain after the card certificate)." };

    private static Command Inspect(CliContext context)
    {
        var file = FileArgument();
        var command = new Command("inspect", "Print the identity a card certificate carries (idNat, names, profession, structure, range, usages). Exit 0 read, 1 not a CPS/CPx subject, 2 unreadable file.") { file };
        context.SetHandler(command, (parse, _) =>
        {
            using var certificate = Load(parse.GetValue(file)!);
            if (!CpsCertificate.TryRead(certificate, out var info, out var code, out var message))
            {
                var refused = new JsonObject
                {
                    ["ok"] = false,
                    ["reasonCode"] = code,
                    ["error"] = message,
                    ["subject"] = certificate.Subject,
                    ["issuer"] = certificate.Issuer,
                    ["serial"] = certificate.SerialNumber,
                };
                return Task.FromResult(new CliResult(ExitCodes.Rejected, refused, $"not a CPS/CPx card certificate: {message} [{code}]"));
            }

            var assurance = info.Range is { } range ? IgcSanteRanges.DefaultAssurance(range) : AssuranceLevel.None;
            var json = Describe(info, assurance);
            return Task.FromResult(new CliResult(ExitCodes.Accepted, json, Text(info, assurance)));
        });
        return command;
    }

    private static Command Verify(CliContext context)
    {
        var file = FileArgument();
        var anchors = new Option<string[]>("--anchors", "-a") { Description = "Trust anchors: PEM/DER files or folders of them (IGC-Santé roots). Only these are trusted.", Required = true, AllowMultipleArgumentsPerToken = true };
        var intermediates = new Option<string[]>("--intermediates", "-i") { Description = "Intermediate CAs: PEM/DER files or folders (e.g. AC IGC-SANTE FORT PERSONNES).", AllowMultipleArgumentsPerToken = true };
        var ranges = new Option<IgcSanteRange[]>("--allow-range") { Description = "IGC-Santé ranges to accept (Fort, Standard, Elementaire); default Fort.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("verify", "Verify a card certificate: validity, chain to the given anchors only, range, usages, subject. Exit 0 accepted, 1 refused (with its reason code), 2 bad input.") { file, anchors, intermediates, ranges };
        context.SetHandler(command, async (parse, ct) =>
        {
            var chain = LoadAll(parse.GetValue(file)!);
            try
            {
                var options = new SmartCardOptions();
                foreach (var a in parse.GetValue(anchors) ?? [])
                {
                    options.TrustAnchorPaths.Add(a);
                }

                foreach (var i in parse.GetValue(intermediates) ?? [])
                {
                    options.IntermediatePaths.Add(i);
                }

                if (parse.GetValue(ranges) is { Length: > 0 } allowed)
                {
                    options.AllowedRanges.Clear();
                    foreach (var r in allowed)
                    {
                        options.AllowedRanges.Add(r);
                    }
                }

                var validator = new SmartCardCertificateValidator(options);
                var extra = new X509Certificate2Collection(chain.Skip(1).ToArray());
                var result = await validator.ValidateAsync(chain[0], extra, ct).ConfigureAwait(false);
                if (!result.IsValid)
                {
                    var refused = new JsonObject
                    {
                        ["ok"] = false,
                        ["reasonCode"] = result.ReasonCode,
                        ["error"] = result.Message,
                        ["idNat"] = result.Certificate?.Identity.NationalId.Value,
                        ["subject"] = chain[0].Subject,
                        ["issuer"] = chain[0].Issuer,
                        ["serial"] = chain[0].SerialNumber,
                        ["revocation"] = "not checked",
                    };
                    return new CliResult(ExitCodes.Rejected, refused, $"refused: {result.Message} [{result.ReasonCode}]\nrevocation: not checked");
                }

                var json = Describe(result.Certificate!, result.Assurance);
                json["accepted"] = true;
                json["revocation"] = "not checked";
                json["chainIssuer"] = result.IssuerCertificate?.Subject;
                return new CliResult(ExitCodes.Accepted, json, "accepted\n" + Text(result.Certificate!, result.Assurance) + "revocation: not checked");
            }
            finally
            {
                foreach (var c in chain)
                {
                    c.Dispose();
                }
            }
        });
        return command;
    }

    private static X509Certificate2 Load(string path)
    {
        RequireFile(path);
        return CertificateFiles.LoadCertificate(path);
    }

    private static X509Certificate2Collection LoadAll(string path)
    {
        RequireFile(path);
        return CertificateFiles.LoadCertificates(path);
    }

    private static void RequireFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new CarteAuthException(ReasonCodes.CliFileNotFound, $"The certificate file '{full}' does not exist.");
        }
    }

    private static JsonObject Describe(CpsCertificateInfo info, AssuranceLevel assurance)
    {
        var identity = info.Identity;
        var structure = identity.Structures.FirstOrDefault();
        return new JsonObject
        {
            ["ok"] = true,
            ["idNat"] = identity.NationalId.Value,
            ["idNatKind"] = identity.NationalId.Kind.ToString(),
            ["cardKind"] = info.Kind.ToString(),
            ["testCard"] = info.IsTestCard,
            ["familyName"] = identity.FamilyName,
            ["givenName"] = identity.GivenName,
            ["displayName"] = identity.DisplayName,
            ["professionCode"] = identity.ProfessionCode,
            ["professionLabel"] = identity.ProfessionLabel,
            ["cardId"] = info.CardId,
            ["structure"] = structure is null ? null : new JsonObject
            {
                ["id"] = structure.Identifier.NationalValue,
                ["kind"] = structure.Identifier.Kind.ToString(),
                ["name"] = structure.Name,
            },
            ["structureProblem"] = info.StructureProblem,
            ["range"] = info.Range?.ToString().ToUpperInvariant(),
            ["assurance"] = Acr.ToValue(assurance),
            ["issuer"] = info.Issuer,
            ["issuerCommonName"] = info.IssuerCommonName,
            ["serial"] = info.SerialNumber,
            ["sha256"] = info.Sha256Thumbprint,
            ["notBefore"] = info.NotBefore.ToString("O", CultureInfo.InvariantCulture),
            ["notAfter"] = info.NotAfter.ToString("O", CultureInfo.InvariantCulture),
            ["clientAuth"] = info.HasClientAuth,
            ["digitalSignature"] = info.HasDigitalSignature,
        };
    }

    private static string Text(CpsCertificateInfo info, AssuranceLevel assurance)
    {
        var i = info.Identity;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"idNat:       {i.NationalId.Value} ({i.NationalId.Kind}{(info.IsTestCard ? ", test card" : string.Empty)})\n");
        sb.Append(CultureInfo.InvariantCulture, $"name:        {i.DisplayName}\n");
        sb.Append(CultureInfo.InvariantCulture, $"card:        {info.Kind}{(info.CardId is null ? string.Empty : " " + info.CardId)}\n");
        if (i.ProfessionLabel is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"profession:  {i.ProfessionLabel}{(i.ProfessionCode is null ? string.Empty : $" ({i.ProfessionCode})")}\n");
        }

        if (i.Structures.FirstOrDefault() is { } s)
        {
            sb.Append(CultureInfo.InvariantCulture, $"structure:   {s.Identifier.NationalValue} ({s.Identifier.Kind}) {s.Name}\n");
        }

        if (info.StructureProblem is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"structure:   none: {info.StructureProblem}\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"range:       {info.Range?.ToString().ToUpperInvariant() ?? "not IGC-Santé"} (assurance {Acr.ToValue(assurance)})\n");
        sb.Append(CultureInfo.InvariantCulture, $"issuer:      {info.Issuer}\n");
        sb.Append(CultureInfo.InvariantCulture, $"serial:      {info.SerialNumber}\n");
        sb.Append(CultureInfo.InvariantCulture, $"validity:    {info.NotBefore:O} to {info.NotAfter:O}\n");
        sb.Append(CultureInfo.InvariantCulture, $"usages:      clientAuth {(info.HasClientAuth ? "yes" : "NO")}, digitalSignature {(info.HasDigitalSignature ? "yes" : "NO")}\n");
        return sb.ToString();
    }
}
