using CarteAuth.Authentication;

namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>A thick client's answer to a card challenge (<see cref="CardChallengeIssuer"/>), signed on the card by <see cref="Pkcs11CardClient"/>.</summary>
public sealed class CardChallengeResponseRequest : AuthenticationRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="response">The challenge id, the card's authentication certificate and its signature.</param>
    public CardChallengeResponseRequest(Pkcs11CardResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        Response = response;
    }

    /// <summary>What the thick client sent.</summary>
    public Pkcs11CardResponse Response { get; }
}

/// <summary>
/// Authenticates a professional whose thick client signed a server challenge with the CPS card through PKCS#11:
/// <see cref="Pkcs11ChallengeVerifier"/> first (the challenge is known, unused, unexpired, and the signature verifies
/// with the certificate's key), then <see cref="SmartCardCertificateValidator"/> (chain to the anchors only, range,
/// usages, subject, revocation). The evidence is the TLS path's (<see cref="SmartCardAuthenticator"/>): methods
/// <c>sc pin hwk</c> for FORT cards, assurance from the range, credential id the certificate's SHA-256 thumbprint, the
/// same properties plus <c>channel</c> = <c>pkcs11-challenge</c>; the authenticator name is
/// <see cref="AuthenticatorName"/>.
/// <para>
/// <b>Not phishing-resistant</b> (<see cref="AuthenticationEvidence.IsPhishingResistant"/> is false): the signed
/// challenge is bound neither to an origin (as WebAuthn binds the relying party's origin) nor to the TLS channel (as
/// client-certificate authentication binds the handshake), so a lookalike server can fetch a genuine challenge from
/// this one, have the professional's client sign it, and relay the response. Policies demanding phishing-resistant
/// authentication (HOSPI-Connect) must use TLS client authentication (<see cref="SmartCardAuthenticator"/>) or FIDO2.
/// </para>
/// </summary>
public sealed class CardChallengeAuthenticator : Authenticator<CardChallengeResponseRequest>
{
    /// <summary>The authenticator's name, recorded in evidence and audit events.</summary>
    public const string AuthenticatorName = "smartcard-pkcs11";

    /// <summary>The value of the evidence property <c>channel</c>.</summary>
    public const string Channel = "pkcs11-challenge";

    private static readonly Dictionary<string, string> ChannelProperty = new(StringComparer.Ordinal) { ["channel"] = Channel };

    private readonly Pkcs11ChallengeVerifier _verifier;
    private readonly SmartCardCertificateValidator _validator;
    private readonly TimeProvider _time;

    /// <summary>Creates the authenticator.</summary>
    /// <param name="verifier">Verifies the challenge and the signature (share its store with the <see cref="CardChallengeIssuer"/>).</param>
    /// <param name="validator">Validates the certificate that signed (anchors, ranges, revocation).</param>
    /// <param name="timeProvider">The clock for the authentication time; default the system clock.</param>
    public CardChallengeAuthenticator(Pkcs11ChallengeVerifier verifier, SmartCardCertificateValidator validator, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(validator);
        _verifier = verifier;
        _validator = validator;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public override string Name => AuthenticatorName;

    /// <inheritdoc/>
    protected override async ValueTask<AuthenticationResult> AuthenticateAsync(CardChallengeResponseRequest request, CancellationToken cancellationToken)
    {
        var verification = await _verifier.VerifyAsync(request.Response, cancellationToken).ConfigureAwait(false);
        if (!verification.IsVerified)
        {
            return AuthenticationResult.Fail(verification.ReasonCode, verification.Message);
        }

        using var certificate = verification.Certificate!;
        var result = await _validator.ValidateAsync(certificate, null, cancellationToken).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return AuthenticationResult.Fail(result.ReasonCode!, result.Message!, result.Certificate?.Identity.NationalId.Value);
        }

        return AuthenticationResult.Success(SmartCardEvidence.Create(result, AuthenticatorName, _time.GetUtcNow(), isPhishingResistant: false, ChannelProperty));
    }
}
