using CarteAuth.Authentication;
using CarteAuth.Pairing;
using Microsoft.AspNetCore.Http;

namespace CarteAuth.AspNetCore;

/// <summary>
/// Finds the local account to pair with a national identity at its first national sign-in (e.g. from the hospital
/// directory, by RPPS). Register your own before <c>AddPairing</c>; the default is <see cref="CarteAuthLocalAccountResolver"/>.
/// </summary>
public interface ICarteAuthLocalAccountResolver
{
    /// <summary>The local account id of the professional of <paramref name="evidence"/> (1 to 256 characters, stable).</summary>
    /// <param name="context">The sign-in request.</param>
    /// <param name="evidence">The national evidence (card or Pro Santé Connect).</param>
    /// <param name="ct">Cancels the lookup.</param>
    ValueTask<string> ResolveAsync(HttpContext context, AuthenticationEvidence evidence, CancellationToken ct);
}

/// <summary>
/// The default <see cref="ICarteAuthLocalAccountResolver"/>: the account the idNat was last paired with, else a new
/// opaque account (<c>la-</c> + 128 random bits, base64url), so a professional keeps one account across unpairings.
/// </summary>
public sealed class CarteAuthLocalAccountResolver(IPairingStore store) : ICarteAuthLocalAccountResolver
{
    /// <inheritdoc/>
    public async ValueTask<string> ResolveAsync(HttpContext context, AuthenticationEvidence evidence, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var last = await store.GetByNationalIdAsync(evidence.Identity.NationalId.Value, ct).ConfigureAwait(false);
        return last?.LocalAccountId ?? "la-" + System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    }
}
