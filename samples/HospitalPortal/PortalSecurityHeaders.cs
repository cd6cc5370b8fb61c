using System.Security.Cryptography;

namespace CarteAuth.Samples.HospitalPortal;

/// <summary>
/// The portal's security response headers (OWASP Secure Headers Project; OWASP ASVS 4.0.3 V14.4, V3.4): a strict
/// Content-Security-Policy whose inline scripts and styles need this response's nonce (CSP Level 3 §6.6.3.1), no
/// MIME sniffing, no framing, a same-origin referrer, no powerful browser features but WebAuthn, HSTS over HTTPS, and
/// <c>Cache-Control: no-store</c> on every response to a signed-in professional that does not set its own.
/// </summary>
internal static class PortalSecurityHeaders
{
    /// <summary>
    /// HSTS lifetime. Short on purpose: the demo runs on <c>localhost</c>, and a browser applies HSTS to the host
    /// whatever the port, so a year would force https on every other localhost application of the developer. A
    /// production portal sends <c>max-age=31536000; includeSubDomains</c> (a year).
    /// </summary>
    public const string StrictTransportSecurity = "max-age=3600";

    /// <summary>
    /// Referrer only to this origin. Not <c>no-referrer</c>: with it, browsers send <c>Origin: null</c> on same-origin
    /// POSTs (Fetch §3.1, "append a request Origin header"), which the CarteAuth same-origin check refuses.
    /// </summary>
    public const string ReferrerPolicy = "same-origin";

    /// <summary>Powerful features off, WebAuthn (security keys, passkeys) for this origin only.</summary>
    public const string PermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), bluetooth=(), publickey-credentials-create=(self), publickey-credentials-get=(self)";

    private const string NonceItem = "HospitalPortal.CspNonce";

    /// <summary>The Content-Security-Policy of a response whose inline scripts and styles carry <paramref name="nonce"/>.</summary>
    public static string ContentSecurityPolicy(string nonce) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>This response's CSP nonce (128 random bits, base64), for <c>&lt;script nonce="…"&gt;</c>.</summary>
    public static string Nonce(HttpContext http) => (string)http.Items[NonceItem]!;

    /// <summary>Adds the headers to every response of the portal (and of its card login listener).</summary>
    public static void UsePortalSecurityHeaders(this WebApplication app) => app.Use(async (http, next) =>
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        http.Items[NonceItem] = nonce;
        http.Response.OnStarting(static state =>
        {
            var (context, value) = ((HttpContext, string))state;
            Apply(context, value);
            return Task.CompletedTask;
        }, (http, nonce));
        await next(http).ConfigureAwait(false);
    });

    private static void Apply(HttpContext http, string nonce)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY"; // older browsers; frame-ancestors 'none' for the others
        headers["Referrer-Policy"] = ReferrerPolicy;
        headers["Permissions-Policy"] = PermissionsPolicy;
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (http.Request.IsHttps)
        {
            headers.StrictTransportSecurity = StrictTransportSecurity; // RFC 6797 §7.2: only over a secure transport
        }

        // A signed-in professional's responses hold personal or patient data: never stored by the browser or a proxy
        // (ASVS V8.2.1). Responses that chose their own caching (carteauth.js, the JWKS) keep it.
        if (http.User.Identity?.IsAuthenticated == true && string.IsNullOrEmpty(headers.CacheControl))
        {
            headers.CacheControl = "no-store";
        }
    }
}
