using System.Security.Cryptography;
using System.Text;
using CarteAuth.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc.Tests;

public sealed class CodeFlowTests : IAsyncLifetime
{
    private FakeProvider _op = null!;

    public async Task InitializeAsync() => _op = await FakeProvider.StartAsync();

    public async Task DisposeAsync() => await _op.DisposeAsync();

    private async Task<(ProSanteConnectClient Client, PscAuthorizationRequest Pending)> StartAsync(ProSanteConnectOptions? options = null)
    {
        var client = _op.Client(options);
        var start = await client.CodeFlow.CreateAuthorizationRequestAsync();
        return (client, start.Request);
    }

    private void IssueTokens(string nonce, string sub = "f:1:810002813839", Action<Dictionary<string, object>>? edit = null) =>
        _op.Token = ctx =>
        {
            var claims = _op.IdTokenClaims(nonce: nonce, sub: sub);
            edit?.Invoke(claims);
            return FakeProvider.Json(ctx, 200, new { access_token = "at-1", token_type = "Bearer", expires_in = 120, id_token = _op.Sign(claims) });
        };

    private void ServeUserInfo(string sub = "f:1:810002813839") =>
        _op.UserInfo = ctx => ctx.Request.Headers.Authorization == "Bearer at-1"
            ? FakeProvider.Json(ctx, 200, System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>(PscUserInfoTests.Sample.Replace("f:550dc1c8:810002813839", sub))!)
            : FakeProvider.Json(ctx, 401, new { error = "invalid_token" });

    [Fact]
    public async Task The_authorization_url_carries_pkce_state_nonce_scope_and_acr()
    {
        var client = _op.Client(_op.Options(o => o.MaxAge = TimeSpan.FromMinutes(10)));
        var start = await client.CodeFlow.CreateAuthorizationRequestAsync(new PscAuthorizationParameters { LoginHint = "810002813839", Prompt = "login", UiLocales = "fr" });
        Assert.StartsWith(_op.Issuer + "/protocol/openid-connect/auth?", start.AuthorizationUrl.AbsoluteUri);
        var q = QueryHelpers.ParseQuery(start.AuthorizationUrl.Query);
        Assert.Equal("code", q["response_type"]);
        Assert.Equal(FakeProvider.ClientId, q["client_id"]);
        Assert.Equal("openid scope_all", q["scope"]);
        Assert.Equal("eidas1", q["acr_values"]);
        Assert.Equal("S256", q["code_challenge_method"]);
        Assert.Equal(start.Request.State, q["state"]);
        Assert.Equal(start.Request.Nonce, q["nonce"]);
        Assert.Equal("600", q["max_age"]);
        Assert.Equal("810002813839", q["login_hint"]);
        Assert.Equal("http://127.0.0.1:5999/callback", q["redirect_uri"]);
        // RFC 7636 §4.2: challenge = BASE64URL(SHA256(verifier)); the verifier is 43 characters.
        Assert.Equal(43, start.Request.CodeVerifier.Length);
        Assert.Equal(Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(start.Request.CodeVerifier))), q["code_challenge"]);
        var other = await client.CodeFlow.CreateAuthorizationRequestAsync();
        Assert.NotEqual(start.Request.State, other.Request.State);
    }

    [Fact]
    public async Task A_full_callback_signs_in_with_evidence_and_sends_the_verifier()
    {
        var (client, pending) = await StartAsync();
        string? form = null;
        string? authorization = null;
        _op.Token = async ctx =>
        {
            form = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            authorization = ctx.Request.Headers.Authorization;
            var claims = _op.IdTokenClaims(nonce: pending.Nonce, sub: "f:1:810002813839");
            await FakeProvider.Json(ctx, 200, new { access_token = "at-1", token_type = "Bearer", expires_in = 120, id_token = _op.Sign(claims) });
        };
        ServeUserInfo();
        var result = await client.CodeFlow.HandleCallbackAsync(pending, PscAuthorizationResponse.Parse($"http://127.0.0.1:5999/callback?code=c1&state={pending.State}&iss={Uri.EscapeDataString(_op.Issuer)}"));
        Assert.Equal("810002813839", result.Identity.NationalId.Value);
        Assert.Equal(AssuranceLevel.Substantial, result.Evidence.Assurance);
        Assert.Equal("at-1", result.AccessToken);
        var parsed = QueryHelpers.ParseQuery(form);
        Assert.Equal(pending.CodeVerifier, parsed["code_verifier"]);
        Assert.Equal("authorization_code", parsed["grant_type"]);
        Assert.StartsWith("Basic ", authorization);
        Assert.False(parsed.ContainsKey("client_secret"));
    }

    [Fact]
    public async Task Private_key_jwt_sends_a_signed_client_assertion()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = _op.Options(o =>
        {
            o.ClientSecret = null;
            o.ClientAuthentication = PscClientAuthenticationMethod.PrivateKeyJwt;
            o.ClientAssertionSigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = "client-key" }, SecurityAlgorithms.EcdsaSha256);
        });
        var (client, pending) = await StartAsync(options);
        string? assertion = null;
        _op.Token = async ctx =>
        {
            var parsed = QueryHelpers.ParseQuery(await new StreamReader(ctx.Request.Body).ReadToEndAsync());
            Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", parsed["client_assertion_type"]);
            assertion = parsed["client_assertion"];
            await FakeProvider.Json(ctx, 200, new { access_token = "at-1", token_type = "Bearer", id_token = _op.Sign(_op.IdTokenClaims(nonce: pending.Nonce, sub: "f:1:810002813839")) });
        };
        ServeUserInfo();
        await client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = pending.State });

        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(assertion);
        Assert.Equal(FakeProvider.ClientId, jwt.Issuer);
        Assert.Equal(FakeProvider.ClientId, jwt.Subject);
        Assert.Equal([_op.Issuer], jwt.Audiences);
        Assert.Equal("client-key", jwt.Kid);
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.True(jwt.ValidTo - jwt.IssuedAt <= TimeSpan.FromSeconds(61));
        var check = await new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            ValidIssuer = FakeProvider.ClientId, ValidAudience = _op.Issuer, IssuerSigningKey = new ECDsaSecurityKey(key),
        });
        Assert.True(check.IsValid);
    }

    [Fact]
    public async Task A_wrong_state_is_refused_before_any_call()
    {
        var (client, pending) = await StartAsync();
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = "forged" }));
        Assert.Equal(ReasonCodes.PscStateMismatch, e.ReasonCode);
        e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c" }));
        Assert.Equal(ReasonCodes.PscStateMismatch, e.ReasonCode);
        Assert.Equal(0, _op.TokenRequests);
    }

    [Fact]
    public async Task An_iss_of_another_provider_is_refused()
    {
        var (client, pending) = await StartAsync();
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = pending.State, Issuer = "https://evil.example" }));
        Assert.Equal(ReasonCodes.PscIssuerMismatch, e.ReasonCode);
    }

    [Theory]
    [InlineData("access_denied", "psc.access-denied")]
    [InlineData("login_required", "psc.provider-error")]
    public async Task Error_responses_are_typed(string error, string code)
    {
        var (client, pending) = await StartAsync();
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(pending, PscAuthorizationResponse.Parse($"?error={error}&error_description=User%20cancelled&state={pending.State}")));
        Assert.Equal(code, e.ReasonCode);
        Assert.Contains(error, e.Message);
    }

    [Fact]
    public async Task An_expired_pending_request_is_refused()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = _op.Client(time: time);
        var start = await client.CodeFlow.CreateAuthorizationRequestAsync();
        time.Advance(TimeSpan.FromMinutes(11));
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(start.Request, new PscAuthorizationResponse { Code = "c", State = start.Request.State }));
        Assert.Equal(ReasonCodes.PscAuthorizationExpired, e.ReasonCode);
    }

    [Fact]
    public async Task A_refused_code_is_a_code_exchange_failure()
    {
        var (client, pending) = await StartAsync();
        _op.Token = static ctx => FakeProvider.Json(ctx, 400, new { error = "invalid_grant", error_description = "grant request is invalid" });
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = pending.State }));
        Assert.Equal(ReasonCodes.PscCodeExchangeFailed, e.ReasonCode);
        Assert.Contains("invalid_grant", e.Message);
    }

    [Fact]
    public async Task A_token_endpoint_answering_garbage_is_a_provider_error()
    {
        var (client, pending) = await StartAsync();
        _op.Token = static ctx => ctx.Response.WriteAsync("<html>oops</html>");
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = pending.State }));
        Assert.Equal(ReasonCodes.PscProviderError, e.ReasonCode);
    }

    [Fact]
    public async Task A_token_response_without_id_token_is_refused()
    {
        var (client, pending) = await StartAsync();
        _op.Token = static ctx => FakeProvider.Json(ctx, 200, new { access_token = "at-1", token_type = "Bearer" });
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = pending.State }));
        Assert.Equal(ReasonCodes.PscCodeExchangeFailed, e.ReasonCode);
    }

    [Fact]
    public async Task Userinfo_about_someone_else_is_refused()
    {
        var (client, pending) = await StartAsync();
        IssueTokens(pending.Nonce, sub: "f:1:810002813839");
        ServeUserInfo(sub: "f:2:899700075122");
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = pending.State }));
        Assert.Equal(ReasonCodes.PscUserInfoSubjectMismatch, e.ReasonCode);
    }

    [Fact]
    public async Task Signed_userinfo_is_verified()
    {
        var (client, pending) = await StartAsync();
        IssueTokens(pending.Nonce);
        var claims = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>(PscUserInfoTests.Sample.Replace("f:550dc1c8:810002813839", "f:1:810002813839"))!;
        claims["iss"] = _op.Issuer;
        claims["aud"] = FakeProvider.ClientId;
        _op.UserInfo = ctx =>
        {
            ctx.Response.ContentType = "application/jwt";
            return ctx.Response.WriteAsync(_op.Sign(claims, kid: "rsa-1"));
        };
        var result = await client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = pending.State });
        Assert.Equal("APPPRIP", result.UserInfo.PalierAuthentification);

        // The same userinfo signed by a key the provider does not publish is refused.
        var (client2, pending2) = await StartAsync();
        IssueTokens(pending2.Nonce);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _op.UserInfo = ctx =>
        {
            ctx.Response.ContentType = "application/jwt";
            return ctx.Response.WriteAsync(_op.Sign(claims, kid: "ec-1", key: new ECDsaSecurityKey(stranger) { KeyId = "ec-1" }, alg: "ES256"));
        };
        var e = await Assert.ThrowsAsync<PscException>(() => client2.CodeFlow.HandleCallbackAsync(pending2, new PscAuthorizationResponse { Code = "c", State = pending2.State }));
        Assert.Equal(ReasonCodes.PscBadSignature, e.ReasonCode);
    }

    [Fact]
    public async Task Without_userinfo_the_identity_comes_from_the_id_token()
    {
        var (client, pending) = await StartAsync(_op.Options(o => o.FetchUserInfo = false));
        IssueTokens(pending.Nonce, edit: c =>
        {
            c["SubjectNameID"] = "810002813839";
            c["family_name"] = "DONNAT-GADY";
        });
        var result = await client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = pending.State });
        Assert.Equal("810002813839", result.Identity.NationalId.Value);
        Assert.Equal("code", result.Evidence.Properties["psc.flow"]);
    }

    [Fact]
    public async Task Userinfo_endpoint_failures_are_typed()
    {
        var (client, pending) = await StartAsync();
        IssueTokens(pending.Nonce);
        _op.UserInfo = static ctx => FakeProvider.Json(ctx, 503, new { });
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = pending.State }));
        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);

        var (client2, pending2) = await StartAsync();
        IssueTokens(pending2.Nonce);
        _op.UserInfo = static ctx => FakeProvider.Json(ctx, 401, new { error = "invalid_token" });
        e = await Assert.ThrowsAsync<PscException>(() => client2.CodeFlow.HandleCallbackAsync(pending2, new PscAuthorizationResponse { Code = "c", State = pending2.State }));
        Assert.Equal(ReasonCodes.PscProviderError, e.ReasonCode);

        var (client3, pending3) = await StartAsync();
        IssueTokens(pending3.Nonce);
        _op.UserInfo = static ctx => { ctx.Response.ContentType = "text/html"; return ctx.Response.WriteAsync("<html/>"); };
        e = await Assert.ThrowsAsync<PscException>(() => client3.CodeFlow.HandleCallbackAsync(pending3, new PscAuthorizationResponse { Code = "c", State = pending3.State }));
        Assert.Equal(ReasonCodes.PscUserInfoInvalid, e.ReasonCode);

        var (client4, pending4) = await StartAsync();
        IssueTokens(pending4.Nonce);
        _op.UserInfo = static ctx => { ctx.Response.ContentType = "application/json"; return ctx.Response.WriteAsync("{\"sub\":\"" + new string('x', 600_000) + "\"}"); };
        e = await Assert.ThrowsAsync<PscException>(() => client4.CodeFlow.HandleCallbackAsync(pending4, new PscAuthorizationResponse { Code = "c", State = pending4.State }));
        Assert.Equal(ReasonCodes.PscUserInfoInvalid, e.ReasonCode);
    }

    [Fact]
    public async Task Garbage_userinfo_is_a_typed_error()
    {
        var (client, pending) = await StartAsync();
        IssueTokens(pending.Nonce);
        _op.UserInfo = static ctx => { ctx.Response.ContentType = "application/json"; return ctx.Response.WriteAsync("{not json"); };
        var e = await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.HandleCallbackAsync(pending, new PscAuthorizationResponse { Code = "c", State = pending.State }));
        Assert.Equal(ReasonCodes.PscUserInfoInvalid, e.ReasonCode);
        Assert.Equal("f:1:810002813839", e.AttemptedSubject);
    }

    [Fact]
    public async Task The_authenticator_returns_failures_instead_of_throwing()
    {
        var client = _op.Client();
        var authenticator = new ProSanteConnectAuthenticator(client);
        var start = await client.CodeFlow.CreateAuthorizationRequestAsync();
        IssueTokens(start.Request.Nonce, edit: c => c["acr"] = "http://eidas.europa.eu/LoA/low");
        ServeUserInfo();
        var result = await authenticator.AuthenticateAsync(new PscAuthenticationRequest { Pending = start.Request, Response = new PscAuthorizationResponse { Code = "c", State = start.Request.State } });
        Assert.False(result.Succeeded);
        Assert.Equal(ReasonCodes.PscAcrTooLow, result.ReasonCode);
        Assert.Equal("f:1:810002813839", result.AttemptedSubject);

        var ok = await client.CodeFlow.CreateAuthorizationRequestAsync();
        IssueTokens(ok.Request.Nonce);
        var success = await authenticator.AuthenticateAsync(new PscAuthenticationRequest { Pending = ok.Request, Response = new PscAuthorizationResponse { Code = "c", State = ok.Request.State } });
        Assert.True(success.Succeeded, success.ToString());
        Assert.Equal("psc", success.Evidence!.Authenticator);
    }

    [Fact]
    public async Task The_logout_url_carries_the_hint_redirect_and_state()
    {
        var client = _op.Client(_op.Options(o => o.PostLogoutRedirectUri = new Uri("http://127.0.0.1:5999/logged-out")));
        var url = await client.CodeFlow.CreateLogoutUrlAsync("id-token", "st-1");
        var q = QueryHelpers.ParseQuery(url.Query);
        Assert.StartsWith(_op.Issuer + "/protocol/openid-connect/logout?", url.AbsoluteUri);
        Assert.Equal("id-token", q["id_token_hint"]);
        Assert.Equal("http://127.0.0.1:5999/logged-out", q["post_logout_redirect_uri"]);
        Assert.Equal("st-1", q["state"]);
        var noHint = QueryHelpers.ParseQuery((await client.CodeFlow.CreateLogoutUrlAsync(null)).Query);
        Assert.Equal(FakeProvider.ClientId, noHint["client_id"]);
    }
}
