using System.Collections.Concurrent;

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
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _count;

    public bool TryGet(string token, SigningKeyRing ring, out SessionTokenClaims? claims)
    {
        if (_entries.TryGetValue(token, out var entry))
        {
            if (ReferenceEquals(entry.Ring, ring))
            {
                claims = entry.Claims;
                return true;
            }

            Remove(token);
        }

        claims = null;
        return false;
    }

    public void Add(string token, SigningKeyRing ring, SessionTokenClaims claims)
    {
        if (Volatile.Read(ref _count) >= capacity)
        {
            // Bounded memory without per-entry bookkeeping on the hot path: start again (a miss costs one full check).
            _entries.Clear();
            Volatile.Write(ref _count, 0);
        }

        if (_entries.TryAdd(token, new Entry(ring, claims)))
        {
            Interlocked.Increment(ref _count);
        }
    }

    public void Remove(string token)
    {
        if (_entries.TryRemove(token, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    internal int Count => _entries.Count;

    private sealed record Entry(SigningKeyRing Ring, SessionTokenClaims Claims);
}
