using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CarteAuth.Authentication;
using CarteAuth.IO;
using CarteAuth.Tokens;
using Microsoft.Extensions.Options;

namespace CarteAuth.Cli;

/// <summary><c>carteauth token keygen|jwks|issue|validate</c>: CarteAuth session tokens from the command line.</summary>
internal static class TokenCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("token", "Session tokens: generate keys, export JWKS, issue and validate tokens.");
        command.Subcommands.Add(KeyGen(context));
        command.Subcommands.Add(Jwks(context));
        command.Subcommands.Add(Issue(context));
        command.Subcommands.Add(Validate(context));
        return command;
    }

    private static Option<SessionTokenAlgorithm> AlgorithmOption() => new("--alg")
    {
        Description = "Signing algorithm: ES256 (P-256), PS256 or RS256 (RSA 2048).",
        DefaultValueFactory = _ => SessionTokenAlgorithm.ES256,
    };

    private static Option<string> KeyOption(bool required) => new("--key", "-k")
    {
        Description = "PEM key file (private key to issue; private or public key to validate).",
        Required = required,
    };

    private static Option<string> IssuerOption() => new("--issuer") { Description = "Token issuer (iss), e.g. https://portal.chu.example.", Required = true };

    private static Option<string> AudienceOption() => new("--audience") { Description = "Token audience (aud), e.g. portal.", Required = true };

    private static Command KeyGen(CliContext context)
    {
        var alg = AlgorithmOption();
        var kid = new Option<string?>("--kid") { Description = "Key id; default: the RFC 7638 JWK thumbprint." };
        var output = new Option<string>("--out", "-o") { Description = "Where to write the private key (PEM, PKCS#8, mode 0600).", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };
        var command = new Command("keygen", "Generate a signing key and write it as PEM; prints its kid and public JWKS.") { alg, kid, output, force };
        context.SetHandler(command, (parse, _) =>
        {
            var path = Path.GetFullPath(parse.GetValue(output)!);
            if (File.Exists(path) && !parse.GetValue(force))
            {
                throw new CarteAuthException(ReasonCodes.CliUsage, $"'{path}' already exists; choose another --out or pass --force to overwrite it.");
            }

            using var key = SessionSigningKey.Generate(parse.GetValue(alg), parse.GetValue(kid));
            SecretFile.Write(path, key.ExportPrivateKeyPem());
            var jwks = SigningKeyRing.Create(key).ToJwksJson();
            var json = new JsonObject { ["ok"] = true, ["kid"] = key.Kid, ["alg"] = key.Algorithm.ToJwa(), ["file"] = path, ["jwks"] = JsonNode.Parse(jwks) };
            return Task.FromResult(new CliResult(ExitCodes.Accepted, json, $"wrote {key.Algorithm.ToJwa()} key '{key.Kid}' to {path}"));
        });
        return command;
    }

    private static Command Jwks(CliContext context)
    {
        var alg = AlgorithmOption();
        var keys = new Option<string[]>("--key", "-k") { Description = "PEM key files; the first is the active key.", Required = true, AllowMultipleArgumentsPerToken = true };
        var command = new Command("jwks", "Print the public JWKS of one or more keys (publish it at /.well-known/carteauth/jwks.json).") { alg, keys };
        context.SetHandler(command, (parse, _) =>
        {
            var loaded = parse.GetValue(keys)!.Select(k => LoadPem(k, parse.GetValue(alg))).ToArray();
            try
            {
                var jwks = SigningKeyRing.Create(loaded[0], loaded[1..]).ToJwksJson();
                var json = JsonNode.Parse(jwks)!.AsObject();
                return Task.FromResult(new CliResult(ExitCodes.Accepted, json, jwks));
            }
            finally
            {
                Array.ForEach(loaded, k => k.Dispose());
            }
        });
        return command;
    }

    private static Command Issue(CliContext context)
    {
        var alg = AlgorithmOption();
        var key = KeyOption(required: true);
        var issuer = IssuerOption();
        var audience = AudienceOption();
        var evidence = new Option<string>("--evidence", "-e") { Description = "Evidence JSON file (or - for standard input) the token is issued for.", Required = true };
        var lifetime = new Option<TimeSpan?>("--lifetime") { Description = "Token lifetime (hh:mm:ss); default 01:00:00." };
        var session = new Option<string?>("--session-id") { Description = "Session id (sid); default: a new session." };
        var command = new Command("issue", "Issue a session token for evidence; prints the token.") { alg, key, issuer, audience, evidence, lifetime, session };
        context.SetHandler(command, async (parse, ct) =>
        {
            using var signingKey = LoadPem(parse.GetValue(key)!, parse.GetValue(alg));
            var options = TokenOptions(parse.GetValue(issuer)!, parse.GetValue(audience)!);
            if (parse.GetValue(lifetime) is { } l)
            {
                options.Lifetime = l;
            }

            var proof = EvidenceJson.Parse(CliContext.ReadFile(parse.GetValue(evidence)!, "evidence"));
            var issuerService = new SessionTokenIssuer(new StaticSigningKeyProvider(SigningKeyRing.Create(signingKey)), Options.Create(options), new InMemoryRevocationEpochStore(), TimeProvider.System);
            var issued = await issuerService.IssueAsync(proof, parse.GetValue(session), ct).ConfigureAwait(false);
            var json = new JsonObject
            {
                ["ok"] = true,
                ["token"] = issued.Token,
                ["tokenId"] = issued.TokenId,
                ["sessionId"] = issued.SessionId,
                ["kid"] = issued.KeyId,
                ["expiresAt"] = issued.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
            };
            return new CliResult(ExitCodes.Accepted, json, issued.Token);
        });
        return command;
    }

    private static Command Validate(CliContext context)
    {
        var alg = AlgorithmOption();
        var key = KeyOption(required: false);
        var jwks = new Option<string?>("--jwks") { Description = "JWKS file holding the validation keys (instead of --key)." };
        var issuer = IssuerOption();
        var audience = AudienceOption();
        var token = new Option<string>("--token", "-t") { Description = "The token, or - to read it from standard input.", Required = true };
        var command = new Command("validate", "Validate a session token. Exit 0 valid, 1 invalid (with its reason code), 2 bad input.") { alg, key, jwks, issuer, audience, token };
        context.SetHandler(command, async (parse, ct) =>
        {
            var keyFile = parse.GetValue(key);
            var jwksFile = parse.GetValue(jwks);
            if ((keyFile is null) == (jwksFile is null))
            {
                throw new CarteAuthException(ReasonCodes.CliUsage, "Give the validation keys with exactly one of --key <pem> or --jwks <file>.");
            }

            var ring = keyFile is not null
                ? SigningKeyRing.Create(LoadPem(keyFile, parse.GetValue(alg)))
                : SigningKeyRing.FromJwksJson(CliContext.ReadFile(jwksFile!, "JWKS"));
            var raw = parse.GetValue(token)!;
            var text = raw == "-" ? Console.In.ReadToEnd().Trim() : raw;
            var validator = new SessionTokenValidator(new StaticSigningKeyProvider(ring), Options.Create(TokenOptions(parse.GetValue(issuer)!, parse.GetValue(audience)!)), new InMemoryRevocationEpochStore(), TimeProvider.System);
            var result = await validator.ValidateAsync(text, ct: ct).ConfigureAwait(false);
            return Describe(result);
        });
        return command;
    }

    internal static CliResult Describe(SessionTokenValidationResult result)
    {
        if (!result.IsValid)
        {
            var failure = new JsonObject { ["ok"] = false, ["reasonCode"] = result.ReasonCode, ["error"] = result.Message };
            return new CliResult(ExitCodes.Rejected, failure, $"invalid: {result.Message} [{result.ReasonCode}]");
        }

        var c = result.Claims!;
        var json = new JsonObject
        {
            ["ok"] = true,
            ["subject"] = c.Subject,
            ["name"] = c.Name,
            ["profession"] = c.ProfessionCode,
            ["amr"] = new JsonArray([.. Amr.ToValues(c.Methods).Select(static v => (JsonNode)v)]),
            ["assurance"] = Acr.ToValue(c.Assurance),
            ["acr"] = c.Acr,
            ["phishingResistant"] = c.IsPhishingResistant,
            ["authenticator"] = c.Authenticator,
            ["authTime"] = c.AuthTime?.ToString("O", CultureInfo.InvariantCulture),
            ["issuedAt"] = c.IssuedAt.ToString("O", CultureInfo.InvariantCulture),
            ["expiresAt"] = c.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
            ["tokenId"] = c.TokenId,
            ["sessionId"] = c.SessionId,
            ["epoch"] = c.Epoch,
            ["kid"] = c.KeyId,
        };
        return new CliResult(ExitCodes.Accepted, json, $"valid: {c.Subject} ({c.Name}), {Amr.Format(c.Methods)}, {Acr.ToValue(c.Assurance)}, expires {c.ExpiresAt:O}");
    }

    private static SessionTokenOptions TokenOptions(string issuer, string audience) => new() { Issuer = issuer, Audience = audience };

    private static SessionSigningKey LoadPem(string path, SessionTokenAlgorithm algorithm) =>
        SessionSigningKey.FromPem(CliContext.ReadFile(path, "key"), algorithm);
}
