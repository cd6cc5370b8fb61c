using System.Text;
using CarteAuth.Authentication;
using CarteAuth.Identity;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc;

/// <summary>The outcome of a successful Pro Santé Connect sign-in (code flow or CIBA).</summary>
public sealed class PscSignInResult
{
    /// <summary>The validated ID token.</summary>
    public required PscIdToken IdToken { get; init; }

    /// <summary>The user info (from the userinfo endpoint, or the ID token's claims when it is not fetched).</summary>
    public required PscUserInfo UserInfo { get; init; }

    /// <summary>The professional's identity.</summary>
    public required ProfessionalIdentity Identity { get; init; }

    /// <summary>The evidence for Core's policy engine.</summary>
    public required AuthenticationEvidence Evidence { get; init; }

    /// <summary>The access token (short-lived at PSC: minutes), for userinfo, introspection or token exchange.</summary>
    public string? AccessToken { get; init; }

    /// <summary>The refresh token, when one was issued.</summary>
    public string? RefreshToken { get; init; }

    /// <summary>When the access token expires, when the provider said.</summary>
    public DateTimeOffset? AccessTokenExpiresAt { get; init; }

    /// <summary>The granted scopes.</summary>
    public string? Scope { get; init; }
}

/// <summary>Shared end of the code flow and CIBA: validate the ID token, fetch and check userinfo, map to evidence.</summary>
internal sealed class PscSignInProcessor(
    ProSanteConnectOptions options,
    PscTokenValidator validator,
    PscUserInfoClient userInfoClient,
    IPscSubjectDirectory? directory,
    TimeProvider time,
    ILogger logger)
{
    public async Task<PscSignInResult> CompleteAsync(TokenResponse tokens, PscProviderMetadata metadata, PscIdTokenExpectations expectations, string flow, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(tokens.IdentityToken))
        {
            throw new PscException(flow == "ciba" ? ReasonCodes.PscCibaFailed : ReasonCodes.PscCodeExchangeFailed, $"The token endpoint {metadata.TokenEndpoint} returned no id_token: check that the scope contains openid ('{options.Scope}').");
        }

        var idToken = await validator.ValidateIdTokenAsync(tokens.IdentityToken, expectations, ct).ConfigureAwait(false);
        try
        {
            return await CompleteAsync(idToken, tokens, metadata, flow, ct).ConfigureAwait(false);
        }
        catch (PscException e) when (e.AttemptedSubject is null)
        {
            // The ID token is valid: name its subject in the failure, for the audit trail.
            throw new PscException(e.ReasonCode, e.Message, e.InnerException) { AttemptedSubject = idToken.Subject };
        }
    }

    private async Task<PscSignInResult> CompleteAsync(PscIdToken idToken, TokenResponse tokens, PscProviderMetadata metadata, string flow, CancellationToken ct)
    {
        PscUserInfo userInfo;
        if (options.FetchUserInfo && metadata.UserInfoEndpoint is { } endpoint && !string.IsNullOrEmpty(tokens.AccessToken))
        {
            userInfo = await userInfoClient.GetAsync(endpoint, tokens.AccessToken, ct).ConfigureAwait(false);

            // OpenID Connect Core 1.0 §5.3.4: the userinfo sub must be the ID token's, or the response must not be used.
            if (!string.Equals(userInfo.Sub, idToken.Subject, StringComparison.Ordinal))
            {
                throw new PscException(ReasonCodes.PscUserInfoSubjectMismatch, $"The userinfo sub '{PscTokenValidator.Show(userInfo.Sub)}' is not the ID token's '{PscTokenValidator.Show(idToken.Subject)}' (OpenID Connect Core 1.0 §5.3.4): the answer is about someone else. Refused.") { AttemptedSubject = idToken.Subject };
            }
        }
        else
        {
            userInfo = PscUserInfo.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(idToken.Token.EncodedPayload)));
        }

        var identity = PscIdentityMapper.ToIdentity(userInfo);
        var evidence = PscIdentityMapper.ToEvidence(identity, idToken, userInfo, options.AuthenticatorName, flow);
        if (directory is not null)
        {
            await directory.RecordAsync(new PscSubjectRecord(idToken.Subject, idToken.SessionId, identity.NationalId.Value, idToken.ExpiresAt), ct).ConfigureAwait(false);
        }

        PscLog.SignedIn(logger, identity.NationalId.Value, idToken.Acr);
        return new PscSignInResult
        {
            IdToken = idToken,
            UserInfo = userInfo,
            Identity = identity,
            Evidence = evidence,
            AccessToken = tokens.AccessToken,
            RefreshToken = tokens.RefreshToken,
            AccessTokenExpiresAt = tokens.ExpiresIn > 0 ? time.GetUtcNow().AddSeconds(tokens.ExpiresIn) : null,
            Scope = tokens.Scope,
        };
    }
}
