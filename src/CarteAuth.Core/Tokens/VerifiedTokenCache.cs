using CarteAuth.Storage;

namespace CarteAuth.Tokens;

/// <summary>
/// Tokens whose signature and claims were verified, with the ring they were verified in, so that a session token
/// presented again (every request of a session carries the same one) skips the signature check and the claims parse.
/// Only what was verified is stored, keyed by the exact token string (ordinal): a token differing in any character
/// is a miss. A hit counts only while the key provider still returns the same ring (a rotation or a key removal is a
/// new ring, which empties the cache for the old one); the caller still checks exp/nbf/iat against the clock, the
/// revocation epoch and the replay cache on every call. Bounded: at <c>capacity</c> entries it starts again empty.
/// </summary>
internal sealed class VerifiedTokenCache(int capacity)
{
    private readonly BoundedStringCache<Entry> _entries = new(capacity);

    internal int Count => _entries.Count;

    public bool TryGet(string token, SigningKeyRing ring, out SessionTokenClaims? claims)
    {
        if (_entries.TryGet(token, out var entry))
        {
            if (ReferenceEquals(entry!.Ring, ring))
            {
                claims = entry.Claims;
                return true;
            }

            _entries.Remove(token);
        }

        claims = null;
        return false;
    }

    public void Add(string token, SigningKeyRing ring, SessionTokenClaims claims) => _entries.Add(token, new Entry(ring, claims));

    public void Remove(string token) => _entries.Remove(token);

    private sealed record Entry(SigningKeyRing Ring, SessionTokenClaims Claims);
}
