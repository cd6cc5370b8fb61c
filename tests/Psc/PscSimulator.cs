using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CarteAuth.Oidc.Development;

namespace CarteAuth.Testing;

/// <summary>Options of a <see cref="PscSimulator"/> run (each maps to a <c>server.mjs</c> argument).</summary>
public sealed class PscSimulatorOptions
{
    /// <summary>The issuer path (<c>--issuer-path</c>), PSC's by default.</summary>
    public string IssuerPath { get; set; } = PscSimulator.DefaultIssuerPath;

    /// <summary>Back-channel logout URI given to every client at start (<c>--backchannel-logout-uri</c>).</summary>
    public Uri? BackchannelLogoutUri { get; set; }

    /// <summary>Approve every CIBA request after this delay (<c>--ciba-auto-approve-after</c>); null: approval by <see cref="PscSimulator.ApproveCibaAsync"/> only.</summary>
    public TimeSpan? CibaAutoApproveAfter { get; set; }

    /// <summary>CIBA polling interval announced and enforced (<c>--ciba-interval</c>, default 2 s).</summary>
    public TimeSpan? CibaInterval { get; set; }

    /// <summary>CIBA request lifetime when the client asks none (<c>--ciba-expires-in</c>, default 120 s).</summary>
    public TimeSpan? CibaExpiresIn { get; set; }

    /// <summary>Access token lifetime (<c>--access-token-ttl</c>, default 120 s).</summary>
    public TimeSpan? AccessTokenLifetime { get; set; }

    /// <summary>Delay added to every response (<c>--slow-ms</c>), to test client timeouts.</summary>
    public TimeSpan? ResponseDelay { get; set; }

    /// <summary>How long to wait for the simulator's ready line (default 30 s).</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A pending or finished CIBA request as the simulator's test control lists it.</summary>
/// <param name="AuthReqId">The <c>auth_req_id</c>.</param>
/// <param name="ClientId">The client that asked.</param>
/// <param name="IdNat">The professional's idNat (the <c>login_hint</c>).</param>
/// <param name="Status"><c>pending</c>, <c>approved</c>, <c>denied</c>, <c>expired</c> or <c>tokens issued</c>.</param>
/// <param name="BindingMessage">The binding message, if any.</param>
public sealed record PscSimulatorCibaRequest(string AuthReqId, string ClientId, string? IdNat, string Status, string? BindingMessage);

/// <summary>
/// The Pro Santé Connect simulator (samples/psc-simulator: node <c>oidc-provider</c> configured like PSC), started on
/// 127.0.0.1 on a free port for one test and stopped (process tree killed) on dispose. Its stdin is held open: if the
/// test run dies, the simulator sees stdin close and exits. See samples/psc-simulator/README.md.
/// </summary>
public sealed partial class PscSimulator : IAsyncDisposable
{
    /// <summary>PSC's issuer path (Keycloak realm).</summary>
    public const string DefaultIssuerPath = "/auth/realms/esante-wallet";

    /// <summary>The client_secret_basic client (JSON userinfo, CIBA, token exchange).</summary>
    public const string ClientId = "carteauth-test";

    /// <summary>The secret of <see cref="ClientId"/>.</summary>
    public const string ClientSecret = "carteauth-test-secret-not-for-production";

    /// <summary>The private_key_jwt client: set its public keys with <see cref="SetClientJwksAsync(string, string, CancellationToken)"/> first.</summary>
    public const string JwtClientId = "carteauth-jwt";

    /// <summary>The client_secret_basic client whose userinfo is a signed JWT (RS256), like PSC's.</summary>
    public const string JwtUserinfoClientId = "carteauth-jwt-userinfo";

    /// <summary>The secret of <see cref="JwtUserinfoClientId"/>.</summary>
    public const string JwtUserinfoClientSecret = "carteauth-jwt-userinfo-secret-not-for-production";

    /// <summary>A registered redirect URI; any port on 127.0.0.1 or localhost is accepted (native client, RFC 8252 §7.3).</summary>
    public const string RedirectPath = "/callback";

    /// <summary>A registered post-logout redirect path (any loopback port).</summary>
    public const string PostLogoutRedirectPath = "/logged-out";

    /// <summary>Test professional: DONNAT-GADY ISABELLE, médecin (profession 10), one activity at a FINESS site, acr eidas1.</summary>
    public const string MedecinIdNat = "810002813839";

    /// <summary>Test professional: CAROLE, pharmacien (profession 21), acr eidas1.</summary>
    public const string PharmacienIdNat = "899700075122";

    /// <summary>Test professional: infirmier (profession 60) with two exercices, acr eidas1.</summary>
    public const string InfirmierIdNat = "899700000013";

    /// <summary>Test professional whose authentication is below eidas1 (acr <c>http://eidas.europa.eu/LoA/low</c>, amr pwd).</summary>
    public const string LowAssuranceIdNat = "899700000021";

    /// <summary>A well-formed RPPS idNat (Luhn-valid) that is no test professional: login gives access_denied, CIBA unknown_user_id.</summary>
    public const string UnknownIdNat = "899700000039";

    /// <summary>The ready line prefix printed on stdout.</summary>
    private readonly PscSimulatorHost _host;
    private readonly HttpClient _http;
    private int _disposed;

    private PscSimulator(PscSimulatorHost host)
    {
        _host = host;
        var issuer = host.Issuer;
        Issuer = issuer;
        BaseAddress = new Uri(issuer.GetLeftPart(UriPartial.Authority) + "/");
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The issuer, e.g. <c>http://127.0.0.1:41234/auth/realms/esante-wallet</c> (no trailing slash).</summary>
    public Uri Issuer { get; }

    /// <summary>The simulator's origin (<c>http://127.0.0.1:port/</c>): test controls live under <c>/_sim/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>PSC's discovery document (<c>.well-known/wallet-openid-configuration</c>).</summary>
    public Uri WalletDiscoveryUri => Endpoint("/.well-known/wallet-openid-configuration");

    /// <summary>The standard discovery document (<c>.well-known/openid-configuration</c>).</summary>
    public Uri DiscoveryUri => Endpoint("/.well-known/openid-configuration");

    /// <summary>The authorization endpoint.</summary>
    public Uri AuthorizationEndpoint => Endpoint("/protocol/openid-connect/auth");

    /// <summary>The token endpoint.</summary>
    public Uri TokenEndpoint => Endpoint("/protocol/openid-connect/token");

    /// <summary>The userinfo endpoint.</summary>
    public Uri UserInfoEndpoint => Endpoint("/protocol/openid-connect/userinfo");

    /// <summary>The introspection endpoint.</summary>
    public Uri IntrospectionEndpoint => Endpoint("/protocol/openid-connect/token/introspect");

    /// <summary>The end-session (logout) endpoint.</summary>
    public Uri EndSessionEndpoint => Endpoint("/protocol/openid-connect/logout");

    /// <summary>The JWKS (certs) endpoint.</summary>
    public Uri JwksUri => Endpoint("/protocol/openid-connect/certs");

    /// <summary>The CIBA backchannel authentication endpoint.</summary>
    public Uri BackchannelAuthenticationEndpoint => Endpoint("/protocol/openid-connect/ext/ciba/auth");

    /// <summary>Everything the simulator printed so far (stdout and stderr), for failure messages.</summary>
    public string Output => _host.Output;

    /// <summary>
    /// Starts <c>node samples/psc-simulator/server.mjs --port 0 --exit-on-stdin-close …</c> and waits for its ready line.
    /// </summary>
    /// <param name="options">Options, or defaults.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The running simulator; dispose it to stop it.</returns>
    /// <exception cref="InvalidOperationException">node or node_modules is missing, or the simulator did not start in time.</exception>
    public static async Task<PscSimulator> StartAsync(PscSimulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PscSimulatorOptions();
        var host = await PscSimulatorHost.StartAsync(RepositoryPaths.Of("samples", "psc-simulator"), Arguments(options), options.StartTimeout, cancellationToken).ConfigureAwait(false);
        return new PscSimulator(host);
    }

    /// <summary>A redirect URI on the given loopback port (registered for every client).</summary>
    /// <param name="port">The port of the test's listener (any).</param>
    /// <returns><c>http://127.0.0.1:port/callback</c>.</returns>
    public static Uri RedirectUri(int port) => new($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{RedirectPath}");

    /// <summary>Creates an RFC 7636 PKCE pair (S256).</summary>
    /// <returns>The code verifier and its S256 challenge.</returns>
    public static (string Verifier, string Challenge) CreatePkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    /// <summary>Builds an authorization request URL like a PSC relying party's.</summary>
    /// <param name="clientId">The client id.</param>
    /// <param name="redirectUri">The redirect URI.</param>
    /// <param name="state">The state.</param>
    /// <param name="nonce">The nonce.</param>
    /// <param name="codeChallenge">The PKCE S256 challenge.</param>
    /// <param name="scope">The scope (PSC's by default).</param>
    /// <param name="acrValues">The acr_values (PSC's eidas1 by default; null to omit).</param>
    /// <returns>The URL to send the browser (or <see cref="LoginAsync"/>) to.</returns>
    public Uri BuildAuthorizeUrl(string clientId, Uri redirectUri, string state, string nonce, string codeChallenge,
        string scope = "openid scope_all", string? acrValues = "eidas1")
    {
        var query = new List<KeyValuePair<string, string>>
        {
            new("response_type", "code"),
            new("client_id", clientId),
            new("redirect_uri", redirectUri.ToString()),
            new("scope", scope),
            new("state", state),
            new("nonce", nonce),
            new("code_challenge", codeChallenge),
            new("code_challenge_method", "S256"),
        };
        if (acrValues is not null)
        {
            query.Add(new("acr_values", acrValues));
        }

        return new Uri(AuthorizationEndpoint + "?" + string.Join('&', query.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}")));
    }

    /// <summary>
    /// Plays the professional in a browser-free authorization code flow: follows the authorization request to the
    /// simulator's login page, posts the idNat and method, follows the redirects and returns the final redirect to the
    /// client (with <c>code</c> and <c>state</c>, or <c>error=access_denied</c> for an unknown idNat). Not followed.
    /// </summary>
    /// <param name="authorizeUrl">The authorization request URL.</param>
    /// <param name="idNat">A test professional's idNat (see professionals.json).</param>
    /// <param name="method"><c>card</c> (CPS card: amr sc pin mfa) or <c>ecps</c> (e-CPS: amr swk pin mfa).</param>
    /// <param name="cookies">The browser's cookies; pass the same container to <see cref="LogoutAsync"/> later.</param>
    /// <param name="cancellationToken">Cancels the flow.</param>
    /// <returns>The redirect URI the simulator sends the browser back to.</returns>
    /// <exception cref="InvalidOperationException">The simulator answered something other than the expected redirects.</exception>
    public async Task<Uri> LoginAsync(Uri authorizeUrl, string idNat, string method = "card", CookieContainer? cookies = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authorizeUrl);
        using var browser = Browser(cookies ?? new CookieContainer());
        var next = authorizeUrl;
        var loggedIn = false;
        for (var hop = 0; hop < 10; hop++)
        {
            if (!IsSimulator(next))
            {
                return next;
            }

            HttpResponseMessage response;
            if (next.AbsolutePath.StartsWith("/interaction/", StringComparison.Ordinal))
            {
                if (loggedIn)
                {
                    throw new InvalidOperationException($"The simulator asked for a second interaction ({next}) after the login. Its output:{Environment.NewLine}{Output}");
                }

                using (var page = await browser.GetAsync(next, cancellationToken).ConfigureAwait(false))
                {
                    await EnsureAsync(page, HttpStatusCode.OK, "the login page", cancellationToken).ConfigureAwait(false);
                }

                using var form = new FormUrlEncodedContent([new("idNat", idNat), new("method", method)]);
                response = await browser.PostAsync(new Uri(next.GetLeftPart(UriPartial.Path) + "/login"), form, cancellationToken).ConfigureAwait(false);
                loggedIn = true;
            }
            else
            {
                response = await browser.GetAsync(next, cancellationToken).ConfigureAwait(false);
            }

            using (response)
            {
                next = await RedirectOfAsync(response, next, cancellationToken).ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException($"Too many redirects from {authorizeUrl}.");
    }

    /// <summary>
    /// RP-initiated logout in the same "browser" as <see cref="LoginAsync"/>: opens the end-session URL, confirms,
    /// and returns where the simulator redirects (the post_logout_redirect_uri with state, or its success page). The
    /// provider sends back-channel logout tokens to clients with a backchannel_logout_uri while doing so.
    /// </summary>
    /// <param name="endSessionUrl">The end-session URL (with id_token_hint, post_logout_redirect_uri, state).</param>
    /// <param name="cookies">The cookies given to <see cref="LoginAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the flow.</param>
    /// <returns>The final redirect URI.</returns>
    public async Task<Uri> LogoutAsync(Uri endSessionUrl, CookieContainer cookies, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endSessionUrl);
        using var browser = Browser(cookies);
        using var page = await browser.GetAsync(endSessionUrl, cancellationToken).ConfigureAwait(false);
        var html = await EnsureAsync(page, HttpStatusCode.OK, "the logout confirmation page", cancellationToken).ConfigureAwait(false);
        var action = FormAction().Match(html);
        var xsrf = XsrfInput().Match(html);
        if (!action.Success || !xsrf.Success)
        {
            throw new InvalidOperationException($"The logout page has no confirmation form: {Excerpt(html)}");
        }

        using var form = new FormUrlEncodedContent([new("xsrf", WebUtility.HtmlDecode(xsrf.Groups[1].Value)), new("logout", "yes")]);
        using var response = await browser.PostAsync(new Uri(endSessionUrl, WebUtility.HtmlDecode(action.Groups[1].Value)), form, cancellationToken).ConfigureAwait(false);
        return await RedirectOfAsync(response, endSessionUrl, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Simulates the professional approving a CIBA request on the e-CPS app.</summary>
    /// <param name="authReqId">The <c>auth_req_id</c>.</param>
    /// <param name="method">The authentication method recorded (<c>ecps</c> by default, or <c>card</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task ApproveCibaAsync(string authReqId, string method = "ecps", CancellationToken cancellationToken = default) =>
        ControlAsync(HttpMethod.Post, $"_sim/ciba/{Uri.EscapeDataString(authReqId)}/approve", JsonSerializer.Serialize(new { method }), cancellationToken);

    /// <summary>Simulates the professional refusing a CIBA request (the client's poll then gets <c>access_denied</c>).</summary>
    /// <param name="authReqId">The <c>auth_req_id</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DenyCibaAsync(string authReqId, CancellationToken cancellationToken = default) =>
        ControlAsync(HttpMethod.Post, $"_sim/ciba/{Uri.EscapeDataString(authReqId)}/deny", null, cancellationToken);

    /// <summary>Lists the CIBA requests the simulator has seen.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The requests, oldest first.</returns>
    public async Task<IReadOnlyList<PscSimulatorCibaRequest>> ListCibaAsync(CancellationToken cancellationToken = default)
    {
        using var document = JsonDocument.Parse(await ControlAsync(HttpMethod.Get, "_sim/ciba", null, cancellationToken).ConfigureAwait(false));
        return [.. document.RootElement.EnumerateArray().Select(e => new PscSimulatorCibaRequest(
            e.GetProperty("auth_req_id").GetString()!,
            e.GetProperty("client_id").GetString()!,
            e.TryGetProperty("idNat", out var idNat) ? idNat.GetString() : null,
            e.GetProperty("status").GetString()!,
            e.TryGetProperty("binding_message", out var message) ? message.GetString() : null))];
    }

    /// <summary>
    /// Waits until the simulator has a pending CIBA request for this professional (the "push" reached the phone) and
    /// returns its <c>auth_req_id</c>, for tests whose client polls on its own.
    /// </summary>
    /// <param name="idNat">The professional's idNat (the request's login_hint).</param>
    /// <param name="cancellationToken">Bounds the wait.</param>
    /// <returns>The auth_req_id of the newest pending request for <paramref name="idNat"/>.</returns>
    public async Task<string> WaitForPendingCibaAsync(string idNat, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var pending = (await ListCibaAsync(cancellationToken).ConfigureAwait(false))
                .LastOrDefault(r => r.IdNat == idNat && r.Status == "pending");
            if (pending is not null)
            {
                return pending.AuthReqId;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sets a client's public JWKS (for private_key_jwt), e.g. <see cref="JwtClientId"/>'s.</summary>
    /// <param name="clientId">The client id.</param>
    /// <param name="jwksJson">A JWKS (<c>{"keys":[…]}</c>) of public keys.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task SetClientJwksAsync(string clientId, string jwksJson, CancellationToken cancellationToken = default) =>
        ControlAsync(HttpMethod.Post, $"_sim/clients/{Uri.EscapeDataString(clientId)}/jwks", jwksJson, cancellationToken);

    /// <summary>Sets a client's public key (RSA, RS256) for private_key_jwt.</summary>
    /// <param name="clientId">The client id.</param>
    /// <param name="key">The client's key (only its public part is sent).</param>
    /// <param name="keyId">The kid the client puts in its assertions' header.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task SetClientJwksAsync(string clientId, RSA key, string keyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var p = key.ExportParameters(includePrivateParameters: false);
        var jwk = new { kty = "RSA", use = "sig", alg = "RS256", kid = keyId, n = Base64Url(p.Modulus!), e = Base64Url(p.Exponent!) };
        return SetClientJwksAsync(clientId, JsonSerializer.Serialize(new { keys = new[] { jwk } }), cancellationToken);
    }

    /// <summary>Sets a client's public key (EC P-256, ES256) for private_key_jwt.</summary>
    /// <param name="clientId">The client id.</param>
    /// <param name="key">The client's P-256 key (only its public part is sent).</param>
    /// <param name="keyId">The kid the client puts in its assertions' header.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task SetClientJwksAsync(string clientId, ECDsa key, string keyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var p = key.ExportParameters(includePrivateParameters: false);
        var jwk = new { kty = "EC", use = "sig", alg = "ES256", kid = keyId, crv = "P-256", x = Base64Url(p.Q.X!), y = Base64Url(p.Q.Y!) };
        return SetClientJwksAsync(clientId, JsonSerializer.Serialize(new { keys = new[] { jwk } }), cancellationToken);
    }

    /// <summary>Sets (or, with null, removes) a client's back-channel logout URI.</summary>
    /// <param name="clientId">The client id.</param>
    /// <param name="uri">The test's receiver, e.g. <c>http://127.0.0.1:port/backchannel-logout</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task SetBackchannelLogoutUriAsync(string clientId, Uri? uri, CancellationToken cancellationToken = default) =>
        ControlAsync(HttpMethod.Post, $"_sim/clients/{Uri.EscapeDataString(clientId)}/backchannel-logout-uri",
            JsonSerializer.Serialize(new Dictionary<string, string?> { ["backchannel_logout_uri"] = uri?.ToString() }), cancellationToken);

    /// <summary>Makes the simulator send one back-channel logout token (OIDC Back-Channel Logout 1.0 §2.4) to a client now.</summary>
    /// <param name="clientId">The client id (it needs a backchannel_logout_uri).</param>
    /// <param name="subject">The professional's <c>sub</c> or idNat (or null with a <paramref name="sessionId"/>).</param>
    /// <param name="sessionId">The <c>sid</c> to put in the token, or null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task, faulted if the receiver did not answer 200/204.</returns>
    public Task SendBackchannelLogoutAsync(string clientId, string? subject, string? sessionId = null, CancellationToken cancellationToken = default) =>
        ControlAsync(HttpMethod.Post, "_sim/backchannel-logout",
            JsonSerializer.Serialize(new Dictionary<string, string?> { ["client_id"] = clientId, ["sub"] = subject, ["sid"] = sessionId }), cancellationToken);

    /// <summary>Stops the simulator: closes its stdin, then kills its process tree if it is still running.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _http.Dispose();
        await _host.DisposeAsync().ConfigureAwait(false);
    }

    private Uri Endpoint(string relative) => new(Issuer + relative);

    private bool IsSimulator(Uri uri) =>
        Uri.Compare(uri, BaseAddress, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0;

    private static HttpClient Browser(CookieContainer cookies) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies }) { Timeout = TimeSpan.FromSeconds(30) };

    private async Task<string> ControlAsync(HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PSC simulator test control {method} /{path} answered {(int)response.StatusCode}: {Excerpt(body)}");
        }

        return body;
    }

    private async Task<Uri> RedirectOfAsync(HttpResponseMessage response, Uri current, CancellationToken cancellationToken)
    {
        if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
        {
            return new Uri(current, location);
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw new InvalidOperationException(
            $"Expected a redirect from {current.GetLeftPart(UriPartial.Path)}, got {(int)response.StatusCode}: {Excerpt(body)}{Environment.NewLine}Simulator output:{Environment.NewLine}{Output}");
    }

    private static async Task<string> EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, string what, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"Expected {what} ({(int)expected}), got {(int)response.StatusCode}: {Excerpt(body)}");
        }

        return body;
    }

    private static IEnumerable<string> Arguments(PscSimulatorOptions options)
    {
        yield return "--issuer-path";
        yield return options.IssuerPath;
        if (options.BackchannelLogoutUri is { } uri)
        {
            yield return "--backchannel-logout-uri";
            yield return uri.ToString();
        }

        foreach (var (name, value, milliseconds) in new (string, TimeSpan?, bool)[]
        {
            ("--ciba-auto-approve-after", options.CibaAutoApproveAfter, false),
            ("--ciba-interval", options.CibaInterval, false),
            ("--ciba-expires-in", options.CibaExpiresIn, false),
            ("--access-token-ttl", options.AccessTokenLifetime, false),
            ("--slow-ms", options.ResponseDelay, true),
        })
        {
            if (value is { } v)
            {
                yield return name;
                yield return ((long)(milliseconds ? v.TotalMilliseconds : v.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Excerpt(string text) => text.Length <= 500 ? text : text[..500] + "…";

    [GeneratedRegex("<form[^>]*action=\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex FormAction();

    [GeneratedRegex("name=\"xsrf\"\\s+value=\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex XsrfInput();
}
