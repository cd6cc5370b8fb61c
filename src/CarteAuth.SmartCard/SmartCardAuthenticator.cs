using System.Security.Cryptography.X509Certificates;
using CarteAuth.Authentication;

namespace CarteAuth.SmartCard;

/// <summary>A TLS client certificate to authenticate (from Kestrel mTLS, or forwarded by a trusted proxy).</summary>
public sealed class ClientCertificateRequest : AuthenticationRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="certificate">The client certificate (the card's authentication certificate).</param>
    /// <param name="additionalCertificates">Extra certificates sent with it to help build the chain (never trusted as anchors).</param>
    public ClientCertificateRequest(X509Certificate2 certificate, X509Certificate2Collection? additionalCertificates = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Certificate = certificate;
        AdditionalCertificates = additionalCertificates;
    }

    /// <summary>The client certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Extra chain certificates, when the client or proxy sent any.</summary>
    public X509Certificate2Collection? AdditionalCertificates { get; }
}

/// <summary>
/// Authenticates health professionals by their CPS/CPx card certificate presented in TLS client authentication.
/// Evidence: methods <c>sc pin hwk</c> for the FORT range (card with PIN; <c>swk</c> for software ranges), assurance
/// from the range, phishing-resistant (TLS client authentication binds the key to the connection), credential id the
/// certificate's SHA-256 thumbprint, and properties <c>issuer</c>, <c>serial</c>, <c>range</c>, <c>revocation</c>.
/// </summary>
public sealed class SmartCardAuthenticator : Authenticator<ClientCertificateRequest>
{
    /// <summary>The authenticator's name, recorded in evidence and audit events.</summary>
    public const string AuthenticatorName = "smartcard";

    private readonly SmartCardCertificateValidator _validator;
    private readonly TimeProvider _time;

    /// <summary>Creates the authenticator.</summary>
    /// <param name="validator">Validates certificates (anchors, ranges, revocation).</param>
    /// <param name="timeProvider">The clock for the authentication time; default the system clock.</param>
    public SmartCardAuthenticator(SmartCardCertificateValidator validator, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(validator);
        _validator = validator;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public override string Name => AuthenticatorName;

    /// <inheritdoc/>
    protected override async ValueTask<AuthenticationResult> AuthenticateAsync(ClientCertificateRequest request, CancellationToken cancellationToken)
    {
        var result = await _validator.ValidateAsync(request.Certificate, request.AdditionalCertificates, cancellationToken).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return AuthenticationResult.Fail(result.ReasonCode!, result.Message!, result.Certificate?.Identity.NationalId.Value);
        }

        var evidence = SmartCardEvidence.Create(result, AuthenticatorName, _time.GetUtcNow(), isPhishingResistant: true);
        return AuthenticationResult.Success(evidence);
    }
}
