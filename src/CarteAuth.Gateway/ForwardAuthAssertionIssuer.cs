using System.Collections.Concurrent;
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
/// <remarks>
/// The gateway reuses a session's assertion (<see cref="GetOrIssueAsync"/>) while at least half of its lifetime is left
/// and the session's evidence is unchanged, instead of signing one per request: every request is still authenticated
/// and decided (session, revocation, policy, audit), only the signature over identical claims is saved. An upstream
/// therefore always receives an assertion valid for at least half of <see cref="ForwardAuthOptions.AssertionLifetime"/>.
/// </remarks>
public sealed class ForwardAuthAssertionIssuer
{
    // Bounds the reuse cache: past this many sessions, expired entries are dropped (all of them if none expired).
    private const int MaxCachedSessions = 10_000;
    private readonly SessionTokenIssuer _issuer;
    private readonly TimeProvider _time;
    private readonly TimeSpan _reuseMargin;
    private readonly ConcurrentDictionary<string, CachedAssertion> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates the issuer over Core's <see cref="SessionTokenIssuer"/>.</summary>
    public ForwardAuthAssertionIssuer(ISigningKeyProvider keys, IOptions<SessionTokenOptions> sessionTokens, IOptions<ForwardAuthOptions> options, IRevocationEpochStore epochs, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(sessionTokens);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var session = sessionTokens.Value;
        _time = time;
        _reuseMargin = options.Value.AssertionLifetime / 2;
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

    /// <summary>
    /// The session's current assertion when it was issued for the same evidence (<paramref name="evidenceJson"/>, the
    /// session record's) and at least half its lifetime is left; otherwise a new one, remembered for the next requests.
    /// </summary>
    internal async ValueTask<string> GetOrIssueAsync(AuthenticationEvidence evidence, string sessionId, string evidenceJson, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(sessionId, out var cached) && now < cached.ReuseUntil && now >= cached.IssuedAt
            && string.Equals(cached.EvidenceJson, evidenceJson, StringComparison.Ordinal))
        {
            return cached.Token;
        }

        var issued = await _issuer.IssueAsync(evidence, sessionId, ct).ConfigureAwait(false);
        if (_cache.Count >= MaxCachedSessions)
        {
            foreach (var (id, entry) in _cache)
            {
                if (now >= entry.ReuseUntil)
                {
                    _cache.TryRemove(id, out _);
                }
            }

            if (_cache.Count >= MaxCachedSessions)
            {
                _cache.Clear();
            }
        }

        _cache[sessionId] = new CachedAssertion(issued.Token, evidenceJson, now, issued.ExpiresAt - _reuseMargin);
        return issued.Token;
    }

    private sealed record CachedAssertion(string Token, string EvidenceJson, DateTimeOffset IssuedAt, DateTimeOffset ReuseUntil);
}
