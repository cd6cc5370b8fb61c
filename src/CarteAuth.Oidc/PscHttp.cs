using System.Net;
using System.Text.Json;
using Duende.IdentityModel.Client;

namespace CarteAuth.Oidc;

/// <summary>Turns transport failures and provider error answers into typed <see cref="PscException"/>s.</summary>
internal static class PscHttp
{
    /// <summary>Largest response body read from the provider (discovery, JWKS, userinfo).</summary>
    public const int MaxResponseBytes = 512 * 1024;

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
        _ => new PscException(
            ReasonCodes.PscProviderUnavailable,
            $"The {what} at {url} could not be reached: {e.Message} Check the issuer URL, DNS, proxy and firewall, and the TLS certificate (and the mTLS client certificate when one is configured).",
            e),
    };

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

    private static bool IsContentError(Exception e) => e is JsonException or FormatException or InvalidOperationException { InnerException: JsonException };

    private static bool IsUnavailableStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
}
