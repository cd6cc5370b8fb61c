using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Development;

namespace CarteAuth.Cli;

/// <summary><c>carteauth dev-pki</c>: writes a development PKI shaped like IGC-Santé, with the standard dev cards.</summary>
internal static class DevPkiCommand
{
    public static Command Create(CliContext context)
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder to write the PKI to (created if needed).", Required = true };
        var crl = new Option<string?>("--crl-url") { Description = "CRL distribution point written into card certificates, e.g. http://127.0.0.1:8080/fort-personnes.crl." };
        var ocsp = new Option<string?>("--ocsp-url") { Description = "OCSP responder written into card certificates, e.g. http://127.0.0.1:8081." };
        var range = new Option<IgcSanteRange>("--range") { Description = "Range of the card-issuing CA: Fort (default), Standard or Elementaire.", DefaultValueFactory = _ => IgcSanteRange.Fort };
        var force = new Option<bool>("--force") { Description = "Write into a folder that already holds files (replacing them)." };
        var command = new Command("dev-pki", "Write a development PKI (root, issuing CA, OCSP responder, CRL, doctor/pharmacist/nurse/staff cards). Never trust it in production.") { output, crl, ocsp, range, force };
        context.SetHandler(command, (parse, _) =>
        {
            var dir = Path.GetFullPath(parse.GetValue(output)!);
            if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any() && !parse.GetValue(force))
            {
                throw new CarteAuthException(ReasonCodes.CliUsage, $"'{dir}' already holds files; choose an empty --out or pass --force to replace the PKI there.");
            }

            var options = new DevPkiOptions
            {
                CrlUrl = ParseUrl(parse.GetValue(crl), "--crl-url"),
                OcspUrl = ParseUrl(parse.GetValue(ocsp), "--ocsp-url"),
                Range = parse.GetValue(range),
            };
            using var pki = DevPki.CreateWithStandardCards(options);
            Directory.CreateDirectory(dir);
            pki.WriteTo(dir);
            var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)
                .ToList();
            var cards = new JsonArray();
            var text = new StringBuilder($"wrote a development PKI ({parse.GetValue(range).ToString().ToUpperInvariant()}) to {dir}\n");
            text.Append("  anchor: root.pem; intermediate: intermediate.pem; PFX password: ").Append(options.PfxPassword).Append('\n');
            foreach (var card in pki.Cards)
            {
                cards.Add(new JsonObject
                {
                    ["name"] = card.Spec.Name,
                    ["idNat"] = card.Spec.NationalId,
                    ["certificate"] = $"cards/{card.Spec.Name}.pem",
                    ["serial"] = card.SerialHex,
                });
                text.Append("  card ").Append(card.Spec.Name).Append(": ").Append(card.Spec.NationalId).Append(" cards/").Append(card.Spec.Name).Append(".pem\n");
            }

            foreach (var f in files)
            {
                text.Append("  ").Append(f).Append('\n');
            }

            var json = new JsonObject
            {
                ["ok"] = true,
                ["directory"] = dir,
                ["range"] = parse.GetValue(range).ToString().ToUpperInvariant(),
                ["root"] = "root.pem",
                ["intermediate"] = "intermediate.pem",
                ["pfxPassword"] = options.PfxPassword,
                ["crlUrl"] = options.CrlUrl?.AbsoluteUri,
                ["ocspUrl"] = options.OcspUrl?.AbsoluteUri,
                ["cards"] = cards,
                ["files"] = new JsonArray([.. files.Select(static f => (JsonNode)f)]),
            };
            return Task.FromResult(new CliResult(ExitCodes.Accepted, json, text.ToString().TrimEnd()));
        });
        return command;
    }

    private static Uri? ParseUrl(string? value, string option)
    {
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CarteAuthException(ReasonCodes.CliUsage, $"{option} '{value}' is not an absolute http or https URL, e.g. http://127.0.0.1:8080/fort-personnes.crl.");
        }

        return uri;
    }
}
