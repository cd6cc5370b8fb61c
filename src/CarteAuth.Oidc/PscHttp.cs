using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Duende.IdentityModel.Client;

namespace CarteAuth.Oidc;

/// <summary>Turns transport failures and provider error answers into typed <see cref="PscException"/>s.</summary>
internal static class PscHttp
{
    /// <summary>Largest response body read from the provider (discovery, JWKS, userinfo).</summary>
    public const int MaxResponseBytes = 512 * 1024;

    /// <summary>
    /// The primary handler of the named HttpClient: no redirects, pooled connections renewed every 5 minutes, the mTLS
    /// client certificate and the private CA trust when the options set them.
    /// </summary>
    public static SocketsHttpHandler CreatePrimaryHandler(ProSanteConnectOptions options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false };
        if (options.ClientCertificate is { } certificate)
        {
            // mTLS (RFC 8705 §2): the certificate is offered to the provider during the TLS handshake.
            handler.SslOptions.ClientCertificates = [certificate];
        }

        if (options.ServerCertificateAuthorities.Count > 0)
        {
            // Only the trust anchor changes (RFC 5280 §6.1: the chain must end at one of these roots); SslStream still
            // builds the chain with its dates and checks the host name (RFC 6125 §6). Nothing is disabled.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = options.ServerCertificateRevocationMode,
                RevocationFlag = X509RevocationFlag.ExcludeRoot,
            };
            policy.CustomTrustStore.AddRange(options.ServerCertificateAuthorities);
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        return handler;
    }

    /// <summary>
    /// When <paramref name="response"/> is a transport failure (no answer, timeout, 5xx, 429), the matching
    /// <c>psc.provider-unavailable</c> error; null otherwise. Cancellation by the caller propagates.
    /// </summary>
    public static PscException? Unavailable(ProtocolResponse response, string what, string url, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (response.ErrorType == ResponseErrorType.Exception && response.Exception is not null && !IsContentError(response.Exception))
        {
            return UnavailableFrom(response.Exception, what, url);
        }

        // The page is HTML, so Duende may report it as Http or as an unreadable (Exception) answer: the status decides.
        if (response.HttpStatusCode == HttpStatusCode.BadRequest && ClientCertificateRefusal(response.Raw) is { } refusal)
        {
            // A TLS gateway (nginx: ssl_verify_client on) completes the handshake, then answers 400 itself.
            return new PscException(
                ReasonCodes.PscProviderUnavailable,
                $"The {what} at {url} answered HTTP 400 '{refusal}': the provider's TLS gateway requires a client certificate (mTLS) and got none it accepts. Set ProSanteConnectOptions.ClientCertificate to the certificate registered with it (e.g. the IGC-Santé ORG certificate, with its private key), or check that the one configured is valid and issued by a CA the provider accepts.");
        }

        if (response.ErrorType is ResponseErrorType.Http or ResponseErrorType.Protocol && IsUnavailableStatus(response.HttpStatusCode))
        {
            return new PscException(
                ReasonCodes.PscProviderUnavailable,
                $"The {what} at {url} answered HTTP {(int)response.HttpStatusCode} {response.HttpErrorReason}: the provider is down or overloaded. Try again later; check the provider's status page.");
        }

        return null;
    }

    /// <summary>
    /// Runs a Duende.IdentityModel call: it turns most failures into an error response, but lets timeouts
    /// (<see cref="HttpClient.Timeout"/> is a <see cref="TaskCanceledException"/>) and a few others escape; those become
    /// <c>psc.provider-unavailable</c> here. The caller's own cancellation propagates.
    /// </summary>
    public static async Task<T> CallAsync<T>(Func<Task<T>> call, string what, string url, CancellationToken ct)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException or Polly.ExecutionRejectedException && !ct.IsCancellationRequested)
        {
            throw UnavailableFrom(e, what, url);
        }
    }

    /// <summary>The typed error for an exception thrown while calling the provider (never for the caller's cancellation).</summary>
    public static PscException UnavailableFrom(Exception e, string what, string url) => e switch
    {
        Polly.Timeout.TimeoutRejectedException or TimeoutException or TaskCanceledException or OperationCanceledException => new PscException(
            ReasonCodes.PscProviderUnavailable,
            $"The {what} at {url} did not answer in time (ProSanteConnectOptions.HttpTimeout): the provider is slow or unreachable. Try again later; check the network path and proxy.",
            e),
        Polly.CircuitBreaker.BrokenCircuitException => new PscException(
            ReasonCodes.PscProviderUnavailable,
            $"Calls to the {what} at {url} are suspended after repeated failures (circuit open): the provider is down. Try again in a few seconds.",
            e),
        _ when TlsFailure(e) is { } tls => new PscException(ReasonCodes.PscProviderUnavailable, TlsMessage(tls, what, url), e),
        _ when ClosedWithoutAnswer(e) && url.StartsWith("https:", StringComparison.OrdinalIgnoreCase) => new PscException(
            ReasonCodes.PscProviderUnavailable,
            $"The {what} at {url} closed the connection without answering: the provider refused the TLS handshake or dropped the request. This is how a provider that requires a client certificate (mTLS) refuses one that is missing or not accepted (always with TLS 1.3, often with TLS 1.2): set ProSanteConnectOptions.ClientCertificate to the certificate registered with it (e.g. the IGC-Santé ORG certificate, with its private key), or check that the one configured is valid and issued by a CA the provider accepts. Otherwise check the proxy and try again later.",
            e),
        _ => new PscException(
            ReasonCodes.PscProviderUnavailable,
            $"The {what} at {url} could not be reached: {e.Message} Check the issuer URL, DNS, proxy and firewall, and the TLS certificate (and the mTLS client certificate when one is configured).",
            e),
    };

    /// <summary>The TLS failure behind <paramref name="e"/>: the handshake's own exception when there is one; null when TLS is not the cause.</summary>
    private static Exception? TlsFailure(Exception e)
    {
        Exception? tls = null;
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException)
            {
                return inner;
            }

            if (inner is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError })
            {
                tls ??= inner;
            }
        }

        return tls;
    }

    /// <summary>
    /// The connection ended before any answer. Over TLS 1.3 the client finishes its side of the handshake before the server
    /// checks the client certificate (RFC 8446 §4.4.2.4), so a server refusing it only closes the connection afterwards;
    /// servers that check it after the handshake (.NET's, hence Kestrel) do the same over TLS 1.2.
    /// </summary>
    private static bool ClosedWithoutAnswer(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } or HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded })
            {
                return true;
            }
        }

        return false;
    }

    private static string TlsMessage(Exception tls, string what, string url)
    {
        // "Authentication failed, see inner exception." says little: name the cause too (e.g. OpenSSL's alert).
        var detail = tls.InnerException is { } cause ? $"{tls.Message} {cause.Message}" : tls.Message;

        // SslStream names the remote certificate when it refuses the provider's (chain, name, dates).
        return detail.Contains("remote certificate", StringComparison.OrdinalIgnoreCase)
            ? $"The TLS handshake with the {what} at {url} failed: the provider's TLS certificate is not trusted ({detail}). Check the host name in the issuer URL; when the provider uses a private CA, add its root to ProSanteConnectOptions.ServerCertificateAuthorities (never disable certificate validation)."
            : $"The TLS handshake with the {what} at {url} was refused ({detail}). When the provider requires a client certificate (mTLS), set ProSanteConnectOptions.ClientCertificate to the certificate registered with it (e.g. the IGC-Santé ORG certificate, with its private key), or check that the one configured is valid and issued by a CA the provider accepts; otherwise check that the provider and this host share a TLS version (1.2 or 1.3), and the proxy.";
    }

    /// <summary>A generic error for an answer that is not the expected protocol message.</summary>
    public static PscException ProviderError(ProtocolResponse response, string what, string url)
    {
        var detail = response.ErrorType switch
        {
            ResponseErrorType.Exception when response.Exception is not null => $"its answer is unreadable ({response.Exception.GetType().Name}: {response.Exception.Message})",
            ResponseErrorType.Http => $"it answered HTTP {(int)response.HttpStatusCode} {response.HttpErrorReason}",
            ResponseErrorType.Protocol => $"it answered error '{response.Error}'{Describe(response)}",
            _ => response.Error ?? "unexpected answer",
        };
        return new PscException(ReasonCodes.PscProviderError, $"The {what} at {url} failed: {detail}. Check the client registration (client id, secret or key, redirect URI) with the provider.", response.Exception);
    }

    public static string Describe(ProtocolResponse response) =>
        response.TryGet("error_description") is { Length: > 0 } d ? $" ({Truncate(d, 300)})" : string.Empty;

    public static string Truncate(string value, int max) => value.Length <= max ? value : string.Concat(value.AsSpan(0, max), "…");

    /// <summary>
    /// The reason a TLS gateway gives for refusing the client certificate in an HTTP 400 page (nginx: "No required SSL
    /// certificate was sent", "The SSL certificate error"); null when the page says nothing about one.
    /// </summary>
    private static string? ClientCertificateRefusal(string? body)
    {
        if (body is null || !body.Contains("SSL certificate", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var start = body.IndexOf("<title>", StringComparison.OrdinalIgnoreCase);
        var end = start < 0 ? -1 : body.IndexOf("</title>", start, StringComparison.OrdinalIgnoreCase);
        return Truncate(end > start ? body[(start + 7)..end].Trim() : body.Trim(), 120);
    }

    private static bool IsContentError(Exception e) => e is JsonException or FormatException or InvalidOperationException { InnerException: JsonException };

    private static bool IsUnavailableStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
}
