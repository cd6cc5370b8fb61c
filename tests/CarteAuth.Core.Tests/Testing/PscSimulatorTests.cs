using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CarteAuth.Identity;
using CarteAuth.Testing;

namespace CarteAuth.Core.Tests.Testing;

/// <summary>Smoke tests of the PSC simulator (samples/psc-simulator) and its .NET test support.</summary>
public sealed class PscSimulatorTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    [Fact]
    public void Professionals_HaveNationalIdsThatPassCarteAuthsChecks()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Of("samples", "psc-simulator", "professionals.json")));
        var ids = document.RootElement.GetProperty("professionals").EnumerateArray().Select(p => p.GetProperty("idNat").GetString()!).ToList();

        Assert.Contains("810002813839", ids);
        Assert.Contains("899700075122", ids);
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

        var callback = await simulator.LoginAsync(authorize, "812345678901", cancellationToken: timeout.Token);

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

    private static async Task<JsonDocument> PostAsync(HttpClient http, Uri uri, KeyValuePair<string, string>[] form, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = Basic(PscSimulator.ClientId, PscSimulator.ClientSecret);
        using var response = await http.SendAsync(request, cancellationToken);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

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
