using System.Net;
using CarteAuth.SmartCard;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Http;

namespace CarteAuth.AspNetCore;

/// <summary>
/// Settings of the CarteAuth ASP.NET Core integration (<c>services.AddCarteAuth(o => …)</c>): session token keys,
/// login page, internal network ranges. Validated at start (<see cref="ReasonCodes.SessionInvalidOptions"/>).
/// </summary>
public sealed class CarteAuthOptions
{
    /// <summary>The default internal networks: loopback, RFC 1918 private IPv4 ranges and IPv6 unique local addresses (RFC 4193).</summary>
    public static readonly IReadOnlyList<string> DefaultInternalNetworks = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    /// <summary>
    /// The keys that sign and validate session tokens (active key first: <see cref="SigningKeyRing.Create"/>). Required
    /// unless an <see cref="ISigningKeyProvider"/> was registered before <c>AddCarteAuth</c> (e.g. one that reloads
    /// keys for rotation). Load them from a protected file (<see cref="SessionSigningKey.FromPem"/>); never commit them.
    /// </summary>
    public SigningKeyRing? SigningKeys { get; set; }

    /// <summary>The <c>iss</c> of session tokens when <see cref="SessionTokenOptions.Issuer"/> is not set otherwise. Default <c>carteauth</c>.</summary>
    public string TokenIssuer { get; set; } = "carteauth";

    /// <summary>The <c>aud</c> of session tokens when <see cref="SessionTokenOptions.Audience"/> is not set otherwise. Default <c>carteauth</c>.</summary>
    public string TokenAudience { get; set; } = "carteauth";

    /// <summary>
    /// The login page the challenges redirect to, with <c>returnUrl</c> and, for step-up, <c>stepUp</c>
    /// (<see cref="StepUpEncoding"/>). A local path. Default <c>/carteauth/login</c>.
    /// </summary>
    public PathString LoginPath { get; set; } = CarteAuthDefaults.LoginPath;

    /// <summary>
    /// The networks (CIDR, e.g. <c>10.0.0.0/8</c>) whose clients are in the <see cref="NetworkZone.Internal"/> zone; every
    /// other client (and a request without a remote address) is <see cref="NetworkZone.Remote"/>. Null for
    /// <see cref="DefaultInternalNetworks"/>. The client address is <c>HttpContext.Connection.RemoteIpAddress</c>:
    /// behind a reverse proxy, use ForwardedHeadersMiddleware with the proxy in <c>KnownProxies</c>, or every client looks
    /// like the proxy (usually internal).
    /// </summary>
    public IList<string>? InternalNetworks { get; set; }

    /// <summary>
    /// Accept the card's client certificate forwarded by a TLS-terminating reverse proxy (nginx
    /// <c>$ssl_client_escaped_cert</c>) in <see cref="ForwardedCertificateHeader"/>, only from these proxies. Null (the
    /// default): only certificates from Kestrel's own TLS handshake (mTLS) are used.
    /// </summary>
    public ForwardedCertificateOptions? ForwardedCertificate { get; set; }

    /// <summary>The request header carrying the forwarded client certificate. Default <c>X-SSL-Client-Cert</c>.</summary>
    public string ForwardedCertificateHeader { get; set; } = "X-SSL-Client-Cert";

    /// <summary>
    /// The request header carrying the caller's correlation id (e.g. <c>X-Request-Id</c>, set by nginx with
    /// <c>proxy_set_header X-Request-Id $request_id;</c>). When set and the request carries a usable value (1 to 128
    /// visible ASCII characters, no space), every audit event of that request (login, policy decision) records it as its
    /// correlation id, so one request of a proxy's or a client's log finds its one audit event. Null (the default), or a
    /// request without a usable value: logins record <c>HttpContext.TraceIdentifier</c> and policy decisions the session id.
    /// </summary>
    public string? CorrelationIdHeader { get; set; }

    /// <summary>
    /// The path of the Pro Santé Connect callback endpoint (<c>redirect_uri</c>). When
    /// <c>ProSanteConnectOptions.RedirectUri</c> is not set, the redirect URI is this path on the request's own scheme
    /// and host; when it is set, its path must be this one. Default <c>/carteauth/psc/callback</c>.
    /// </summary>
    public PathString PscCallbackPath { get; set; } = "/carteauth/psc/callback";

    /// <summary>How long a Pro Santé Connect sign-in may take between the redirect to PSC and the callback. Default 10 minutes.</summary>
    public TimeSpan PscPendingLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The CarteAuth policy a session must satisfy to register a FIDO2 key (e.g. one asking for a card with PIN, so keys
    /// are only enrolled after a strong identification). Null (the default): any signed-in professional may register.
    /// </summary>
    public string? Fido2RegistrationPolicy { get; set; }

    /// <summary>Checks the options.</summary>
    /// <param name="keysRegistered">True when an <see cref="ISigningKeyProvider"/> is registered, so <see cref="SigningKeys"/> is optional.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.SessionInvalidOptions"/> listing every problem and how to fix it.</exception>
    public void Validate(bool keysRegistered = false)
    {
        var errors = new List<string>();
        if (SigningKeys is null && !keysRegistered)
        {
            errors.Add("SigningKeys is required: set o.SigningKeys = SigningKeyRing.Create(SessionSigningKey.FromPem(File.ReadAllText(\"/etc/carteauth/session-key.pem\"), SessionTokenAlgorithm.ES256)) (generate one with `carteauth token keygen`), or register an ISigningKeyProvider before AddCarteAuth.");
        }
        else if (SigningKeys is { Active.HasPrivateKey: false })
        {
            errors.Add($"SigningKeys' active key '{SigningKeys.Active.Kid}' has no private part, so sessions cannot be signed: load it from its private PEM.");
        }

        if (string.IsNullOrWhiteSpace(TokenIssuer))
        {
            errors.Add("TokenIssuer is empty: set it to this application's URL or name (default \"carteauth\").");
        }

        if (string.IsNullOrWhiteSpace(TokenAudience))
        {
            errors.Add("TokenAudience is empty: set it to the name the protected applications share (default \"carteauth\").");
        }

        var login = LoginPath.Value;
        if (string.IsNullOrEmpty(login) || !login.StartsWith('/') || login.StartsWith("//", StringComparison.Ordinal) || login.Contains('\\', StringComparison.Ordinal))
        {
            errors.Add($"LoginPath '{login}' is not a local path: use a path of this application starting with a single '/', e.g. \"/carteauth/login\".");
        }

        if (ForwardedCertificate is not null && string.IsNullOrWhiteSpace(ForwardedCertificateHeader))
        {
            errors.Add("ForwardedCertificateHeader is empty while ForwardedCertificate is set: name the header the proxy sets, e.g. \"X-SSL-Client-Cert\".");
        }

        var callback = PscCallbackPath.Value;
        if (string.IsNullOrEmpty(callback) || !callback.StartsWith('/') || callback.StartsWith("//", StringComparison.Ordinal))
        {
            errors.Add($"PscCallbackPath '{callback}' is not a local path: use a path starting with a single '/', e.g. \"/carteauth/psc/callback\".");
        }

        if (PscPendingLifetime < TimeSpan.FromMinutes(1) || PscPendingLifetime > TimeSpan.FromHours(1))
        {
            errors.Add($"PscPendingLifetime is {PscPendingLifetime}; use 1 to 60 minutes (default 10 minutes).");
        }

        foreach (var network in InternalNetworks ?? [])
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                errors.Add($"InternalNetworks contains '{network}', which is not a CIDR network: write it as address/prefix with the host bits zero, e.g. \"10.0.0.0/8\" or \"fd00::/8\".");
            }
        }

        if (errors.Count > 0)
        {
            throw new CarteAuthException(ReasonCodes.SessionInvalidOptions, "Invalid CarteAuth options: " + string.Join(" ", errors));
        }
    }
}
