using System.Net;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.Authentication;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc;

/// <summary>How the client authenticates to the token, introspection and CIBA endpoints.</summary>
public enum PscClientAuthenticationMethod
{
    /// <summary><c>client_secret_basic</c> (RFC 6749 §2.3.1): client id and secret in an HTTP Basic header. PSC's default.</summary>
    ClientSecretBasic = 0,
    /// <summary><c>private_key_jwt</c> (OpenID Connect Core 1.0 §9, RFC 7523): a short JWT signed with the client's key.</summary>
    PrivateKeyJwt = 1,
}

/// <summary>
/// Settings of the Pro Santé Connect client. Checked by <see cref="Validate()"/> (at start when registered with
/// <c>AddCarteAuthProSanteConnect</c>): every problem is a <see cref="PscException"/> with
/// <see cref="ReasonCodes.PscInvalidOptions"/> saying how to fix it.
/// </summary>
public sealed class ProSanteConnectOptions
{
    /// <summary>The issuer, exactly as the provider's ID tokens carry it (required), e.g. <see cref="ProSanteConnectEnvironments.Production"/>'s.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>The discovery document's name under the issuer (default PSC's non-standard <c>.well-known/wallet-openid-configuration</c>).</summary>
    public string DiscoveryDocumentName { get; set; } = ProSanteConnectDefaults.DiscoveryDocumentName;

    /// <summary>
    /// Other base addresses the provider's endpoints may live on (PSC serves its authorization endpoint from the wallet
    /// host). Endpoints elsewhere are refused by discovery validation.
    /// </summary>
    public IList<string> AdditionalEndpointBaseAddresses { get; } = [];

    /// <summary>The client id registered with the provider (required).</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>The client secret, for <see cref="PscClientAuthenticationMethod.ClientSecretBasic"/>.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>How the client authenticates (default <see cref="PscClientAuthenticationMethod.ClientSecretBasic"/>).</summary>
    public PscClientAuthenticationMethod ClientAuthentication { get; set; } = PscClientAuthenticationMethod.ClientSecretBasic;

    /// <summary>
    /// For <see cref="PscClientAuthenticationMethod.PrivateKeyJwt"/>: the key and algorithm signing client assertions
    /// (<see cref="X509SigningCredentials"/>, or <see cref="SigningCredentials"/> over a <see cref="JsonWebKey"/>,
    /// <see cref="ECDsaSecurityKey"/> or <see cref="RsaSecurityKey"/>; RS256, PS256 or ES256). Its key id is sent as <c>kid</c>.
    /// </summary>
    public SigningCredentials? ClientAssertionSigningCredentials { get; set; }

    /// <summary>How long a client assertion is valid (default 60 seconds; between 10 seconds and 5 minutes).</summary>
    public TimeSpan ClientAssertionLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A TLS client certificate (with its private key) presented to the provider during the TLS handshake (mTLS, e.g. an
    /// IGC-Santé ORG certificate), by the named HttpClient that <c>AddCarteAuthProSanteConnect</c> registers.
    /// </summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>
    /// Opt-in: the root certificate(s) of a private CA that the provider's TLS server certificate must chain to, instead of
    /// the operating system's trust store (a test or on-premises provider). Empty (default): the system store decides.
    /// Only the trust anchor changes: the chain, validity dates and host name are still checked, and certificates not
    /// issued under these roots are refused (RFC 5280 §6; RFC 6125 §6). Applies to the named HttpClient that
    /// <c>AddCarteAuthProSanteConnect</c> registers.
    /// </summary>
    public X509Certificate2Collection ServerCertificateAuthorities { get; } = [];

    /// <summary>
    /// Revocation checking of the provider's certificate chain when <see cref="ServerCertificateAuthorities"/> is used
    /// (default <see cref="X509RevocationMode.NoCheck"/>, as the system handler does; <see cref="X509RevocationMode.Online"/>
    /// when the private CA publishes CRLs or OCSP).
    /// </summary>
    public X509RevocationMode ServerCertificateRevocationMode { get; set; } = X509RevocationMode.NoCheck;

    /// <summary>Scopes requested (default <c>openid scope_all</c>); must contain <c>openid</c>.</summary>
    public string Scope { get; set; } = ProSanteConnectDefaults.Scope;

    /// <summary>The <c>acr_values</c> requested (default <c>eidas1</c>); empty to send none.</summary>
    public string AcrValues { get; set; } = ProSanteConnectDefaults.AcrValues;

    /// <summary>
    /// The lowest assurance level an ID token's <c>acr</c> may map to (Core's <see cref="Acr"/> mapping: <c>eidas1</c> is
    /// substantial). Default <see cref="AssuranceLevel.Substantial"/>; tokens below are refused with <c>psc.acr-too-low</c>.
    /// </summary>
    public AssuranceLevel RequiredAssurance { get; set; } = AssuranceLevel.Substantial;

    /// <summary>The redirect URI registered with the provider, where the callback is received (required for the code flow).</summary>
    public Uri? RedirectUri { get; set; }

    /// <summary>Where the provider sends the browser after RP-initiated logout (registered with the provider), if any.</summary>
    public Uri? PostLogoutRedirectUri { get; set; }

    /// <summary>Tolerance when checking <c>exp</c>, <c>iat</c>, <c>nbf</c> and <c>auth_time</c> (default 1 minute; at most 5 minutes).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the discovery document and JWKS are used before being fetched again (default 12 hours).</summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// The shortest interval between two JWKS refreshes triggered by an unknown <c>kid</c> (default 30 seconds), so a
    /// flood of tokens with made-up key ids cannot make this client hammer the provider.
    /// </summary>
    public TimeSpan JwksRefreshMinimumInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Signature algorithms accepted for ID tokens, signed userinfo and logout tokens (default RS256, ES256, PS256).
    /// <c>none</c> is never accepted; HS* only when listed here (it then uses the client secret, OpenID Connect Core 1.0 §10.1).
    /// </summary>
    public IList<string> AllowedAlgorithms { get; } = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSsaPssSha256];

    /// <summary>Time limit of one HTTP attempt to the provider (default 10 seconds; between 1 second and 2 minutes).</summary>
    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest token accepted, in characters of its compact form (default 16384; between 1024 and 262144).</summary>
    public int MaxTokenSize { get; set; } = 16 * 1024;

    /// <summary>How long a pending authorization request (state, nonce, PKCE verifier) can be answered (default 10 minutes).</summary>
    public TimeSpan AuthorizationRequestLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>When set, sent as <c>max_age</c> and enforced on <c>auth_time</c> (OpenID Connect Core 1.0 §3.1.2.1).</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Fetch the userinfo endpoint after the code exchange (default true: PSC puts the professional's claims there).</summary>
    public bool FetchUserInfo { get; set; } = true;

    /// <summary>Back-channel logout settings.</summary>
    public PscBackchannelLogoutOptions BackchannelLogout { get; } = new();

    /// <summary>CIBA poll mode settings.</summary>
    public PscCibaOptions Ciba { get; } = new();

    /// <summary>Name of the authenticator in evidence and audit events (default <c>psc</c>).</summary>
    public string AuthenticatorName { get; set; } = ProSanteConnectDefaults.AuthenticatorName;

    /// <summary>Sets the issuer and allowed endpoint hosts of a named environment.</summary>
    /// <param name="environment">One of <see cref="ProSanteConnectEnvironments"/>.</param>
    /// <returns>These options.</returns>
    public ProSanteConnectOptions UseEnvironment(ProSanteConnectEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Issuer = environment.Issuer;
        if (!AdditionalEndpointBaseAddresses.Contains(environment.AuthorizationBaseAddress))
        {
            AdditionalEndpointBaseAddresses.Add(environment.AuthorizationBaseAddress);
        }

        return this;
    }

    /// <summary>Checks every option (what <see cref="ProSanteConnectClient"/> and <c>AddCarteAuthProSanteConnect</c> need).</summary>
    /// <exception cref="PscException"><see cref="ReasonCodes.PscInvalidOptions"/> naming the fix.</exception>
    public void Validate() => Validate(PscOptionsScope.All);

    /// <summary>
    /// Checks the options a part needs: the discovery cache needs only the provider's; the token validator also the
    /// client id; the flows also the client credentials. So <c>carteauth psc discover</c> or <c>validate-id-token</c>
    /// work without a secret.
    /// </summary>
    internal void Validate(PscOptionsScope scope)
    {
        if (!Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer) || issuer.Scheme is not ("https" or "http"))
        {
            throw Invalid($"Issuer '{Issuer}' is not an absolute http(s) URL. Set ProSanteConnectOptions.Issuer, e.g. options.UseEnvironment(ProSanteConnectEnvironments.Sandbox) or the simulator's issuer.");
        }

        if (issuer.Scheme == "http" && !IsLoopback(issuer))
        {
            throw Invalid($"Issuer '{Issuer}' uses http: only a loopback address (127.0.0.1, ::1, localhost) may, for tests. Use https.");
        }

        if (!string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment))
        {
            throw Invalid($"Issuer '{Issuer}' must not have a query or fragment (OpenID Connect Discovery 1.0 §2).");
        }

        if (string.IsNullOrWhiteSpace(DiscoveryDocumentName) || DiscoveryDocumentName.Contains("://", StringComparison.Ordinal))
        {
            throw Invalid("DiscoveryDocumentName must be a path under the issuer, e.g. .well-known/wallet-openid-configuration (PSC) or .well-known/openid-configuration.");
        }

        foreach (var address in AdditionalEndpointBaseAddresses)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var u) || u.Scheme is not ("https" or "http"))
            {
                throw Invalid($"AdditionalEndpointBaseAddresses holds '{address}', which is not an absolute http(s) URL.");
            }
        }

        ValidateTls();

        if (scope.HasFlag(PscOptionsScope.ClientId) && string.IsNullOrWhiteSpace(ClientId))
        {
            throw Invalid("ClientId is required: set it to the client id ANS registered for this service (or the simulator's client id).");
        }

        if (scope.HasFlag(PscOptionsScope.ClientCredentials))
        {
            ValidateClientCredentials();
        }

        if (!Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid", StringComparer.Ordinal))
        {
            throw Invalid($"Scope '{Scope}' must contain openid (PSC: 'openid scope_all').");
        }

        if (!Enum.IsDefined(RequiredAssurance) || RequiredAssurance == AssuranceLevel.None)
        {
            throw Invalid($"RequiredAssurance {RequiredAssurance} is not a level: use Low, Substantial (PSC's eidas1) or High.");
        }

        if (RedirectUri is not null && (!RedirectUri.IsAbsoluteUri || !string.IsNullOrEmpty(RedirectUri.Fragment)))
        {
            throw Invalid($"RedirectUri '{RedirectUri}' must be an absolute URL without fragment, exactly as registered with the provider.");
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
        {
            throw Invalid($"ClockSkew {ClockSkew} is out of range: use 0 to 5 minutes (and keep this host's clock synchronised with NTP).");
        }

        if (MetadataRefreshInterval < TimeSpan.FromMinutes(1) || MetadataRefreshInterval > TimeSpan.FromDays(7))
        {
            throw Invalid($"MetadataRefreshInterval {MetadataRefreshInterval} is out of range: use 1 minute to 7 days.");
        }

        if (JwksRefreshMinimumInterval < TimeSpan.Zero || JwksRefreshMinimumInterval > TimeSpan.FromHours(1))
        {
            throw Invalid($"JwksRefreshMinimumInterval {JwksRefreshMinimumInterval} is out of range: use 0 to 1 hour.");
        }

        if (AllowedAlgorithms.Count == 0)
        {
            throw Invalid("AllowedAlgorithms is empty: keep the default RS256, ES256, PS256.");
        }

        foreach (var alg in AllowedAlgorithms)
        {
            if (string.IsNullOrEmpty(alg) || string.Equals(alg, "none", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid("AllowedAlgorithms must not contain 'none' or an empty value: unsigned tokens are never accepted.");
            }

            if (!IsAsymmetric(alg) && !IsHmac(alg))
            {
                throw Invalid($"AllowedAlgorithms holds '{alg}', which is not a JWS algorithm CarteAuth verifies: use RS256/384/512, PS256/384/512, ES256/384/512 (or HS256 with the client secret).");
            }

            if (IsHmac(alg) && string.IsNullOrEmpty(ClientSecret))
            {
                throw Invalid($"AllowedAlgorithms holds '{alg}', which needs the client secret as key: set ClientSecret or remove '{alg}'.");
            }
        }

        if (HttpTimeout < TimeSpan.FromSeconds(1) || HttpTimeout > TimeSpan.FromMinutes(2))
        {
            throw Invalid($"HttpTimeout {HttpTimeout} is out of range: use 1 second to 2 minutes.");
        }

        if (MaxTokenSize is < 1024 or > 256 * 1024)
        {
            throw Invalid($"MaxTokenSize {MaxTokenSize} is out of range: use 1024 to 262144 characters.");
        }

        if (AuthorizationRequestLifetime < TimeSpan.FromMinutes(1) || AuthorizationRequestLifetime > TimeSpan.FromHours(1))
        {
            throw Invalid($"AuthorizationRequestLifetime {AuthorizationRequestLifetime} is out of range: use 1 minute to 1 hour.");
        }

        if (MaxAge is { } maxAge && maxAge < TimeSpan.Zero)
        {
            throw Invalid($"MaxAge {maxAge} is negative: leave it unset or use 0 (force a new authentication) or more.");
        }

        if (string.IsNullOrWhiteSpace(AuthenticatorName))
        {
            throw Invalid("AuthenticatorName is empty: keep the default 'psc'.");
        }

        BackchannelLogout.Validate();
        Ciba.Validate();
    }

    private void ValidateClientCredentials()
    {
        switch (ClientAuthentication)
        {
            case PscClientAuthenticationMethod.ClientSecretBasic when string.IsNullOrEmpty(ClientSecret):
                throw Invalid("ClientSecret is required with client_secret_basic: set it (from a secret store, not in source), or choose PrivateKeyJwt with ClientAssertionSigningCredentials.");
            case PscClientAuthenticationMethod.PrivateKeyJwt when ClientAssertionSigningCredentials is null:
                throw Invalid("ClientAssertionSigningCredentials are required with private_key_jwt: give the client's private key (X509SigningCredentials, or SigningCredentials over a JsonWebKey/ECDsa/RSA key).");
            case PscClientAuthenticationMethod.PrivateKeyJwt when !IsAsymmetric(ClientAssertionSigningCredentials!.Algorithm):
                throw Invalid($"The client assertion algorithm '{ClientAssertionSigningCredentials!.Algorithm}' is not allowed: use RS256, PS256 or ES256 (RFC 7523 with an asymmetric key).");
            case not (PscClientAuthenticationMethod.ClientSecretBasic or PscClientAuthenticationMethod.PrivateKeyJwt):
                throw Invalid($"ClientAuthentication {(int)ClientAuthentication} is unknown: use ClientSecretBasic or PrivateKeyJwt.");
        }

        if (ClientAssertionLifetime < TimeSpan.FromSeconds(10) || ClientAssertionLifetime > TimeSpan.FromMinutes(5))
        {
            throw Invalid($"ClientAssertionLifetime {ClientAssertionLifetime} is out of range: use 10 seconds to 5 minutes.");
        }
    }

    private void ValidateTls()
    {
        if (ClientCertificate is not null && !ClientCertificate.HasPrivateKey)
        {
            throw Invalid($"ClientCertificate '{ClientCertificate.Subject}' has no private key: load it from a PFX/PKCS#12 file or a store entry with its key.");
        }

        if (ServerCertificateRevocationMode is not (X509RevocationMode.NoCheck or X509RevocationMode.Online or X509RevocationMode.Offline))
        {
            throw Invalid($"ServerCertificateRevocationMode {(int)ServerCertificateRevocationMode} is unknown: use NoCheck, Online or Offline.");
        }
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var ip) && IPAddress.IsLoopback(ip));

    internal static bool IsAsymmetric(string? alg) => alg is "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512" or "ES256" or "ES384" or "ES512";

    internal static bool IsHmac(string? alg) => alg is "HS256" or "HS384" or "HS512";

    internal static PscException Invalid(string message) => new(ReasonCodes.PscInvalidOptions, message);
}

/// <summary>Which options a component needs.</summary>
[Flags]
internal enum PscOptionsScope
{
    /// <summary>Issuer, discovery, algorithms, limits.</summary>
    Provider = 0,
    /// <summary>Plus the client id (token audience).</summary>
    ClientId = 1,
    /// <summary>Plus the client's credentials (secret or signing key, mTLS certificate).</summary>
    ClientCredentials = 2,
    /// <summary>Everything.</summary>
    All = ClientId | ClientCredentials,
}

/// <summary>Back-channel logout settings (OpenID Connect Back-Channel Logout 1.0).</summary>
public sealed class PscBackchannelLogoutOptions
{
    /// <summary>How old a logout token's <c>iat</c> may be (default 5 minutes; between 30 seconds and 1 hour).</summary>
    public TimeSpan MaxTokenAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Require the <c>sid</c> claim (when the provider advertises <c>backchannel_logout_session_supported</c> and sessions are tracked by sid). Default false.</summary>
    public bool RequireSessionId { get; set; }

    internal void Validate()
    {
        if (MaxTokenAge < TimeSpan.FromSeconds(30) || MaxTokenAge > TimeSpan.FromHours(1))
        {
            throw ProSanteConnectOptions.Invalid($"BackchannelLogout.MaxTokenAge {MaxTokenAge} is out of range: use 30 seconds to 1 hour.");
        }
    }
}

/// <summary>CIBA poll mode settings (OpenID Client-Initiated Backchannel Authentication Core 1.0).</summary>
public sealed class PscCibaOptions
{
    /// <summary>Polling interval when the provider gives none (default 5 seconds, OpenID CIBA Core 1.0 §7.3).</summary>
    public TimeSpan DefaultInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How much <c>slow_down</c> adds to the interval (default 5 seconds, RFC 8628 §3.5 as CIBA §11 refers to it).</summary>
    public TimeSpan SlowDownIncrement { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>requested_expiry</c> sent (default 120 seconds); null to let the provider choose.</summary>
    public TimeSpan? RequestedExpiry { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>The longest this client waits whatever the provider says (default 10 minutes).</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(10);

    internal void Validate()
    {
        if (DefaultInterval < TimeSpan.FromMilliseconds(100) || DefaultInterval > TimeSpan.FromMinutes(1))
        {
            throw ProSanteConnectOptions.Invalid($"Ciba.DefaultInterval {DefaultInterval} is out of range: use 100 ms to 1 minute (the CIBA default is 5 seconds).");
        }

        if (SlowDownIncrement < TimeSpan.Zero || SlowDownIncrement > TimeSpan.FromMinutes(1))
        {
            throw ProSanteConnectOptions.Invalid($"Ciba.SlowDownIncrement {SlowDownIncrement} is out of range: use 0 to 1 minute.");
        }

        if (RequestedExpiry is { } e && (e < TimeSpan.FromSeconds(10) || e > TimeSpan.FromHours(1)))
        {
            throw ProSanteConnectOptions.Invalid($"Ciba.RequestedExpiry {e} is out of range: use 10 seconds to 1 hour, or null.");
        }

        if (MaxWait < TimeSpan.FromSeconds(1) || MaxWait > TimeSpan.FromHours(1))
        {
            throw ProSanteConnectOptions.Invalid($"Ciba.MaxWait {MaxWait} is out of range: use 1 second to 1 hour.");
        }
    }
}

/// <summary>Default values of <see cref="ProSanteConnectOptions"/>.</summary>
public static class ProSanteConnectDefaults
{
    /// <summary>PSC's discovery document name.</summary>
    public const string DiscoveryDocumentName = ".well-known/wallet-openid-configuration";

    /// <summary>The standard discovery document name (OpenID Connect Discovery 1.0 §4).</summary>
    public const string StandardDiscoveryDocumentName = ".well-known/openid-configuration";

    /// <summary>PSC's scopes.</summary>
    public const string Scope = "openid scope_all";

    /// <summary>PSC's acr_values.</summary>
    public const string AcrValues = Acr.ProSanteConnect;

    /// <summary>The authenticator name in evidence.</summary>
    public const string AuthenticatorName = "psc";

    /// <summary>The IHttpClientFactory client name used to reach the provider (configure a proxy there).</summary>
    public const string HttpClientName = "CarteAuth.Oidc.ProSanteConnect";

    /// <summary>The <c>events</c> member of a back-channel logout token (OIDC Back-Channel Logout 1.0 §2.4).</summary>
    public const string BackchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout";
}
