using System.Net;
using System.Security.Cryptography;
using CarteAuth.Authentication;
using CarteAuth.Identity;
using CarteAuth.Testing;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc.Tests;

/// <summary>One PSC simulator (node oidc-provider) shared by the tests of <see cref="SimulatorTests"/>.</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    public PscSimulator Simulator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Simulator = await PscSimulator.StartAsync(new PscSimulatorOptions { CibaInterval = TimeSpan.FromSeconds(1) }, timeout.Token);
    }

    public async Task DisposeAsync() => await Simulator.DisposeAsync();
}

/// <summary>Full flows over HTTP against the PSC simulator (samples/psc-simulator), bounded in time.</summary>
public sealed class SimulatorTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private const string Doctor = PscSimulator.MedecinIdNat;
    private const string Pharmacist = PscSimulator.PharmacienIdNat;
    private const string Nurse = PscSimulator.InfirmierIdNat;
    private const string LowAcrPhysio = PscSimulator.LowAssuranceIdNat;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);
    private PscSimulator Sim => fixture.Simulator;

    private ProSanteConnectOptions Options(string clientId = PscSimulator.ClientId, string? secret = PscSimulator.ClientSecret, Action<ProSanteConnectOptions>? configure = null)
    {
        var o = new ProSanteConnectOptions
        {
            Issuer = Sim.Issuer.ToString(),
            ClientId = clientId,
            ClientSecret = secret,
            RedirectUri = PscSimulator.RedirectUri(54321),
            PostLogoutRedirectUri = new Uri("http://127.0.0.1:54321" + PscSimulator.PostLogoutRedirectPath),
        };
        configure?.Invoke(o);
        return o;
    }

    private static ProSanteConnectClient Client(ProSanteConnectOptions options, IPscSubjectDirectory? directory = null, IPscSessionRevoker? revoker = null) =>
        new(options, new HttpClient { Timeout = TimeSpan.FromSeconds(20) }, subjectDirectory: directory, sessionRevoker: revoker);

    private async Task<PscSignInResult> SignInAsync(ProSanteConnectClient client, string idNat, string method = "card", CookieContainer? cookies = null, CancellationToken ct = default)
    {
        var start = await client.CodeFlow.CreateAuthorizationRequestAsync(ct: ct);
        var callback = await Sim.LoginAsync(start.AuthorizationUrl, idNat, method, cookies, ct);
        return await client.CodeFlow.HandleCallbackAsync(start.Request, PscAuthorizationResponse.Parse(callback.ToString()), ct);
    }

    [Fact]
    public async Task Discovery_uses_the_wallet_document_name()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var metadata = await Client(Options()).Metadata.DiscoverAsync(timeout.Token);
        Assert.Equal(Sim.WalletDiscoveryUri.ToString(), metadata.DiscoveryUrl);
        Assert.Equal(Sim.TokenEndpoint.ToString(), metadata.TokenEndpoint);
        Assert.Equal(Sim.BackchannelAuthenticationEndpoint.ToString(), metadata.BackchannelAuthenticationEndpoint);
        Assert.Equal(Sim.IntrospectionEndpoint.ToString(), metadata.IntrospectionEndpoint);
        Assert.Contains("eidas1", metadata.AcrValuesSupported);
        Assert.Contains("S256", metadata.CodeChallengeMethodsSupported);
    }

    [Fact]
    public async Task Code_flow_with_client_secret_basic_and_json_userinfo()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var client = Client(Options());
        var result = await SignInAsync(client, Doctor, "card", ct: timeout.Token);

        Assert.Equal(Doctor, result.Identity.NationalId.Value);
        Assert.Equal("DONNAT-GADY", result.Identity.FamilyName);
        Assert.Equal("10", result.Identity.ProfessionCode);
        Assert.Contains(result.Identity.Structures, s => s.Identifier.Kind == StructureIdKind.Finess && s.Identifier.Value == "750100125");
        Assert.Equal(AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Mfa, result.Evidence.Methods);
        Assert.Equal(AssuranceLevel.Substantial, result.Evidence.Assurance);
        Assert.Equal("eidas1", result.Evidence.Acr);
        Assert.True(result.UserInfo.AdditionalClaims.ContainsKey("SubjectFutureField"));
        Assert.Equal("code", result.Evidence.Properties["psc.flow"]);
        Assert.NotNull(result.AccessToken);
    }

    [Fact]
    public async Task Cores_authentication_service_runs_the_psc_authenticator_and_audits_it()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var services = new ServiceCollection();
        services.AddCarteAuthCore().AddCarteAuthInMemoryAudit();
        services.AddCarteAuthProSanteConnect(o =>
        {
            o.Issuer = Sim.Issuer.ToString();
            o.ClientId = PscSimulator.ClientId;
            o.ClientSecret = PscSimulator.ClientSecret;
            o.RedirectUri = PscSimulator.RedirectUri(54321);
        });
        await using var sp = services.BuildServiceProvider();
        var flow = sp.GetRequiredService<PscAuthorizationCodeFlow>();
        var service = sp.GetRequiredService<IAuthenticationService>();

        var ok = await flow.CreateAuthorizationRequestAsync(ct: timeout.Token);
        var callback = await Sim.LoginAsync(ok.AuthorizationUrl, Doctor, cancellationToken: timeout.Token);
        var success = await service.AuthenticateAsync(new PscAuthenticationRequest { Pending = ok.Request, Response = PscAuthorizationResponse.Parse(callback.ToString()) }, timeout.Token);
        Assert.True(success.Succeeded, success.ToString());

        var low = await flow.CreateAuthorizationRequestAsync(ct: timeout.Token);
        callback = await Sim.LoginAsync(low.AuthorizationUrl, LowAcrPhysio, cancellationToken: timeout.Token);
        var refused = await service.AuthenticateAsync(new PscAuthenticationRequest { Pending = low.Request, Response = PscAuthorizationResponse.Parse(callback.ToString()) }, timeout.Token);
        Assert.Equal(ReasonCodes.PscAcrTooLow, refused.ReasonCode);

        var events = new List<CarteAuth.Audit.AuditEvent>();
        await foreach (var e in sp.GetRequiredService<CarteAuth.Audit.IAuditStore>().ReadAsync(ct: timeout.Token))
        {
            events.Add(e);
        }

        Assert.Equal(2, events.Count);
        Assert.Equal(Doctor, events[0].Subject);
        Assert.Equal("psc", events[0].Authenticator);
        Assert.Equal(ReasonCodes.PscAcrTooLow, events[1].ReasonCode);
    }

    [Fact]
    public async Task A_code_cannot_be_redeemed_twice()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var client = Client(Options());
        var start = await client.CodeFlow.CreateAuthorizationRequestAsync(ct: timeout.Token);
        var callback = PscAuthorizationResponse.Parse((await Sim.LoginAsync(start.AuthorizationUrl, Doctor, cancellationToken: timeout.Token)).ToString());
        await client.CodeFlow.HandleCallbackAsync(start.Request, callback, timeout.Token);
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(start.Request, callback, timeout.Token));
        Assert.Equal(ReasonCodes.PscCodeExchangeFailed, e.ReasonCode);
    }

    [Fact]
    public async Task Code_flow_with_private_key_jwt()
    {
        using var timeout = new CancellationTokenSource(Budget);
        using var rsa = RSA.Create(2048);
        await Sim.SetClientJwksAsync(PscSimulator.JwtClientId, rsa, "client-key-1", timeout.Token);
        var options = Options(PscSimulator.JwtClientId, secret: null, o =>
        {
            o.ClientAuthentication = PscClientAuthenticationMethod.PrivateKeyJwt;
            o.ClientAssertionSigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "client-key-1" }, SecurityAlgorithms.RsaSha256);
        });
        var result = await SignInAsync(Client(options), Pharmacist, "ecps", ct: timeout.Token);
        Assert.Equal(Pharmacist, result.Identity.NationalId.Value);
        Assert.Equal(AuthenticationMethods.Swk | AuthenticationMethods.Pin | AuthenticationMethods.Mfa, result.Evidence.Methods);
    }

    [Fact]
    public async Task Code_flow_with_signed_jwt_userinfo()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var result = await SignInAsync(Client(Options(PscSimulator.JwtUserinfoClientId, PscSimulator.JwtUserinfoClientSecret)), Doctor, ct: timeout.Token);
        Assert.Equal(Doctor, result.UserInfo.SubjectNameId);
        Assert.Equal(Doctor, result.Identity.NationalId.Value);
    }

    [Fact]
    public async Task A_sign_in_below_eidas1_is_refused_by_the_authenticator()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var client = Client(Options());
        var start = await client.CodeFlow.CreateAuthorizationRequestAsync(ct: timeout.Token);
        var callback = await Sim.LoginAsync(start.AuthorizationUrl, LowAcrPhysio, cancellationToken: timeout.Token);
        var result = await new ProSanteConnectAuthenticator(client).AuthenticateAsync(
            new PscAuthenticationRequest { Pending = start.Request, Response = PscAuthorizationResponse.Parse(callback.ToString()) }, timeout.Token);
        Assert.False(result.Succeeded);
        Assert.Equal(ReasonCodes.PscAcrTooLow, result.ReasonCode);
    }

    [Fact]
    public async Task An_unknown_professional_gets_access_denied()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var client = Client(Options());
        var start = await client.CodeFlow.CreateAuthorizationRequestAsync(ct: timeout.Token);
        var callback = await Sim.LoginAsync(start.AuthorizationUrl, "812345678901", cancellationToken: timeout.Token);
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(start.Request, PscAuthorizationResponse.Parse(callback.ToString()), timeout.Token));
        Assert.Equal(ReasonCodes.PscAccessDenied, e.ReasonCode);
    }

    [Fact]
    public async Task Ciba_authenticate_waits_for_the_phone_and_the_authenticator_gives_evidence()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var authenticator = new ProSanteConnectCibaAuthenticator(Client(Options()));
        var task = authenticator.AuthenticateAsync(new PscCibaAuthenticationRequest { Request = new PscCibaRequest { LoginHint = Nurse, BindingMessage = "Z9" } }, timeout.Token).AsTask();
        var authReqId = await Sim.WaitForPendingCibaAsync(Nurse, timeout.Token);
        await Sim.ApproveCibaAsync(authReqId, "ecps", timeout.Token);
        var result = await task;
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(Nurse, result.Evidence!.Identity.NationalId.Value);
        Assert.Equal("psc", result.Evidence.Authenticator);
        Assert.Equal("ciba", result.Evidence.Properties["psc.flow"]);
        Assert.Equal(AuthenticationMethods.Swk | AuthenticationMethods.Pin | AuthenticationMethods.Mfa, result.Evidence.Methods);
        Assert.Equal("60", result.Evidence.Identity.ProfessionCode);
        Assert.Equal(["690781810", "690781828"], result.Evidence.Identity.Structures.Select(s => s.Identifier.Value).Take(2));
    }

    [Fact]
    public async Task Ciba_approved_on_the_phone()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var client = Client(Options());
        var pending = await client.Ciba.StartAsync(new PscCibaRequest { LoginHint = Pharmacist, BindingMessage = "A1B2" }, timeout.Token);
        Assert.Equal(TimeSpan.FromSeconds(1), pending.Interval);
        var poll = client.Ciba.PollAsync(pending, timeout.Token);
        await Task.Delay(TimeSpan.FromSeconds(1.5), timeout.Token);
        Assert.False(poll.IsCompleted);
        await Sim.ApproveCibaAsync(pending.AuthReqId, cancellationToken: timeout.Token);
        var result = await poll;
        Assert.Equal(Pharmacist, result.Identity.NationalId.Value);
        Assert.Equal(AssuranceLevel.Substantial, result.Evidence.Assurance);
    }

    [Fact]
    public async Task Ciba_refused_on_the_phone()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var client = Client(Options());
        var pending = await client.Ciba.StartAsync(new PscCibaRequest { LoginHint = Doctor }, timeout.Token);
        var poll = client.Ciba.PollAsync(pending, timeout.Token);
        await Sim.DenyCibaAsync(pending.AuthReqId, timeout.Token);
        var e = await Assert.ThrowsAsync<PscException>(() => poll);
        Assert.Equal(ReasonCodes.PscCibaDenied, e.ReasonCode);
    }

    [Fact]
    public async Task Ciba_not_answered_expires()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var sim = await PscSimulator.StartAsync(new PscSimulatorOptions { CibaInterval = TimeSpan.FromSeconds(1), CibaExpiresIn = TimeSpan.FromSeconds(3) }, timeout.Token);
        var options = new ProSanteConnectOptions { Issuer = sim.Issuer.ToString(), ClientId = PscSimulator.ClientId, ClientSecret = PscSimulator.ClientSecret };
        options.Ciba.RequestedExpiry = null;
        var e = await Assert.ThrowsAsync<PscException>(() => Client(options).Ciba.AuthenticateAsync(new PscCibaRequest { LoginHint = Doctor }, timeout.Token));
        Assert.Equal(ReasonCodes.PscCibaExpired, e.ReasonCode);
    }

    [Fact]
    public async Task Ciba_for_an_unknown_professional_fails()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var e = await Assert.ThrowsAsync<PscException>(() => Client(Options()).Ciba.StartAsync(new PscCibaRequest { LoginHint = PscSimulator.UnknownIdNat }, timeout.Token));
        Assert.Equal(ReasonCodes.PscCibaFailed, e.ReasonCode);
    }

    [Fact]
    public async Task Introspection_reports_active_and_inactive_tokens()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var client = Client(Options());
        var result = await SignInAsync(client, Doctor, ct: timeout.Token);
        var active = await client.Introspection.IntrospectAsync(result.AccessToken!, ct: timeout.Token);
        Assert.True(active.IsActive);
        Assert.Equal(result.IdToken.Subject, active.Subject);
        Assert.Equal(PscSimulator.ClientId, active.ClientId);
        var inactive = await client.Introspection.IntrospectAsync("not-a-token", ct: timeout.Token);
        Assert.False(inactive.IsActive);

        var wrongSecret = Client(Options(secret: "wrong-secret"));
        var e = await Assert.ThrowsAsync<PscException>(() => wrongSecret.Introspection.IntrospectAsync(result.AccessToken!, ct: timeout.Token));
        Assert.Equal(ReasonCodes.PscIntrospectionFailed, e.ReasonCode);
    }

    [Fact]
    public async Task Token_exchange_gives_a_token_for_another_audience()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var client = Client(Options());
        var result = await SignInAsync(client, Doctor, ct: timeout.Token);
        var exchanged = await client.TokenExchange.ExchangeAsync(new PscTokenExchangeRequest { SubjectToken = result.AccessToken!, Audience = "https://api.example.fr" }, timeout.Token);
        Assert.Equal("urn:ietf:params:oauth:token-type:access_token", exchanged.IssuedTokenType);
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(exchanged.AccessToken);
        Assert.Contains("https://api.example.fr", jwt.Audiences);

        var e = await Assert.ThrowsAsync<PscException>(() => client.TokenExchange.ExchangeAsync(new PscTokenExchangeRequest { SubjectToken = "forged", Audience = "https://api.example.fr" }, timeout.Token));
        Assert.Equal(ReasonCodes.PscTokenExchangeFailed, e.ReasonCode);
    }

    [Fact]
    public async Task Back_channel_logout_revokes_the_professionals_sessions()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var epochs = new InMemoryRevocationEpochStore();
        var directory = new InMemoryPscSubjectDirectory();
        var client = Client(Options(), directory, new RevocationEpochPscSessionRevoker(epochs, directory));
        var received = new List<PscLogoutResult>();
        await using var receiver = await LogoutReceiver.StartAsync(client.BackchannelLogout, received);
        await Sim.SetBackchannelLogoutUriAsync(PscSimulator.ClientId, receiver.Uri, timeout.Token);
        try
        {
            var cookies = new CookieContainer();
            var signIn = await SignInAsync(client, Doctor, cookies: cookies, ct: timeout.Token);
            Assert.Equal(0, await epochs.GetEpochAsync(Doctor, timeout.Token));

            // The provider's test control sends a logout token for the professional.
            await Sim.SendBackchannelLogoutAsync(PscSimulator.ClientId, Doctor, signIn.IdToken.SessionId, timeout.Token);
            Assert.Equal(1, await epochs.GetEpochAsync(Doctor, timeout.Token));

            // RP-initiated logout in the browser: the provider ends its session and notifies this client again.
            var logoutUrl = await client.CodeFlow.CreateLogoutUrlAsync(signIn.IdToken.RawToken, "st-9", ct: timeout.Token);
            var after = await Sim.LogoutAsync(logoutUrl, cookies, timeout.Token);
            Assert.Contains("state=st-9", after.Query);
            Assert.Equal(2, await epochs.GetEpochAsync(Doctor, timeout.Token));
            Assert.All(received, r => Assert.Equal(Doctor, r.RevokedNationalId));
        }
        finally
        {
            await Sim.SetBackchannelLogoutUriAsync(PscSimulator.ClientId, null, CancellationToken.None);
        }
    }

    /// <summary>A loopback Kestrel endpoint receiving back-channel logout POSTs (§2.5, §2.8: 200 or 400).</summary>
    private sealed class LogoutReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private LogoutReceiver(WebApplication app, Uri uri)
        {
            _app = app;
            Uri = uri;
        }

        public Uri Uri { get; }

        public static async Task<LogoutReceiver> StartAsync(PscBackchannelLogoutHandler handler, List<PscLogoutResult> received)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapPost("/backchannel-logout", async ctx =>
            {
                var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
                ctx.Response.Headers.CacheControl = "no-store";
                try
                {
                    var result = await handler.HandleFormAsync(body, ctx.RequestAborted);
                    lock (received)
                    {
                        received.Add(result);
                    }

                    ctx.Response.StatusCode = 200;
                }
                catch (PscException e)
                {
                    await FakeProvider.Json(ctx, 400, new { error = "invalid_request", error_description = e.ReasonCode });
                }
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new LogoutReceiver(app, new Uri(address.TrimEnd('/') + "/backchannel-logout"));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
