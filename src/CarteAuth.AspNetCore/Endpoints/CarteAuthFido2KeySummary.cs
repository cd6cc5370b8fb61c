namespace CarteAuth.AspNetCore;

/// <summary>One entry of <c>GET /carteauth/fido2/credentials</c> (JSON, camelCase): a security key of the signed-in professional, no key material.</summary>
/// <param name="Id">The credential id, base64url (use it with <c>POST /carteauth/fido2/credentials/{id}/delete</c>).</param>
/// <param name="Aaguid">The authenticator model (all zeros when the authenticator does not say).</param>
/// <param name="CreatedAt">When the key was registered.</param>
/// <param name="LastUsedAt">When it was last used to sign in; null when never.</param>
/// <param name="BackupEligible">BE: the credential can be synced (a passkey) rather than bound to one device.</param>
/// <param name="BackedUp">BS: the credential was backed up at its last use.</param>
/// <param name="Transports">The transports the authenticator reported (<c>usb</c>, <c>nfc</c>, <c>internal</c>…).</param>
/// <param name="AttestationTrusted">True when the attestation chained to a trusted root at registration.</param>
public sealed record CarteAuthFido2KeySummary(
    string Id,
    Guid Aaguid,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    bool BackupEligible,
    bool BackedUp,
    IReadOnlyList<string> Transports,
    bool AttestationTrusted);
