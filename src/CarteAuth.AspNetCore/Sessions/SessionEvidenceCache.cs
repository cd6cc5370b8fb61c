using CarteAuth.Authentication;
using CarteAuth.Storage;

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

    private readonly BoundedStringCache<AuthenticationEvidence> _entries = new(Capacity);

    /// <exception cref="CarteAuthException">The JSON is not valid evidence (<see cref="ReasonCodes.InvalidEvidence"/>).</exception>
    public AuthenticationEvidence Get(string evidenceJson)
    {
        if (_entries.TryGet(evidenceJson, out var known))
        {
            return known!;
        }

        var evidence = EvidenceJson.Parse(evidenceJson);
        _entries.Add(evidenceJson, evidence);
        return evidence;
    }

    internal int Count => _entries.Count;
}
