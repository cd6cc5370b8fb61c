using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using CarteAuth.Authentication;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Revocation;

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
        var ocsp = new Option<string?>("--ocsp") { Description = "Check revocation with OCSP: the responder of the certificate's AIA, or the URL given (e.g. http://ocsp.esante.gouv.fr).", Arity = ArgumentArity.ZeroOrOne };
        var crl = new Option<string?>("--crl") { Description = "Check revocation with the CRL: the certificate's distribution point, or the URL given. With --ocsp too, the CRL is asked only when OCSP has no fresh answer.", Arity = ArgumentArity.ZeroOrOne };
        var degraded = new Option<int?>("--degraded-minutes") { Description = "Degraded mode (\"débrayage\"): accept a certificate whose last good revocation answer is at most N minutes old when no fresh answer can be obtained. Default: fail closed." };
        var command = new Command("verify", "Verify a card certificate: validity, chain to the given anchors only, range, usages, subject, and revocation with --ocsp/--crl. Exit 0 accepted, 1 refused (with its reason code), 2 bad input.") { file, anchors, intermediates, ranges, ocsp, crl, degraded };
        context.SetHandler(command, async (parse, ct) =>
        {
            var ocspUrl = parse.GetResult(ocsp) is null ? null : new RevocationSource(Url(parse.GetValue(ocsp), "--ocsp"));
            var crlUrl = parse.GetResult(crl) is null ? null : new RevocationSource(Url(parse.GetValue(crl), "--crl"));
            var degradedMinutes = parse.GetValue(degraded);
            if (degradedMinutes is { } minutes && (minutes < 1 || minutes > 7 * 24 * 60))
            {
                throw new CarteAuthException(ReasonCodes.CliUsage, $"--degraded-minutes must be from 1 to {7 * 24 * 60} (got {minutes}).");
            }

            if (degradedMinutes is not null && ocspUrl is null && crlUrl is null)
            {
                throw new CarteAuthException(ReasonCodes.CliUsage, "--degraded-minutes applies to revocation checking: add --ocsp and/or --crl.");
            }

            var chain = LoadAll(parse.GetValue(file)!);
            using var http = ocspUrl is null && crlUrl is null ? null : new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
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

                var checker = http is null ? null : RevocationChecker(http, ocspUrl, crlUrl, degradedMinutes);
                var validator = new SmartCardCertificateValidator(options, checker);
                var extra = new X509Certificate2Collection(chain.Skip(1).ToArray());
                var result = await validator.ValidateAsync(chain[0], extra, ct).ConfigureAwait(false);
                var (revocation, revocationCode) = Revocation(result, checker is not null);
                var revocationText = revocationCode is null ? $"revocation: {revocation}" : $"revocation: {revocation} [{revocationCode}]";
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
                        ["revocation"] = revocation,
                        ["revocationReasonCode"] = revocationCode,
                        ["revocationMessage"] = result.Revocation?.Message,
                    };
                    return new CliResult(ExitCodes.Rejected, refused, $"refused: {result.Message} [{result.ReasonCode}]\n{revocationText}");
                }

                var json = Describe(result.Certificate!, result.Assurance);
                json["accepted"] = true;
                json["revocation"] = revocation;
                json["revocationReasonCode"] = revocationCode;
                json["revocationMessage"] = result.Revocation?.Message;
                json["chainIssuer"] = result.IssuerCertificate?.Subject;
                return new CliResult(ExitCodes.Accepted, json, "accepted\n" + Text(result.Certificate!, result.Assurance) + revocationText);
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

    /// <summary>An explicitly requested revocation source; <see cref="Url"/> null means "from the certificate".</summary>
    private sealed record RevocationSource(Uri? Url);

    private static Uri? Url(string? value, string option)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new CarteAuthException(ReasonCodes.CliUsage, $"{option} takes an absolute http or https URL, or nothing to use the certificate's own (got '{value}').");
        }

        return url;
    }

    private static ICertificateRevocationChecker? RevocationChecker(HttpClient http, RevocationSource? ocsp, RevocationSource? crl, int? degradedMinutes)
    {
        void Degrade(RevocationCheckerOptions o)
        {
            if (degradedMinutes is { } minutes)
            {
                o.FailurePolicy = RevocationFailurePolicy.Degraded;
                o.DegradedModeDuration = TimeSpan.FromMinutes(minutes);
            }
        }

        OcspRevocationChecker? ocspChecker = null;
        if (ocsp is not null)
        {
            var o = new OcspRevocationOptions { ResponderUrl = ocsp.Url };
            Degrade(o);
            ocspChecker = new OcspRevocationChecker(http, o);
        }

        CrlRevocationChecker? crlChecker = null;
        if (crl is not null)
        {
            var o = new CrlRevocationOptions { CrlUrl = crl.Url };
            Degrade(o);
            crlChecker = new CrlRevocationChecker(http, o);
        }

        return (ocspChecker, crlChecker) switch
        {
            ({ } first, { } second) => new CombinedRevocationChecker(first, second),
            ({ } only, null) => only,
            (null, { } only) => only,
            _ => null,
        };
    }

    /// <summary>The revocation outcome in one word (<c>good</c>, <c>revoked</c>, <c>unknown</c>, <c>unavailable</c>, <c>degraded</c>, <c>not checked</c>) and its reason code.</summary>
    private static (string Outcome, string? ReasonCode) Revocation(CertificateValidationResult result, bool checking)
    {
        if (result.Revocation is { } r)
        {
            var word = r.Degraded ? "degraded" : r.Status switch
            {
                RevocationStatus.Good => "good",
                RevocationStatus.Revoked => "revoked",
                RevocationStatus.Unknown => "unknown",
                _ => "unavailable",
            };
            return (word, r.ReasonCode);
        }

        // The checker threw (the validator refuses, fail closed) or the certificate was refused before revocation.
        return checking && result.ReasonCode == ReasonCodes.CertRevocationUnavailable
            ? ("unavailable", ReasonCodes.CertRevocationUnavailable)
            : ("not checked", null);
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
