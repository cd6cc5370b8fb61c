using System.Collections.Concurrent;
using CarteAuth.Authentication;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// The evidence of session records, read once per distinct <c>EvidenceJson</c> text instead of on every request: a
/// session's record keeps the same evidence for its whole life, and <see cref="AuthenticationEvidence"/> is immutable.
/// Keyed by the exact JSON text (ordinal), so a changed record is read again; only evidence that parsed is kept (a
/// corrupt record throws every time, as <see cref="EvidenceJson.Parse"/> does). Bounded: at the limit it starts again
/// empty.
/// </summary>
internal sealed class SessionEvidenceCache
{
    internal const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, AuthenticationEvidence> _entries = new(StringComparer.Ordinal);
    private int _count;

    /// <exception cref="CarteAuthException">The JSON is not valid evidence (<see cref="ReasonCodes.InvalidEvidence"/>).</exception>
    public AuthenticationEvidence Get(string evidenceJson)
    {
        if (_entries.TryGetValue(evidenceJson, out var known))
        {
            return known;
        }

        var evidence = EvidenceJson.Parse(evidenceJson);
        if (Volatile.Read(ref _count) >= Capacity)
        {
            _entries.Clear();
            Volatile.Write(ref _count, 0);
        }

        if (_entries.TryAdd(evidenceJson, evidence))
        {
            Interlocked.Increment(ref _count);
        }

        return evidence;
    }

    internal int Count => _entries.Count;
}
