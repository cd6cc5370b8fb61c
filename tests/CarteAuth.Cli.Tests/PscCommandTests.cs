using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CarteAuth.Cli.Tests;

/// <summary>One PSC simulator (npm oidc-provider configured as Pro Santé Connect) for the class's tests.</summary>
public sealed class PscSimulatorFixture : IAsyncLifetime
{
    public PscSimulator Simulator { get; private set; } = null!;

    public async Task InitializeAsync() => Simulator = await PscSimulator.StartAsync(new PscSimulatorOptions { CibaInterval = TimeSpan.FromSeconds(1) });

    public async Task DisposeAsync() => await Simulator.DisposeAsync();
}

/// <summary><c>carteauth psc discover|validate-id-token|ciba</c> against the real PSC simulator.</summary>
public sealed class PscCommandTests(PscSimulatorFixture fixture) : IClassFixture<PscSimulatorFixture>, IDisposable
{
    private readonly PscSimulator _sim = fixture.Simulator;
    private readonly TempDirectory _dir = new();

    private string Issuer => _sim.Issuer.ToString().TrimEnd('/');

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Discover_reads_psc_document_name_and_reports_the_endpoints()
    {
        var run = await CliRun.RunAsync("psc", "discover", Issuer, "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var json = run.Json;
        Assert.Equal(Issuer, json["issuer"]!.GetValue<string>());
        Assert.EndsWith("/.well-known/wallet-openid-configuration", json["discoveryUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith("/protocol/openid-connect/ext/ciba/auth", json["endpoints"]!["backchannelAuthentication"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("scope_all", json["scopes"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Contains("eidas1", json["acrValues"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.NotEmpty(json["signingKeys"]!.AsArray());
        Assert.Empty(json["warnings"]!.AsArray());

        var text = await CliRun.RunAsync("psc", "discover", Issuer, "--discovery-document", ".well-known/openid-configuration");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("usable", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("/protocol/openid-connect/token", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_of_a_provider_that_is_down_is_refused_with_a_reason_code()
    {
        var run = await CliRun.RunAsync("psc", "discover", $"http://127.0.0.1:{CarteAuth.Testing.LoopbackPorts.Free()}/auth/realms/esante-wallet", "--timeout", "5", "--json");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(ReasonCodes.PscProviderUnavailable, run.Json["reasonCode"]!.GetValue<string>());
        Assert.Contains("127.0.0.1", run.Json["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discover_of_a_missing_document_is_refused()
    {
        var run = await CliRun.RunAsync("psc", "discover", Issuer, "--discovery-document", ".well-known/nothing-here", "--json");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(ReasonCodes.PscDiscoveryFailed, run.Json["reasonCode"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(ReasonCodes.CliUsage, "psc", "discover")]
    [InlineData(ReasonCodes.CliUsage, "psc", "discover", "--environment", "staging")]
    [InlineData(ReasonCodes.CliUsage, "psc", "discover", "https://x.example/realm", "--environment", "sandbox")]
    [InlineData(ReasonCodes.CliUsage, "psc", "discover", "https://x.example/realm", "--timeout", "0")]
    [InlineData(ReasonCodes.PscInvalidOptions, "psc", "discover", "http://psc.example.fr/auth/realms/esante-wallet")]
    [InlineData(ReasonCodes.PscInvalidOptions, "psc", "discover", "not a url")]
    [InlineData(ReasonCodes.CliUsage, "psc", "validate-id-token", "abc", "--issuer", "https://x.example/realm")]
    [InlineData(ReasonCodes.CliUsage, "psc", "validate-id-token", "abc", "--issuer", "https://x.example/realm", "--client-id", "c", "--level", "maximal")]
    [InlineData(ReasonCodes.CliUsage, "psc", "ciba", "--issuer", "https://x.example/realm", "--client-id", "c")]
    public async Task Bad_usage_exits_2_with_a_reason_code(string reasonCode, params string[] args)
    {
        var run = await CliRun.RunAsync([.. args, "--json"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(reasonCode, run.Json["reasonCode"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(run.Json["error"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Validate_id_token_accepts_a_simulator_token_and_prints_its_claims()
    {
        var (idToken, nonce) = await SignInAsync(PscSimulator.MedecinIdNat);
        var run = await CliRun.RunAsync("psc", "validate-id-token", idToken, "--issuer", Issuer, "--client-id", PscSimulator.ClientId, "--nonce", nonce, "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Equal("eidas1", run.Json["acr"]!.GetValue<string>());
        Assert.Equal("substantial", run.Json["assurance"]!.GetValue<string>());
        Assert.Contains("sc", run.Json["amr"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(nonce, run.Json["claims"]!["nonce"]!.GetValue<string>());

        // The same token again: the CLI does not consume the nonce (it is a checking tool, not the relying party).
        var again = await CliRun.RunAsync("psc", "validate-id-token", idToken, "--issuer", Issuer, "--client-id", PscSimulator.ClientId);
        Assert.Equal(0, again.ExitCode);
        Assert.StartsWith("valid:", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_id_token_refuses_each_broken_expectation_with_its_code()
    {
        var (idToken, _) = await SignInAsync(PscSimulator.PharmacienIdNat);
        await Refused(ReasonCodes.PscAudienceMismatch, idToken, "--client-id", "another-client");
        await Refused(ReasonCodes.PscNonceMismatch, idToken, "--client-id", PscSimulator.ClientId, "--nonce", "not-the-nonce");
        await Refused(ReasonCodes.PscAcrTooLow, idToken, "--client-id", PscSimulator.ClientId, "--level", "high");
        var parts = idToken.Split('.');
        var tampered = parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? 'B' : 'A') + parts[2][1..];
        await Refused(ReasonCodes.PscBadSignature, tampered, "--client-id", PscSimulator.ClientId);
        await Refused(ReasonCodes.PscMalformedToken, "not-a-jwt", "--client-id", PscSimulator.ClientId);

        var (low, _) = await SignInAsync(PscSimulator.LowAssuranceIdNat);
        await Refused(ReasonCodes.PscAcrTooLow, low, "--client-id", PscSimulator.ClientId);

        async Task Refused(string code, string token, params string[] more)
        {
            var run = await CliRun.RunAsync(["psc", "validate-id-token", token, "--issuer", Issuer, .. more, "--json"]);
            Assert.True(run.ExitCode == 1, run.Stdout + run.Stderr);
            Assert.Equal(code, run.Json["reasonCode"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Ciba_waits_for_the_approval_and_prints_the_identity()
    {
        var secret = _dir.File("secret.txt", PscSimulator.ClientSecret + "\n");
        var run = CliRun.RunAsync("psc", "ciba", "--login-hint", PscSimulator.InfirmierIdNat, "--issuer", Issuer, "--client-id", PscSimulator.ClientId, "--client-secret-file", secret, "--binding-message", "K7", "--timeout", "30", "--json");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var id = await _sim.WaitForPendingCibaAsync(PscSimulator.InfirmierIdNat, timeout.Token);
        await _sim.ApproveCibaAsync(id, cancellationToken: timeout.Token);
        var result = await run.WaitAsync(timeout.Token);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal(PscSimulator.InfirmierIdNat, result.Json["idNat"]!.GetValue<string>());
        Assert.Equal("eidas1", result.Json["acr"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ciba_refusals_exit_1_with_their_codes()
    {
        var secret = _dir.File("secret.txt", PscSimulator.ClientSecret);
        var run = CliRun.RunAsync("psc", "ciba", "--login-hint", PscSimulator.PharmacienIdNat, "--issuer", Issuer, "--client-id", PscSimulator.ClientId, "--client-secret-file", secret, "--timeout", "30", "--json");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var id = await _sim.WaitForPendingCibaAsync(PscSimulator.PharmacienIdNat, timeout.Token);
        await _sim.DenyCibaAsync(id, timeout.Token);
        var denied = await run.WaitAsync(timeout.Token);
        Assert.Equal(1, denied.ExitCode);
        Assert.Equal(ReasonCodes.PscCibaDenied, denied.Json["reasonCode"]!.GetValue<string>());

        var unknown = await CliRun.RunAsync("psc", "ciba", "--login-hint", PscSimulator.UnknownIdNat, "--issuer", Issuer, "--client-id", PscSimulator.ClientId, "--client-secret-file", secret, "--json");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal(ReasonCodes.PscCibaFailed, unknown.Json["reasonCode"]!.GetValue<string>());
        Assert.Contains("unknown_user_id", unknown.Json["error"]!.GetValue<string>(), StringComparison.Ordinal);

        var wrongSecret = _dir.File("wrong.txt", "not-the-secret");
        var unauthorized = await CliRun.RunAsync("psc", "ciba", "--login-hint", PscSimulator.MedecinIdNat, "--issuer", Issuer, "--client-id", PscSimulator.ClientId, "--client-secret-file", wrongSecret, "--json");
        Assert.Equal(1, unauthorized.ExitCode);
        Assert.StartsWith("psc.", unauthorized.Json["reasonCode"]!.GetValue<string>(), StringComparison.Ordinal);

        var missing = await CliRun.RunAsync("psc", "ciba", "--login-hint", PscSimulator.MedecinIdNat, "--issuer", Issuer, "--client-id", PscSimulator.ClientId, "--client-secret-file", Path.Combine(_dir.Path, "absent.txt"), "--json");
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal(ReasonCodes.CliFileNotFound, missing.Json["reasonCode"]!.GetValue<string>());
    }

    /// <summary>A browser-free authorization code flow with PKCE on the simulator; returns the ID token and its nonce.</summary>
    private async Task<(string IdToken, string Nonce)> SignInAsync(string idNat)
    {
        var (verifier, challenge) = PscSimulator.CreatePkce();
        var redirect = PscSimulator.RedirectUri(8123);
        var nonce = Guid.NewGuid().ToString("N");
        var callback = await _sim.LoginAsync(_sim.BuildAuthorizeUrl(PscSimulator.ClientId, redirect, "s1", nonce, challenge), idNat);
        var code = System.Web.HttpUtility.ParseQueryString(callback.Query)["code"] ?? throw new InvalidOperationException($"No code in {callback}");
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, _sim.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["redirect_uri"] = redirect.ToString(),
                ["code_verifier"] = verifier,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes($"{PscSimulator.ClientId}:{PscSimulator.ClientSecret}")));
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var tokens = JsonDocument.Parse(body);
        return (tokens.RootElement.GetProperty("id_token").GetString()!, nonce);
    }
}
