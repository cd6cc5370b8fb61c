using CarteAuth.Authentication;
using CarteAuth.Tokens;
using Microsoft.Extensions.Options;

namespace CarteAuth.Gateway;

/// <summary>
/// Issues the assertion JWT given to upstreams: a CarteAuth session token (same claims: sub = idNat, amr, acr, loa,
/// auth_time, sid, rev…) signed with the session signing keys, with the session tokens' issuer, audience
/// <see cref="ForwardAuthOptions.UpstreamAudience"/> and lifetime <see cref="ForwardAuthOptions.AssertionLifetime"/>.
/// Upstreams verify it with a <see cref="SessionTokenValidator"/> for that audience over the JWKS
/// (<c>/.well-known/carteauth/jwks.json</c>, <see cref="SigningKeyRing.FromJwksJson"/>). The distinct audience keeps
/// it from being usable as a session token and the other way round.
/// </summary>
public sealed class ForwardAuthAssertionIssuer
{
    private readonly SessionTokenIssuer _issuer;

    /// <summary>Creates the issuer over Core's <see cref="SessionTokenIssuer"/>.</summary>
    public ForwardAuthAssertionIssuer(ISigningKeyProvider keys, IOptions<SessionTokenOptions> sessionTokens, IOptions<ForwardAuthOptions> options, IRevocationEpochStore epochs, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(sessionTokens);
        ArgumentNullException.ThrowIfNull(options);
        var session = sessionTokens.Value;
        _issuer = new SessionTokenIssuer(keys, Options.Create(new SessionTokenOptions
        {
            Issuer = session.Issuer,
            Audience = options.Value.UpstreamAudience,
            Lifetime = options.Value.AssertionLifetime,
            AllowedAlgorithms = session.AllowedAlgorithms,
            MaxTokenLength = session.MaxTokenLength,
        }), epochs, time);
    }

    /// <summary>Issues an assertion for the session's evidence.</summary>
    public async ValueTask<string> IssueAsync(AuthenticationEvidence evidence, string sessionId, CancellationToken ct = default) =>
        (await _issuer.IssueAsync(evidence, sessionId, ct).ConfigureAwait(false)).Token;
}
