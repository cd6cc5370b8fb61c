using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc;

/// <summary>Fetches the userinfo endpoint (OpenID Connect Core 1.0 §5.3) as JSON or as a signed JWT.</summary>
internal sealed class PscUserInfoClient(HttpClient http, PscTokenValidator validator, ProSanteConnectOptions options)
{
    public async Task<PscUserInfo> GetAsync(string endpoint, string accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/jwt"));

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or OperationCanceledException or Polly.ExecutionRejectedException && !ct.IsCancellationRequested)
        {
            throw PscHttp.UnavailableFrom(e, "userinfo endpoint", endpoint);
        }

        using (response)
        {
            if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests)
            {
                throw new PscException(ReasonCodes.PscProviderUnavailable, $"The userinfo endpoint at {endpoint} answered HTTP {(int)response.StatusCode}: the provider is down or overloaded. Try again later.");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new PscException(ReasonCodes.PscProviderError, $"The userinfo endpoint at {endpoint} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}{Challenge(response)}: the access token was refused. Sign in again.");
            }

            var body = await ReadLimitedAsync(response, endpoint, ct).ConfigureAwait(false);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (string.Equals(mediaType, "application/jwt", StringComparison.OrdinalIgnoreCase))
            {
                // §5.3.2: a signed response must be verified and must carry iss and aud.
                var jwt = await validator.ValidateUserInfoJwtAsync(body.Trim(), ct).ConfigureAwait(false);
                return PscUserInfo.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload)));
            }

            if (mediaType is not null && !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
            {
                throw new PscException(ReasonCodes.PscUserInfoInvalid, $"The userinfo endpoint at {endpoint} answered content type '{PscTokenValidator.Show(mediaType)}'; application/json or application/jwt is expected.");
            }

            return PscUserInfo.Parse(body);
        }
    }

    private async Task<string> ReadLimitedAsync(HttpResponseMessage response, string endpoint, CancellationToken ct)
    {
        var limit = Math.Max(PscHttp.MaxResponseBytes, options.MaxTokenSize);
        if (response.Content.Headers.ContentLength > limit)
        {
            throw new PscException(ReasonCodes.PscUserInfoInvalid, $"The userinfo response from {endpoint} is {response.Content.Headers.ContentLength} bytes, more than {limit}: refused.");
        }

        try
        {
            using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var buffer = new byte[limit + 1];
            var total = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    throw new PscException(ReasonCodes.PscUserInfoInvalid, $"The userinfo response from {endpoint} is more than {limit} bytes: refused.");
                }
            }

            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or Polly.ExecutionRejectedException && !ct.IsCancellationRequested)
        {
            throw PscHttp.UnavailableFrom(e, "userinfo endpoint", endpoint);
        }
    }

    private static string Challenge(HttpResponseMessage response) =>
        response.Headers.WwwAuthenticate.FirstOrDefault() is { } c ? $" ({PscTokenValidator.Show(c.ToString())})" : string.Empty;
}
