using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CarteAuth.Identity;
using CarteAuth.Testing;

namespace CarteAuth.Oidc.Tests;

/// <summary>Smoke tests of the PSC simulator (samples/psc-simulator) and its .NET test support.</summary>
public sealed class SimulatorSmokeTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    [Fact]
    public void Professionals_HaveNationalIdsThatPassCarteAuthsChecks()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Of("samples", "psc-simulator", "professionals.json")));
        var ids = document.RootElement.GetProperty("professionals").EnumerateArray().Select(p => p.GetProperty("idNat").GetString()!).ToList();

        Assert.Equal([PscSimulator.MedecinIdNat, PscSimulator.PharmacienIdNat, PscSimulator.InfirmierIdNat, PscSimulator.LowAssuranceIdNat], ids);
        Assert.DoesNotContain(PscSimulator.UnknownIdNat, ids);
        Assert.True(NationalId.TryParse(PscSimulator.UnknownIdNat, out _));
        Assert.All(ids, id => Assert.Equal(NationalIdKind.Rpps, NationalId.Parse(id).Kind));
    }

    [Fact]
    public async Task Start_ServesBothDiscoveryDocumentsWithPscEndpointPaths()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var simulator = await PscSimulator.StartAsync(cancellationToken: timeout.Token);
        using var http = new HttpClient();

        var wallet = await http.GetStringAsync(simulator.WalletDiscoveryUri, timeout.Token);
        var standard = await http.GetStringAsync(simulator.DiscoveryUri, timeout.Token);

        using var document = JsonDocument.Parse(wallet);
        var root = document.RootElement;
        Assert.Equal(standard, wallet);
        Assert.Equal("127.0.0.1", simulator.Issuer.Host);
        Assert.Equal(simulator.Issuer.ToString(), root.GetProperty("issuer").GetString());
        Assert.EndsWith("/auth/realms/esante-wallet", root.GetProperty("issuer").GetString(), StringComparison.Ordinal);
        Assert.Equal(simulator.AuthorizationEndpoint.ToString(), root.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(simulator.TokenEndpoint.ToString(), root.GetProperty("token_endpoint").GetString());
        Assert.Equal(simulator.UserInfoEndpoint.ToString(), root.GetProperty("userinfo_endpoint").GetString());
        Assert.Equal(simulator.IntrospectionEndpoint.ToString(), root.GetProperty("introspection_endpoint").GetString());
        Assert.Equal(simulator.EndSessionEndpoint.ToString(), root.GetProperty("end_session_endpoint").GetString());
        Assert.Equal(simulator.JwksUri.ToString(), root.GetProperty("jwks_uri").GetString());
        Assert.Equal(simulator.BackchannelAuthenticationEndpoint.ToString(), root.GetProperty("backchannel_authentication_endpoint").GetString());
        Assert.Contains("scope_all", Strings(root.GetProperty("scopes_supported")));
        Assert.Contains("eidas1", Strings(root.GetProperty("acr_values_supported")));
        Assert.Contains("SubjectRefPro", Strings(root.GetProperty("claims_supported")));
        Assert.Equal(["poll"], Strings(root.GetProperty("backchannel_token_delivery_modes_supported")));
        Assert.True(root.GetProperty("backchannel_logout_supported").GetBoolean());
    }

    [Fact]
    public async Task CodeFlow_WithPkce_GivesAnEidas1IdTokenAndPscUserInfo()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var simulator = await PscSimulator.StartAsync(cancellationToken: timeout.Token);
        var (verifier, challenge) = PscSimulator.CreatePkce();
        var redirectUri = PscSimulator.RedirectUri(54321);
        var authorize = simulator.BuildAuthorizeUrl(PscSimulator.ClientId, redirectUri, "state-1", "nonce-1", challenge);

        var callback = await simulator.LoginAsync(authorize, "810002813839", "card", cancellationToken: timeout.Token);

        Assert.Equal(redirectUri.GetLeftPart(UriPartial.Path), callback.GetLeftPart(UriPartial.Path));
        var query = Query(callback);
        Assert.Equal("state-1", query["state"]);
        using var http = new HttpClient();
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, simulator.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent([
                new("grant_type", "authorization_code"), new("code", query["code"]),
                new("redirect_uri", redirectUri.ToString()), new("code_verifier", verifier)]),
        };
        tokenRequest.Headers.Authorization = Basic(PscSimulator.ClientId, PscSimulator.ClientSecret);
        using var tokenResponse = await http.SendAsync(tokenRequest, timeout.Token);
        var tokenJson = await tokenResponse.Content.ReadAsStringAsync(timeout.Token);
        Assert.True(tokenResponse.IsSuccessStatusCode, tokenJson + simulator.Output);
        using var tokens = JsonDocument.Parse(tokenJson);
        using var idToken = JwtPayload(tokens.RootElement.GetProperty("id_token").GetString()!);
        Assert.Equal("eidas1", idToken.RootElement.GetProperty("acr").GetString());
        Assert.Equal(["sc", "pin", "mfa"], Strings(idToken.RootElement.GetProperty("amr")));
        Assert.Equal("nonce-1", idToken.RootElement.GetProperty("nonce").GetString());
        Assert.Equal(simulator.Issuer.ToString(), idToken.RootElement.GetProperty("iss").GetString());

        using var userInfoRequest = new HttpRequestMessage(HttpMethod.Get, simulator.UserInfoEndpoint);
        userInfoRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.RootElement.GetProperty("access_token").GetString());
        using var userInfoResponse = await http.SendAsync(userInfoRequest, timeout.Token);
        Assert.Equal("application/json", userInfoResponse.Content.Headers.ContentType?.MediaType);
        using var userInfo = JsonDocument.Parse(await userInfoResponse.Content.ReadAsStringAsync(timeout.Token));
        Assert.Equal("810002813839", userInfo.RootElement.GetProperty("SubjectNameID").GetString());
        Assert.Equal("DONNAT-GADY", userInfo.RootElement.GetProperty("family_name").GetString());
        var exercice = userInfo.RootElement.GetProperty("SubjectRefPro").GetProperty("exercices")[0];
        Assert.Equal("10", exercice.GetProperty("codeProfession").GetString());
        Assert.Equal("750100125", exercice.GetProperty("activities")[0].GetProperty("numeroFinessSite").GetString());
        Assert.True(userInfo.RootElement.TryGetProperty("SubjectFutureField", out _));
    }

    [Fact]
    public async Task Login_WithAnUnknownIdNat_RedirectsWithAccessDenied()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var simulator = await PscSimulator.StartAsync(cancellationToken: timeout.Token);
        var (_, challenge) = PscSimulator.CreatePkce();
        var authorize = simulator.BuildAuthorizeUrl(PscSimulator.ClientId, PscSimulator.RedirectUri(54322), "state-2", "nonce-2", challenge);

        var callback = await simulator.LoginAsync(authorize, PscSimulator.UnknownIdNat, cancellationToken: timeout.Token);

        var query = Query(callback);
        Assert.Equal("access_denied", query["error"]);
        Assert.Equal("state-2", query["state"]);
    }

    [Fact]
    public async Task Ciba_ApprovedOnTheSimulatedPhone_GivesTokensAfterPending()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var simulator = await PscSimulator.StartAsync(
            new PscSimulatorOptions { CibaInterval = TimeSpan.FromSeconds(1) }, timeout.Token);
        using var http = new HttpClient();

        using var start = await PostAsync(http, simulator.BackchannelAuthenticationEndpoint,
            [new("scope", "openid scope_all"), new("login_hint", "899700075122"), new("binding_message", "A1B2")], timeout.Token);
        var authReqId = start.RootElement.GetProperty("auth_req_id").GetString()!;
        Assert.Equal(1, start.RootElement.GetProperty("interval").GetInt32());
        Assert.True(start.RootElement.GetProperty("expires_in").GetInt32() > 0);

        await Task.Delay(TimeSpan.FromSeconds(1.1), timeout.Token);
        using var pending = await PostAsync(http, simulator.TokenEndpoint,
            [new("grant_type", "urn:openid:params:grant-type:ciba"), new("auth_req_id", authReqId)], timeout.Token);
        Assert.Equal("authorization_pending", pending.RootElement.GetProperty("error").GetString());
        Assert.Equal(authReqId, await simulator.WaitForPendingCibaAsync("899700075122", timeout.Token));
        var listed = Assert.Single(await simulator.ListCibaAsync(timeout.Token));
        Assert.Equal(("899700075122", "pending", "A1B2"), (listed.IdNat, listed.Status, listed.BindingMessage));

        await simulator.ApproveCibaAsync(authReqId, cancellationToken: timeout.Token);
        await Task.Delay(TimeSpan.FromSeconds(1.1), timeout.Token);
        using var tokens = await PostAsync(http, simulator.TokenEndpoint,
            [new("grant_type", "urn:openid:params:grant-type:ciba"), new("auth_req_id", authReqId)], timeout.Token);

        using var idToken = JwtPayload(tokens.RootElement.GetProperty("id_token").GetString()!);
        Assert.Equal("eidas1", idToken.RootElement.GetProperty("acr").GetString());
        Assert.Equal("899700075122", idToken.RootElement.GetProperty("SubjectNameID").GetString());
    }

    [Fact]
    public async Task Ciba_TooFastPollsSlowDown_DenialAndExpiryAreReported()
    {
        using var timeout = new CancellationTokenSource(Budget);
        // A long interval keeps the hasty poll hasty on a loaded machine; only authorization_pending becomes slow_down.
        await using var simulator = await PscSimulator.StartAsync(
            new PscSimulatorOptions { CibaInterval = TimeSpan.FromSeconds(5) }, timeout.Token);
        using var http = new HttpClient();
        async Task<string> StartAsync(string idNat, string? expiry = null)
        {
            KeyValuePair<string, string>[] form = expiry is null
                ? [new("scope", "openid scope_all"), new("login_hint", idNat)]
                : [new("scope", "openid scope_all"), new("login_hint", idNat), new("requested_expiry", expiry)];
            using var started = await PostAsync(http, simulator.BackchannelAuthenticationEndpoint, form, timeout.Token);
            return started.RootElement.GetProperty("auth_req_id").GetString()!;
        }

        async Task<string?> PollAsync(string authReqId)
        {
            using var answer = await PostAsync(http, simulator.TokenEndpoint,
                [new("grant_type", "urn:openid:params:grant-type:ciba"), new("auth_req_id", authReqId)], timeout.Token);
            return answer.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null;
        }

        using var unknown = await PostAsync(http, simulator.BackchannelAuthenticationEndpoint,
            [new("scope", "openid scope_all"), new("login_hint", PscSimulator.UnknownIdNat)], timeout.Token);
        Assert.Equal("unknown_user_id", unknown.RootElement.GetProperty("error").GetString());

        var hasty = await StartAsync(PscSimulator.MedecinIdNat);
        Assert.Equal("slow_down", await PollAsync(hasty));

        var refused = await StartAsync(PscSimulator.PharmacienIdNat);
        var expiring = await StartAsync(PscSimulator.InfirmierIdNat, expiry: "1");
        await simulator.DenyCibaAsync(refused, timeout.Token);
        await Task.Delay(TimeSpan.FromSeconds(1.2), timeout.Token);
        Assert.Equal("access_denied", await PollAsync(refused));
        Assert.Equal("expired_token", await PollAsync(expiring));
    }

    [Fact]
    public async Task TokenExchange_GivesAJwtAccessTokenForTheAudience_AndIntrospectionSeesTheSubjectToken()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var simulator = await PscSimulator.StartAsync(
            new PscSimulatorOptions { CibaAutoApproveAfter = TimeSpan.Zero, CibaInterval = TimeSpan.Zero }, timeout.Token);
        using var http = new HttpClient();
        using var started = await PostAsync(http, simulator.BackchannelAuthenticationEndpoint,
            [new("scope", "openid scope_all"), new("login_hint", PscSimulator.InfirmierIdNat)], timeout.Token);
        await Task.Delay(TimeSpan.FromMilliseconds(300), timeout.Token);
        using var tokens = await PostAsync(http, simulator.TokenEndpoint,
            [new("grant_type", "urn:openid:params:grant-type:ciba"), new("auth_req_id", started.RootElement.GetProperty("auth_req_id").GetString()!)], timeout.Token);
        var accessToken = tokens.RootElement.GetProperty("access_token").GetString()!;

        using var introspection = await PostAsync(http, simulator.IntrospectionEndpoint, [new("token", accessToken)], timeout.Token);
        Assert.True(introspection.RootElement.GetProperty("active").GetBoolean());
        Assert.Equal(PscSimulator.ClientId, introspection.RootElement.GetProperty("client_id").GetString());

        using var exchanged = await PostAsync(http, simulator.TokenEndpoint,
        [
            new("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), new("subject_token", accessToken),
            new("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"), new("audience", "https://api.example.test"),
        ], timeout.Token);
        Assert.Equal("urn:ietf:params:oauth:token-type:access_token", exchanged.RootElement.GetProperty("issued_token_type").GetString());
        Assert.Equal("Bearer", exchanged.RootElement.GetProperty("token_type").GetString());
        using var jwt = JwtPayload(exchanged.RootElement.GetProperty("access_token").GetString()!);
        Assert.Equal("https://api.example.test", jwt.RootElement.GetProperty("aud").GetString());
        Assert.Equal(introspection.RootElement.GetProperty("sub").GetString(), jwt.RootElement.GetProperty("sub").GetString());

        using var refused = await PostAsync(http, simulator.TokenEndpoint,
        [
            new("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), new("subject_token", "not-a-token"),
            new("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"), new("audience", "https://api.example.test"),
        ], timeout.Token);
        Assert.Equal("invalid_grant", refused.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Logout_AfterAPrivateKeyJwtLogin_SendsABackChannelLogoutToken()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var simulator = await PscSimulator.StartAsync(cancellationToken: timeout.Token);
        using var key = RSA.Create(2048);
        await simulator.SetClientJwksAsync(PscSimulator.JwtClientId, key, "test-key-1", timeout.Token);
        var receiverPort = CarteAuth.Testing.LoopbackPorts.Free();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{receiverPort}/bcl/");
        receiver.Start();
        await simulator.SetBackchannelLogoutUriAsync(PscSimulator.JwtClientId, new Uri($"http://127.0.0.1:{receiverPort}/bcl/"), timeout.Token);
        var (verifier, challenge) = PscSimulator.CreatePkce();
        var redirectUri = PscSimulator.RedirectUri(54323);
        var cookies = new CookieContainer();
        var callback = await simulator.LoginAsync(
            simulator.BuildAuthorizeUrl(PscSimulator.JwtClientId, redirectUri, "state-3", "nonce-3", challenge), "899700000013", "ecps", cookies, timeout.Token);

        using var http = new HttpClient();
        using var tokenResponse = await http.PostAsync(simulator.TokenEndpoint, new FormUrlEncodedContent([
            new("grant_type", "authorization_code"), new("code", Query(callback)["code"]),
            new("redirect_uri", redirectUri.ToString()), new("code_verifier", verifier),
            new("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            new("client_assertion", ClientAssertion(key, "test-key-1", PscSimulator.JwtClientId, simulator.TokenEndpoint))]), timeout.Token);
        var tokenJson = await tokenResponse.Content.ReadAsStringAsync(timeout.Token);
        Assert.True(tokenResponse.IsSuccessStatusCode, tokenJson + simulator.Output);
        using var tokens = JsonDocument.Parse(tokenJson);
        var idToken = tokens.RootElement.GetProperty("id_token").GetString()!;
        using var claims = JwtPayload(idToken);
        Assert.Equal(["swk", "pin", "mfa"], Strings(claims.RootElement.GetProperty("amr")));
        var sid = claims.RootElement.GetProperty("sid").GetString();

        var received = receiver.GetContextAsync();
        var logout = simulator.LogoutAsync(new Uri(simulator.EndSessionEndpoint +
            $"?id_token_hint={idToken}&post_logout_redirect_uri={Uri.EscapeDataString("http://127.0.0.1:54323/logged-out")}&state=bye"), cookies, timeout.Token);
        var context = await received.WaitAsync(timeout.Token);
        using (var reader = new StreamReader(context.Request.InputStream))
        {
            var form = await reader.ReadToEndAsync(timeout.Token);
            using var logoutToken = JwtPayload(WebUtility.UrlDecode(form["logout_token=".Length..]));
            Assert.Equal(sid, logoutToken.RootElement.GetProperty("sid").GetString());
            Assert.True(logoutToken.RootElement.GetProperty("events").TryGetProperty("http://schemas.openid.net/event/backchannel-logout", out _));
        }

        context.Response.StatusCode = 200;
        context.Response.Close();
        var end = await logout;
        Assert.Equal("http://127.0.0.1:54323/logged-out?state=bye", end.ToString());
    }

    private static async Task<JsonDocument> PostAsync(HttpClient http, Uri uri, KeyValuePair<string, string>[] form, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = Basic(PscSimulator.ClientId, PscSimulator.ClientSecret);
        using var response = await http.SendAsync(request, cancellationToken);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private static string ClientAssertion(RSA key, string keyId, string clientId, Uri audience)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid = keyId }));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new
        {
            iss = clientId, sub = clientId, aud = audience.ToString(), jti = Guid.NewGuid().ToString("N"), iat = now, exp = now + 60,
        }));
        var signature = key.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static AuthenticationHeaderValue Basic(string clientId, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret)}")));

    private static JsonDocument JwtPayload(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=')));
    }

    private static Dictionary<string, string> Query(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p.Length > 1 ? p[1] : string.Empty));

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
