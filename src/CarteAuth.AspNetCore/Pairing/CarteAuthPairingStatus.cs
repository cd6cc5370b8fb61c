namespace CarteAuth.AspNetCore;

/// <summary>The answer of <c>GET /carteauth/pairing</c> and of the pairing POSTs (JSON, camelCase).</summary>
/// <param name="Paired">True when the signed-in professional's national identity has an active pairing.</param>
/// <param name="Mode"><c>automatic</c> or <c>explicit</c>.</param>
/// <param name="NationalId">The signed-in professional's idNat.</param>
/// <param name="LocalAccountId">The paired local account (or the last one, when unpaired); null when never paired.</param>
/// <param name="PairedAt">When the (last) pairing was made.</param>
/// <param name="PairedBy">The authenticator of the national sign-in that made it (<c>smartcard</c>, <c>psc</c>).</param>
/// <param name="PairedByMethods">Its amr values, space-separated.</param>
/// <param name="PairedByAssurance">Its level (<c>substantial</c>, <c>high</c>).</param>
/// <param name="UnpairedAt">When the last pairing ended; null while paired.</param>
/// <param name="CanPair">True when this session may pair (<c>POST /carteauth/pairing</c>): a national sign-in at the configured level, not paired yet.</param>
public sealed record CarteAuthPairingStatus(
    bool Paired,
    string Mode,
    string NationalId,
    string? LocalAccountId,
    DateTimeOffset? PairedAt,
    string? PairedBy,
    string? PairedByMethods,
    string? PairedByAssurance,
    DateTimeOffset? UnpairedAt,
    bool CanPair);
