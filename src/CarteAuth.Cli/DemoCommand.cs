using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.IO;
using CarteAuth.Oidc;
using CarteAuth.Oidc.Development;
using CarteAuth.Policies;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Development;
using CarteAuth.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CarteAuth.Cli;

/// <summary>
/// <c>carteauth demo</c>: the whole data path on embedded defaults (sample policies and evidence, a generated key,
/// a SQLite audit file): evidence → authentication (audited) → policy decisions (audited) → session tokens
/// (rotation, sign out everywhere) → audit chain verification. The doctor signs in with a dev PKI card; the nurse
/// through Pro Santé Connect (e-CPS push, CIBA) when the PSC simulator of the repository is installed
/// (<c>npm ci</c> in samples/psc-simulator), else from sample evidence, and the demo says how to get the real flow.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var dir = new Option<string?>("--dir") { Description = "Folder for the demo's files (policies, key, audit database); default: a new temporary folder." };
        var simulator = new Option<string?>("--psc-simulator") { Description = "The PSC simulator's folder (samples/psc-simulator, after `npm ci` there); default: found from the current folder upwards." };
        var command = new Command("demo", "Run CarteAuth end to end on embedded defaults and explain each step.") { dir, simulator };
        context.SetHandler(command, (parse, ct) => RunAsync(parse.GetValue(dir), parse.GetValue(simulator), ct));
        return command;
    }

    /// <summary>The simulator's demo client (public test data of samples/psc-simulator/clients.json, not a secret).</summary>
    private const string SimulatorClientId = "carteauth-test";

    private const string SimulatorClientSecret = "carteauth-test-secret-not-for-production";

    /// <summary>The simulator's test nurse (two exercices, e-CPS).</summary>
    private const string SimulatorNurseIdNat = "899700000013";

    /// <summary>Stands in for the methods this demo does not run for real (FIDO2 sample evidence, and PSC when the simulator is not installed): checks a PIN, returns the embedded evidence.</summary>
    private sealed class DemoCardAuthenticator : Authenticator<DemoCardAuthenticator.Request>
    {
        public sealed class Request : AuthenticationRequest
        {
            public required string EvidenceJson { get; init; }

            public required string Pin { get; init; }
        }

        public override string Name => "demo-card";

        protected override ValueTask<AuthenticationResult> AuthenticateAsync(Request request, CancellationToken cancellationToken)
        {
            // The sample evidence carries a fixed authentication time; a real authenticator stamps "now".
            var sample = CarteAuth.Authentication.EvidenceJson.Parse(request.EvidenceJson);
            var evidence = new AuthenticationEvidence(sample.Identity, sample.Methods, sample.Assurance, DateTimeOffset.UtcNow, sample.Authenticator)
            {
                Acr = sample.Acr,
                IsPhishingResistant = sample.IsPhishingResistant,
                CredentialId = sample.CredentialId,
            };
            return ValueTask.FromResult(request.Pin == "1234"
                ? AuthenticationResult.Success(evidence)
                : AuthenticationResult.Fail("demo.wrong-pin", "Wrong card PIN (demo).", evidence.Identity.NationalId.Value));
        }
    }

    private static async Task<CliResult> RunAsync(string? folder, string? simulatorFolder, CancellationToken ct)
    {
        var dir = folder is null ? Directory.CreateTempSubdirectory("carteauth-demo-").FullName : Directory.CreateDirectory(folder).FullName;
        var text = new StringBuilder();
        var steps = new JsonArray();
        void Step(string title, string detail, JsonObject? data = null)
        {
            text.Append("== ").AppendLine(title).AppendLine(detail);
            data ??= [];
            data["step"] = title;
            steps.Add(data);
        }

        // 0. A development PKI shaped like IGC-Santé (root, FORT PERSONNES CA, CPS/CPA cards as PFX + PEM, CRL, OCSP index).
        var pkiDir = Path.Combine(dir, "dev-pki");
        using var pki = DevPki.CreateWithStandardCards();
        pki.WriteTo(pkiDir);
        using var stranger = DevPki.Create(); // another hierarchy with the same names: never trusted
        var forged = stranger.IssueCard(DevPki.StandardCards[0]);
        Step("dev PKI", $"IGC-Santé-shaped development PKI in {pkiDir}: {pki.Root.Subject} → {pki.Intermediate.Subject}, cards: {string.Join(", ", pki.Cards.Select(c => c.Spec.Name))} (PFX password '{new DevPkiOptions().PfxPassword}')");

        // 0b. Pro Santé Connect: the repository's simulator (npm oidc-provider configured as PSC) on 127.0.0.1, approving
        // e-CPS push requests by itself after a second, when its npm packages are installed.
        await using var psc = await StartSimulatorAsync(simulatorFolder, ct).ConfigureAwait(false);
        Step("Pro Santé Connect", psc.Host is { } host
            ? $"PSC simulator started on {host.Issuer} (samples/psc-simulator; it approves e-CPS push requests after 1 s)"
            : $"PSC simulator not started: {psc.Why} The nurse's PSC evidence comes from a sample file instead.");

        // 1. Policies: the embedded sample file, written out and loaded like any policy file.
        var policyPath = Path.Combine(dir, "policies.json");
        await File.WriteAllTextAsync(policyPath, Resource("demo/hospital-policies.json"), ct).ConfigureAwait(false);
        var auditPath = Path.Combine(dir, "audit.db");
        var services = new ServiceCollection()
            .AddCarteAuthCore()
            .AddCarteAuthSqliteAudit(o => o.Path = auditPath)
            .AddCarteAuthPolicies(new ConfigurationBuilder().AddJsonFile(policyPath).Build())
            .AddSingleton<IAuthenticator, DemoCardAuthenticator>();
        services.AddCarteAuthSmartCard(o =>
        {
            o.TrustAnchorPaths.Add(Path.Combine(pkiDir, "root.pem"));
            o.IntermediatePaths.Add(Path.Combine(pkiDir, "intermediate.pem"));
        });
        if (psc.Host is { } simulator)
        {
            services.AddCarteAuthProSanteConnect(o =>
            {
                o.Issuer = simulator.Issuer.ToString();
                o.ClientId = SimulatorClientId;
                o.ClientSecret = SimulatorClientSecret;
            });
        }

        await using var provider = services.BuildServiceProvider();
        var policies = provider.GetRequiredService<IPolicyProvider>();
        Step("policies", $"loaded {policies.PolicyNames.Count} policies from {policyPath}: {string.Join(", ", policies.PolicyNames.Order(StringComparer.Ordinal))}");

        // 2. Authentication: each attempt is audited, failures included.
        var authentication = provider.GetRequiredService<IAuthenticationService>();
        var request = new AuthenticationContext { ClientAddress = "127.0.0.1", CorrelationId = "demo-" + Guid.NewGuid().ToString("N")[..8] };
        // The doctor's card certificate as a TLS client certificate would present it, checked by the real smart card
        // authenticator (chain to the dev root only, FORT range, usages, CPS subject); revocation is not configured here.
        var refused = await authentication.AuthenticateAsync(new ClientCertificateRequest(forged.Certificate) { Context = request }, ct).ConfigureAwait(false);
        var card = await authentication.AuthenticateAsync(new ClientCertificateRequest(pki.Cards.Single(c => c.Spec.Name == "doctor").Certificate) { Context = request }, ct).ConfigureAwait(false);
        var doctor = card.Evidence ?? throw new CarteAuthException(card.ReasonCode!, card.FailureMessage!);
        var pharmacist = await Authenticate("fido2-no-uv-pharmacist.json").ConfigureAwait(false);
        AuthenticationEvidence nurse;
        if (psc.Host is not null)
        {
            // CIBA poll mode: PSC pushes the request to the nurse's e-CPS app; the simulator approves it.
            var pushed = await authentication.AuthenticateAsync(new PscCibaAuthenticationRequest { Request = new PscCibaRequest { LoginHint = SimulatorNurseIdNat, BindingMessage = "DEMO" }, Context = request }, ct).ConfigureAwait(false);
            nurse = pushed.Evidence ?? throw new CarteAuthException(pushed.ReasonCode!, pushed.FailureMessage!);
        }
        else
        {
            nurse = await Authenticate("psc-ecps-nurse.json").ConfigureAwait(false);
        }

        Step("authentication", $"a card of another PKI with the same names refused ({refused.ReasonCode}); {doctor.Identity} signed in with the dev PKI card (amr {Amr.Format(doctor.Methods)}, {Acr.ToValue(doctor.Assurance)}); {pharmacist.Identity} by FIDO2 without user verification, {nurse.Identity} through Pro Santé Connect{(psc.Host is null ? " (sample evidence)" : " (e-CPS push on the simulator)")} (amr {Amr.Format(nurse.Methods)}, acr {nurse.Acr} = {Acr.ToValue(nurse.Assurance)})");

        // 3. Policy decisions, each audited.
        var evaluator = provider.GetRequiredService<IPolicyEvaluator>();
        var decisions = new JsonArray();
        async Task Decide(string policy, AuthenticationEvidence who, NetworkZone zone = NetworkZone.Internal, string? breakGlass = null)
        {
            var decision = await evaluator.EvaluateAsync(policy, new PolicyContext(who, DateTimeOffset.UtcNow, zone, breakGlass), request, ct).ConfigureAwait(false);
            var described = PolicyCommands.Describe(decision, who, DateTimeOffset.UtcNow);
            decisions.Add(described.Json);
            text.AppendLine(CultureInfo.InvariantCulture, $"   {who.Identity.DisplayName} → {policy} ({zone.ToString().ToLowerInvariant()}): {described.Text.Replace(Environment.NewLine, Environment.NewLine + "      ", StringComparison.Ordinal)}");
        }

        text.AppendLine("== policy decisions");
        await Decide("dossier-patient", doctor).ConfigureAwait(false);
        await Decide("dossier-patient", pharmacist).ConfigureAwait(false);
        await Decide("dossier-service-urgences", pharmacist).ConfigureAwait(false);
        await Decide("dossier-service-urgences", pharmacist, breakGlass: "Patiente inconsciente, pharmacien de garde").ConfigureAwait(false);
        await Decide("messagerie", nurse).ConfigureAwait(false);
        await Decide("messagerie", nurse, NetworkZone.Remote).ConfigureAwait(false);
        steps.Add(new JsonObject { ["step"] = "policy decisions", ["decisions"] = decisions });

        // 4. Session tokens: issue, rotate the key, sign out everywhere.
        var keyPath = Path.Combine(dir, "session-key.pem");
        var first = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256);
        SecretFile.Write(keyPath, first.ExportPrivateKeyPem());
        var keys = new MutableKeyProvider(SigningKeyRing.Create(first));
        var options = Options.Create(new SessionTokenOptions { Issuer = "https://portail.chu-demo.example", Audience = "portail" });
        var epochs = new InMemoryRevocationEpochStore();
        var issuer = new SessionTokenIssuer(keys, options, epochs, TimeProvider.System);
        var validator = new SessionTokenValidator(keys, options, epochs, TimeProvider.System);
        var token = await issuer.IssueAsync(doctor, ct: ct).ConfigureAwait(false);
        var valid = await validator.ValidateAsync(token.Token, ct: ct).ConfigureAwait(false);
        keys.Current = keys.Current.Rotate(SessionSigningKey.Generate(SessionTokenAlgorithm.PS256));
        var afterRotation = await validator.ValidateAsync(token.Token, ct: ct).ConfigureAwait(false);
        var second = await issuer.IssueAsync(doctor, token.SessionId, ct).ConfigureAwait(false);
        await epochs.RevokeAllAsync(doctor.Identity.NationalId.Value, ct).ConfigureAwait(false);
        var afterSignOut = await validator.ValidateAsync(second.Token, ct: ct).ConfigureAwait(false);
        Step(
            "session tokens",
            $"issued an ES256 token (kid {token.KeyId}, key in {keyPath}): {Outcome(valid)}; after rotating to a PS256 key (kid {second.KeyId}) the old token is still {Outcome(afterRotation)}; after 'sign out everywhere' a new token is {Outcome(afterSignOut)}{Environment.NewLine}JWKS: {keys.Current.ToJwksJson()}",
            new JsonObject
            {
                ["token"] = token.Token,
                ["valid"] = valid.IsValid,
                ["validAfterRotation"] = afterRotation.IsValid,
                ["afterSignOutEverywhere"] = afterSignOut.ReasonCode,
            });

        // 5. The audit trail: every attempt and decision, hash-chained.
        var store = provider.GetRequiredService<IAuditStore>();
        var verification = await AuditChainVerifier.VerifyAsync(store, ct: ct).ConfigureAwait(false);
        var trail = new StringBuilder();
        await foreach (var e in store.ReadAsync(ct: ct).ConfigureAwait(false))
        {
            trail.AppendLine(CultureInfo.InvariantCulture, $"   #{e.Sequence} {e.Timestamp:HH:mm:ss.fff} {e.Kind,-16} {e.Result,-11} {e.Subject,-13} {e.Policy ?? e.Authenticator,-25} {e.ReasonCode}");
        }

        Step(
            "audit trail",
            $"{verification.EventsChecked} events in {auditPath}, chain {(verification.IsValid ? "intact" : "BROKEN: " + verification.Message)}, head {verification.LastEvent?.ToHead()}{Environment.NewLine}{trail}check it any time: carteauth audit verify --db {auditPath}",
            new JsonObject { ["database"] = auditPath, ["events"] = verification.EventsChecked, ["intact"] = verification.IsValid, ["head"] = verification.LastEvent?.ToHead().ToString() });

        var ok = doctor is not null && valid.IsValid && afterRotation.IsValid && afterSignOut.ReasonCode == ReasonCodes.TokenRevoked && verification.IsValid;
        return new CliResult(ok ? ExitCodes.Accepted : ExitCodes.Rejected, new JsonObject { ["ok"] = ok, ["folder"] = dir, ["steps"] = steps }, text.ToString().TrimEnd());

        async Task<AuthenticationEvidence> Authenticate(string file)
        {
            var result = await authentication.AuthenticateAsync(new DemoCardAuthenticator.Request { EvidenceJson = Resource("demo/evidence/" + file), Pin = "1234", Context = request }, ct).ConfigureAwait(false);
            return result.Evidence ?? throw new CarteAuthException(result.ReasonCode!, result.FailureMessage!);
        }
    }

    /// <summary>Starts the repository's PSC simulator when it is there and installed; otherwise says why not and how to get it.</summary>
    private static async Task<SimulatorRun> StartSimulatorAsync(string? given, CancellationToken ct)
    {
        if (given is not null && !File.Exists(Path.Combine(given, "server.mjs")))
        {
            throw new CarteAuthException(ReasonCodes.CliFileNotFound, $"--psc-simulator '{Path.GetFullPath(given)}' has no server.mjs; give the repository's samples/psc-simulator folder.");
        }

        var directory = given ?? PscSimulatorHost.FindInRepository(Directory.GetCurrentDirectory()) ?? PscSimulatorHost.FindInRepository(AppContext.BaseDirectory);
        if (directory is null)
        {
            return new SimulatorRun(null, "samples/psc-simulator was not found (run the demo from a CarteAuth repository checkout).");
        }

        if (!PscSimulatorHost.IsInstalled(directory))
        {
            return new SimulatorRun(null, $"its npm packages are not installed; run `npm ci` in {directory} (./test.sh does it) and run the demo again.");
        }

        try
        {
            return new SimulatorRun(await PscSimulatorHost.StartAsync(directory, ["--ciba-auto-approve-after", "1", "--ciba-interval", "1"], TimeSpan.FromSeconds(30), ct).ConfigureAwait(false), null);
        }
        catch (InvalidOperationException e)
        {
            return new SimulatorRun(null, e.Message);
        }
    }

    private static string Outcome(SessionTokenValidationResult result) => result.IsValid ? "valid" : $"refused ({result.ReasonCode})";

    private static string Resource(string name)
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource '{name}' is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The PSC simulator the demo started, or why it did not.</summary>
    private sealed record SimulatorRun(PscSimulatorHost? Host, string? Why) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Host?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    /// <summary>A key provider whose ring the demo rotates in place (hosts would reload from configuration).</summary>
    private sealed class MutableKeyProvider(SigningKeyRing ring) : ISigningKeyProvider
    {
        public SigningKeyRing Current { get; set; } = ring;
    }
}
