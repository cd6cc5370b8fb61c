using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.SmartCard;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore;

/// <summary>The login endpoints' shared behaviour: authenticate through Core's audited service, then start the session.</summary>
internal static class CarteAuthLoginEndpoints
{
    /// <summary>
    /// <c>GET /carteauth/login/card</c>: signs in with the card's TLS client certificate (Kestrel mTLS, or forwarded by a
    /// trusted proxy when <see cref="CarteAuthOptions.ForwardedCertificate"/> is set), checked by the smart card
    /// authenticator, then redirects to <c>returnUrl</c> (local URLs only).
    /// </summary>
    public static async Task<IResult> CardAsync(HttpContext http, IAuthenticationService authentication, ICarteAuthSignInManager signIn, IOptions<CarteAuthOptions> options, string? returnUrl)
    {
        var o = options.Value;
        var started = Stopwatch.GetTimestamp();
        using var activity = StartActivity(SmartCardMethod);
        X509Certificate2? forwarded = null;
        try
        {
            var certificate = http.Connection.ClientCertificate ?? await http.Connection.GetClientCertificateAsync(http.RequestAborted).ConfigureAwait(false);
            if (certificate is null && o.ForwardedCertificate is { } proxies)
            {
                var header = http.Request.Headers[o.ForwardedCertificateHeader].ToString();
                if (!ForwardedClientCertificate.TryRead(header, http.Connection.RemoteIpAddress, proxies, out forwarded, out var code, out var message))
                {
                    return await CompleteAsync(http, signIn, o, await RefusedAsync(http, SmartCardMethod, AuthenticationResult.Fail(code, message)).ConfigureAwait(false), returnUrl, SmartCardMethod, started).ConfigureAwait(false);
                }

                certificate = forwarded;
            }

            if (certificate is null)
            {
                var missing = AuthenticationResult.Fail(ReasonCodes.CertMissing, "No client certificate: the TLS handshake carried none and no trusted proxy forwarded one.");
                return await CompleteAsync(http, signIn, o, await RefusedAsync(http, SmartCardMethod, missing).ConfigureAwait(false), returnUrl, SmartCardMethod, started).ConfigureAwait(false);
            }

            var result = await authentication.AuthenticateAsync(new ClientCertificateRequest(certificate) { Context = RequestContext(http) }, http.RequestAborted).ConfigureAwait(false);
            return await CompleteAsync(http, signIn, o, result, returnUrl, SmartCardMethod, started).ConfigureAwait(false);
        }
        finally
        {
            forwarded?.Dispose();
        }
    }

    /// <summary>The smart card method name in metrics.</summary>
    public const string SmartCardMethod = "smartcard";

    /// <summary>Starts the <c>carteauth.login</c> activity of a login endpoint.</summary>
    public static Activity? StartActivity(string method) =>
        CarteAuthTelemetry.ActivitySource.StartActivity("carteauth.login")?.SetTag("carteauth.method", method);

    /// <summary>The audit context of a login request.</summary>
    public static AuthenticationContext RequestContext(HttpContext http) => new()
    {
        ClientAddress = http.Connection.RemoteIpAddress?.ToString(),
        CorrelationId = CarteAuthHttp.RequestCorrelationId(http, http.RequestServices.GetRequiredService<IOptions<CarteAuthOptions>>().Value.CorrelationIdHeader),
    };

    /// <summary>
    /// Records a login refused before any authenticator ran (no card certificate, a forwarded one from an untrusted
    /// peer or unreadable, an assertion that is not JSON) the way Core's authentication service records the others
    /// (kind <c>authentication</c>, result <c>failure</c>, the reason code, the request's correlation id), so every login
    /// attempt has exactly one audit event. The attempt is refused whatever happens: a failure to record it is logged.
    /// </summary>
    public static async ValueTask<AuthenticationResult> RefusedAsync(HttpContext http, string authenticator, AuthenticationResult failure)
    {
        var entry = AuthenticationService.AuditEntry(RequestContext(http), authenticator, failure);
        try
        {
            // Not cancellable: an attempt that happened is recorded even if the caller has gone.
            await http.RequestServices.GetRequiredService<IAuditTrail>().AppendAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CarteAuthException e)
        {
            CarteAuthAspNetCoreLog.RefusedLoginNotAudited(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CarteAuthLoginEndpoints)), e, authenticator, failure.ReasonCode);
        }

        return failure;
    }

    /// <summary>Signs in on success (redirect to the local return URL, or 200 JSON for API requests); answers the failure otherwise.</summary>
    public static async Task<IResult> CompleteAsync(HttpContext http, ICarteAuthSignInManager signIn, CarteAuthOptions options, AuthenticationResult result, string? returnUrl, string method, long started)
    {
        var metrics = http.RequestServices.GetRequiredService<CarteAuthMetrics>();
        Activity.Current?.SetTag("carteauth.result", result.Succeeded ? "success" : "failure").SetTag("carteauth.reason", result.ReasonCode);
        if (!result.Succeeded)
        {
            metrics.Login(method, false, result.ReasonCode, Stopwatch.GetElapsedTime(started));
            return LockedOut(http, result) ?? Failure(http, options, result.ReasonCode ?? ReasonCodes.AuthenticatorError, returnUrl);
        }

        CarteAuthSession session;
        try
        {
            session = await signIn.SignInAsync(http, result.Evidence!, http.RequestAborted).ConfigureAwait(false);
        }
        catch (CarteAuthException e)
        {
            // Fail closed with the code: the session could not be started (session store or audit trail down, pairing
            // refused), so no cookie is set. A store or audit outage is 503 for API requests (retry later), not a 500.
            metrics.Login(method, false, e.ReasonCode, Stopwatch.GetElapsedTime(started));
            return e.ReasonCode.EndsWith(".store-unavailable", StringComparison.Ordinal) && CarteAuthHttp.IsApiRequest(http.Request)
                ? CarteAuthHttp.Problem(http, StatusCodes.Status503ServiceUnavailable, e.ReasonCode, "The sign-in cannot be completed now; retry later.")
                : Failure(http, options, e.ReasonCode, returnUrl);
        }

        metrics.Login(method, true, null, Stopwatch.GetElapsedTime(started));
        var target = CarteAuthHttp.SafeReturnUrl(returnUrl);
        return CarteAuthHttp.IsApiRequest(http.Request)
            ? Results.Ok(new { sessionId = session.Id, returnUrl = target })
            : Results.Redirect(target);
    }

    /// <summary>
    /// The answer to an attempt refused by the brute-force protection (<see cref="AuthenticationResult.RetryAt"/> set:
    /// <see cref="ReasonCodes.AuthLockedOut"/>, <see cref="ReasonCodes.AuthRateLimited"/>): 429 problem details with the
    /// reason code and <c>retryAfter</c> (seconds), and the <c>Retry-After</c> header (RFC 9110 §10.2.3, RFC 6585 §4),
    /// for browsers and API requests alike. Null for any other failure.
    /// </summary>
    public static IResult? LockedOut(HttpContext http, AuthenticationResult result)
    {
        if (result.RetryAt is not { } retryAt)
        {
            return null;
        }

        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var seconds = (long)Math.Max(1, Math.Ceiling((retryAt - now).TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return CarteAuthHttp.Problem(http, StatusCodes.Status429TooManyRequests, result.ReasonCode!, "Too many failed sign-in attempts; try again later.", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["retryAfter"] = seconds,
        });
    }

    /// <summary>
    /// A failed login: API requests get 401 problem details with the reason code; browsers go back to the login page
    /// with <c>error=&lt;reason code&gt;</c> and their (safe) <c>returnUrl</c>. Never the message: it may hold personal data.
    /// </summary>
    public static IResult Failure(HttpContext http, CarteAuthOptions options, string reasonCode, string? returnUrl)
    {
        if (CarteAuthHttp.IsApiRequest(http.Request))
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status401Unauthorized, reasonCode, "The sign-in failed.");
        }

        http.Response.Headers[CarteAuthDefaults.ReasonHeader] = reasonCode;
        var url = QueryHelpers.AddQueryString(http.Request.PathBase.Add(options.LoginPath).Value!, new Dictionary<string, string?>
        {
            [CarteAuthDefaults.ReturnUrlParameter] = CarteAuthHttp.SafeReturnUrl(returnUrl),
            ["error"] = reasonCode,
        });
        return Results.Redirect(url);
    }
}
