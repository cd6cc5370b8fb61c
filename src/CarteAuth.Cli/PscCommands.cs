using System.CommandLine;
using System.Text.Json.Nodes;
using CarteAuth.Authentication;
using CarteAuth.Oidc;
using CarteAuth.Tokens;

namespace CarteAuth.Cli;

/// <summary>
/// <c>carteauth psc discover|validate-id-token|ciba</c>: checks a Pro Santé Connect provider (production, BAS sandbox,
/// or the simulator) with CarteAuth's own client (<see cref="CarteAuth.Oidc"/>).
/// </summary>
/// <remarks>
/// Exit codes: 0 the provider answered as PSC does / the token is valid / the professional approved; 1 refused by
/// the provider or the checks (a <c>psc.*</c> reason code: provider unavailable, discovery failed, token refused,
/// CIBA denied or expired); 2 bad usage or input (<c>cli.usage</c>, <c>cli.file-not-found</c>,
/// <c>psc.invalid-options</c>).
/// </remarks>
internal static class PscCommands
{
    /// <summary>Environment variable holding the client secret of <c>psc ciba</c> (a secret never goes on the command line).</summary>
    internal const string ClientSecretVariable = "CARTEAUTH_PSC_CLIENT_SECRET";

    public static Command Create(CliContext context)
    {
        var command = new Command("psc", "Pro Santé Connect: check a provider's discovery document, validate an ID token, or run an e-CPS push (CIBA) sign-in as a smoke test.");
        command.Subcommands.Add(Discover(context));
        command.Subcommands.Add(ValidateIdToken(context));
        command.Subcommands.Add(Ciba(context));
        return command;
    }

    private static Option<string?> EnvironmentOption() => new("--environment")
    {
        Description = "A named PSC environment instead of an issuer URL: production or sandbox (BAS).",
    };

    private static Option<string?> IssuerOption() => new("--issuer") { Description = "The provider's issuer URL (e.g. the simulator's http://127.0.0.1:<port>/auth/realms/esante-wallet)." };

    private static Option<string> DiscoveryDocumentOption() => new("--discovery-document")
    {
        Description = $"The discovery document's path under the issuer (default PSC's {ProSanteConnectDefaults.DiscoveryDocumentName}; standard providers: {ProSanteConnectDefaults.StandardDiscoveryDocumentName}).",
        DefaultValueFactory = _ => ProSanteConnectDefaults.DiscoveryDocumentName,
    };

    private static Option<int> TimeoutOption(int seconds, string what) => new("--timeout")
    {
        Description = $"Seconds to wait for {what} (default {seconds}).",
        DefaultValueFactory = _ => seconds,
    };

    private static Command Discover(CliContext context)
    {
        var issuer = new Argument<string?>("issuer") { Description = "The provider's issuer URL (or use --environment).", Arity = ArgumentArity.ZeroOrOne };
        var environment = EnvironmentOption();
        var document = DiscoveryDocumentOption();
        var timeout = TimeoutOption(10, "each HTTP request");
        var command = new Command("discover", "Fetch and check the provider's discovery document and signing keys; print what it supports and what a PSC client would miss. Exit 0 usable, 1 unreachable or invalid (psc.* reason code), 2 bad usage.")
        {
            issuer, environment, document, timeout,
        };
        context.SetHandler(command, async (parse, ct) =>
        {
            var options = ProviderOptions(parse.GetValue(issuer), parse.GetValue(environment), parse.GetValue(document), clientId: null);
            using var http = Http(options, parse.GetValue(timeout));
            return await Judge(async () =>
            {
                var metadata = new PscProviderMetadataCache(options, http);
                var discovered = await metadata.DiscoverAsync(ct).ConfigureAwait(false);
                var keys = await metadata.GetSigningKeysAsync(ct).ConfigureAwait(false);
                var warnings = Warnings(discovered);
                var json = new JsonObject
                {
                    ["ok"] = true,
                    ["reasonCode"] = null,
                    ["issuer"] = discovered.Issuer,
                    ["discoveryUrl"] = discovered.DiscoveryUrl,
                    ["endpoints"] = new JsonObject
                    {
                        ["authorization"] = discovered.AuthorizationEndpoint,
                        ["token"] = discovered.TokenEndpoint,
                        ["userinfo"] = discovered.UserInfoEndpoint,
                        ["introspection"] = discovered.IntrospectionEndpoint,
                        ["endSession"] = discovered.EndSessionEndpoint,
                        ["backchannelAuthentication"] = discovered.BackchannelAuthenticationEndpoint,
                        ["jwks"] = discovered.JwksUri,
                    },
                    ["signingKeys"] = new JsonArray([.. keys.Keys.Select(k => (JsonNode?)new JsonObject { ["kid"] = k.Kid, ["kty"] = k.Kty, ["alg"] = k.Alg, ["use"] = k.Use })]),
                    ["scopes"] = Array(discovered.ScopesSupported),
                    ["acrValues"] = Array(discovered.AcrValuesSupported),
                    ["idTokenSigningAlgorithms"] = Array(discovered.IdTokenSigningAlgorithmsSupported),
                    ["tokenEndpointAuthMethods"] = Array(discovered.TokenEndpointAuthMethodsSupported),
                    ["codeChallengeMethods"] = Array(discovered.CodeChallengeMethodsSupported),
                    ["cibaDeliveryModes"] = Array(discovered.BackchannelTokenDeliveryModesSupported),
                    ["backchannelLogout"] = discovered.BackchannelLogoutSupported,
                    ["warnings"] = Array(warnings),
                };
                var text = string.Join(
                    Environment.NewLine,
                    [
                        $"PSC provider {discovered.Issuer} (discovery {discovered.DiscoveryUrl}): usable.",
                        $"  authorization {discovered.AuthorizationEndpoint}",
                        $"  token         {discovered.TokenEndpoint}",
                        $"  userinfo      {discovered.UserInfoEndpoint ?? "(none)"}",
                        $"  CIBA          {discovered.BackchannelAuthenticationEndpoint ?? "(none)"}",
                        $"  signing keys  {keys.Keys.Count} ({string.Join(", ", keys.Keys.Select(k => $"{k.Kid} {k.Kty}"))})",
                        $"  scopes        {Joined(discovered.ScopesSupported)}",
                        $"  acr values    {Joined(discovered.AcrValuesSupported)}",
                        .. warnings.Select(w => $"  warning: {w}"),
                    ]);
                return new CliResult(ExitCodes.Accepted, json, text);
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command ValidateIdToken(CliContext context)
    {
        var token = new Argument<string>("jwt") { Description = "The ID token (compact JWT), or - to read it from standard input." };
        var issuer = IssuerOption();
        var environment = EnvironmentOption();
        var clientId = new Option<string>("--client-id") { Description = "This client's id: the token's expected audience.", Required = true };
        var nonce = new Option<string?>("--nonce") { Description = "The nonce sent in the authorization request (checked when given)." };
        var level = new Option<string>("--level") { Description = "The lowest acceptable level: low, substantial (default: PSC's eidas1) or high.", DefaultValueFactory = _ => "substantial" };
        var maxAge = new Option<int?>("--max-age") { Description = "Seconds: refuse when the professional authenticated longer ago (needs auth_time)." };
        var document = DiscoveryDocumentOption();
        var timeout = TimeoutOption(10, "each HTTP request");
        var command = new Command("validate-id-token", "Validate an ID token as a PSC client does (OpenID Connect Core 1.0 §3.1.3.7: signature with the provider's keys, iss, aud/azp, exp/iat, nonce, acr); print its claims and the CarteAuth evidence they give. Exit 0 valid, 1 refused (psc.* reason code), 2 bad usage.")
        {
            token, issuer, environment, clientId, nonce, level, maxAge, document, timeout,
        };
        context.SetHandler(command, async (parse, ct) =>
        {
            var jwt = parse.GetValue(token)!;
            jwt = (jwt == "-" ? Console.In.ReadToEnd() : jwt).Trim();
            var options = ProviderOptions(parse.GetValue(issuer), parse.GetValue(environment), parse.GetValue(document), parse.GetValue(clientId));
            var expectations = new PscIdTokenExpectations
            {
                Nonce = parse.GetValue(nonce),
                MaxAge = parse.GetValue(maxAge) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                RequiredAssurance = ParseLevel(parse.GetValue(level)!),
                ConsumeNonce = false,
            };
            using var http = Http(options, parse.GetValue(timeout));
            return await Judge(async () =>
            {
                var metadata = new PscProviderMetadataCache(options, http);
                var validator = new PscTokenValidator(options, metadata, new InMemoryReplayCache(TimeProvider.System));
                var idToken = await validator.ValidateIdTokenAsync(jwt, expectations, ct).ConfigureAwait(false);
                var claims = JsonNode.Parse(Base64UrlJson(idToken.Token.EncodedPayload));
                var json = new JsonObject
                {
                    ["ok"] = true,
                    ["reasonCode"] = null,
                    ["subject"] = idToken.Subject,
                    ["issuer"] = idToken.Issuer,
                    ["acr"] = idToken.Acr,
                    ["assurance"] = Acr.ToValue(idToken.Assurance),
                    ["amr"] = Array(idToken.Amr),
                    ["authTime"] = idToken.AuthTime?.ToString("O"),
                    ["issuedAt"] = idToken.IssuedAt.ToString("O"),
                    ["expiresAt"] = idToken.ExpiresAt.ToString("O"),
                    ["sessionId"] = idToken.SessionId,
                    ["claims"] = claims,
                };
                var text = $"valid: ID token of {idToken.Subject} from {idToken.Issuer}, acr {idToken.Acr} ({Acr.ToValue(idToken.Assurance)}), amr [{string.Join(", ", idToken.Amr)}], expires {idToken.ExpiresAt:u}.";
                return new CliResult(ExitCodes.Accepted, json, text);
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Ciba(CliContext context)
    {
        var loginHint = new Option<string>("--login-hint") { Description = "The professional's idNat (e.g. 810002813839): PSC pushes the request to their e-CPS app.", Required = true };
        var issuer = IssuerOption();
        var environment = EnvironmentOption();
        var clientId = new Option<string>("--client-id") { Description = "This client's id (CIBA must be enabled for it at PSC).", Required = true };
        var secretFile = new Option<string?>("--client-secret-file") { Description = $"A file holding the client secret (client_secret_basic); or set {ClientSecretVariable}. Never on the command line." };
        var binding = new Option<string?>("--binding-message") { Description = "A short code shown on the phone and here, so the professional knows which request to approve." };
        var document = DiscoveryDocumentOption();
        var timeout = TimeoutOption(120, "the professional's approval");
        var command = new Command("ciba", "Smoke-test an e-CPS push sign-in (OpenID CIBA poll mode): ask PSC to push a request to the professional, wait for the answer, print the identity and evidence. Exit 0 approved, 1 denied/expired/refused (psc.* reason code), 2 bad usage.")
        {
            loginHint, issuer, environment, clientId, secretFile, binding, document, timeout,
        };
        context.SetHandler(command, async (parse, ct) =>
        {
            var options = ProviderOptions(parse.GetValue(issuer), parse.GetValue(environment), parse.GetValue(document), parse.GetValue(clientId));
            options.ClientSecret = ClientSecret(parse.GetValue(secretFile));
            var seconds = parse.GetValue(timeout);
            if (seconds <= 0)
            {
                throw new CarteAuthException(ReasonCodes.CliUsage, $"--timeout is {seconds}; give the seconds to wait for the approval, e.g. 120.");
            }

            options.Ciba.RequestedExpiry = TimeSpan.FromSeconds(seconds);
            options.Ciba.MaxWait = TimeSpan.FromSeconds(seconds);
            var request = new PscCibaRequest { LoginHint = parse.GetValue(loginHint)!.Trim(), BindingMessage = parse.GetValue(binding) };
            using var http = Http(options, 30);
            return await Judge(async () =>
            {
                var result = await new ProSanteConnectClient(options, http).Ciba.AuthenticateAsync(request, ct).ConfigureAwait(false);
                var identity = result.Identity;
                var evidence = result.Evidence;
                var json = new JsonObject
                {
                    ["ok"] = true,
                    ["reasonCode"] = null,
                    ["idNat"] = identity.NationalId.Value,
                    ["familyName"] = identity.FamilyName,
                    ["givenName"] = identity.GivenName,
                    ["professionCode"] = identity.ProfessionCode,
                    ["acr"] = evidence.Acr,
                    ["assurance"] = Acr.ToValue(evidence.Assurance),
                    ["amr"] = new JsonArray([.. Amr.ToValues(evidence.Methods).Select(v => (JsonNode?)v)]),
                    ["authenticatedAt"] = evidence.AuthenticatedAt.ToString("O"),
                    ["subject"] = result.IdToken.Subject,
                };
                var text = $"approved: {identity.NationalId} {identity.GivenName} {identity.FamilyName}, acr {evidence.Acr} ({Acr.ToValue(evidence.Assurance)}), amr [{string.Join(", ", Amr.ToValues(evidence.Methods))}].";
                return new CliResult(ExitCodes.Accepted, json, text);
            }).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs a check of the provider: its <c>psc.*</c> refusals are verdicts (exit 1), bad options are usage errors (exit 2).</summary>
    private static async Task<CliResult> Judge(Func<Task<CliResult>> check)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (PscException e) when (e.ReasonCode != ReasonCodes.PscInvalidOptions)
        {
            var json = new JsonObject { ["ok"] = false, ["reasonCode"] = e.ReasonCode, ["error"] = e.Message };
            if (e.AttemptedSubject is { } subject)
            {
                json["subject"] = subject;
            }

            return new CliResult(ExitCodes.Rejected, json, $"refused: {e.Message} [{e.ReasonCode}]");
        }
    }

    private static ProSanteConnectOptions ProviderOptions(string? issuer, string? environment, string? document, string? clientId)
    {
        var options = new ProSanteConnectOptions { DiscoveryDocumentName = document ?? ProSanteConnectDefaults.DiscoveryDocumentName, ClientId = clientId ?? string.Empty };
        if (environment is not null)
        {
            if (issuer is not null)
            {
                throw new CarteAuthException(ReasonCodes.CliUsage, "Give either an issuer or --environment, not both.");
            }

            var named = ProSanteConnectEnvironments.Find(environment)
                ?? throw new CarteAuthException(ReasonCodes.CliUsage, $"Unknown PSC environment '{environment}'; use {string.Join(" or ", ProSanteConnectEnvironments.All.Select(e => e.Name))}, or give the issuer URL.");
            return options.UseEnvironment(named);
        }

        if (string.IsNullOrWhiteSpace(issuer))
        {
            throw new CarteAuthException(ReasonCodes.CliUsage, "No provider given: pass the issuer URL (e.g. https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet) or --environment sandbox|production.");
        }

        options.Issuer = issuer.Trim();
        return options;
    }

    /// <summary>An HTTP client with the library's handler (no redirects), as the DI registration would give.</summary>
    private static HttpClient Http(ProSanteConnectOptions options, int timeoutSeconds) => timeoutSeconds > 0
        ? new HttpClient(ProSanteConnectClient.CreateHttpHandler(options)) { Timeout = TimeSpan.FromSeconds(timeoutSeconds) }
        : throw new CarteAuthException(ReasonCodes.CliUsage, $"--timeout is {timeoutSeconds}; give a number of seconds above 0.");

    private static string ClientSecret(string? file)
    {
        var secret = file is not null ? CliContext.ReadFile(file, "client secret").Trim() : Environment.GetEnvironmentVariable(ClientSecretVariable);
        return string.IsNullOrEmpty(secret)
            ? throw new CarteAuthException(ReasonCodes.CliUsage, $"No client secret: pass --client-secret-file <file> or set {ClientSecretVariable} (CIBA authenticates the client with client_secret_basic).")
            : secret;
    }

    private static AssuranceLevel ParseLevel(string value) => value.Trim().ToLowerInvariant() switch
    {
        "low" => AssuranceLevel.Low,
        "substantial" => AssuranceLevel.Substantial,
        "high" => AssuranceLevel.High,
        _ => throw new CarteAuthException(ReasonCodes.CliUsage, $"--level '{value}' is not a level; use low, substantial or high."),
    };

    /// <summary>What a Pro Santé Connect client needs that the document does not announce (lists it gives, only).</summary>
    private static List<string> Warnings(PscProviderMetadata metadata)
    {
        var warnings = new List<string>();
        Expect(metadata.ScopesSupported, "scope_all", "scopes_supported lacks scope_all: PSC's claims (SubjectRefPro, …) may not be released");
        Expect(metadata.AcrValuesSupported, Acr.ProSanteConnect, $"acr_values_supported lacks {Acr.ProSanteConnect}: ID tokens may come back below the substantial level and be refused");
        Expect(metadata.CodeChallengeMethodsSupported, "S256", "code_challenge_methods_supported lacks S256: CarteAuth always sends PKCE S256");
        if (metadata.UserInfoEndpoint is null)
        {
            warnings.Add("no userinfo_endpoint: the professional's PSC claims cannot be fetched");
        }

        if (metadata.BackchannelAuthenticationEndpoint is null)
        {
            warnings.Add("no backchannel_authentication_endpoint: CIBA (e-CPS push, used by the RADIUS adapter) is not available");
        }

        return warnings;

        void Expect(IReadOnlyList<string> list, string value, string warning)
        {
            if (list.Count > 0 && !list.Contains(value, StringComparer.Ordinal))
            {
                warnings.Add(warning);
            }
        }
    }

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);

    private static string Joined(IReadOnlyList<string> values) => values.Count == 0 ? "(not announced)" : string.Join(" ", values);

    private static string Base64UrlJson(string encodedPayload) =>
        System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(encodedPayload));
}
