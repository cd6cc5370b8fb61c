using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>The outcome of <see cref="Pkcs11ChallengeVerifier.VerifyAsync"/>.</summary>
public sealed class Pkcs11ChallengeVerification
{
    private Pkcs11ChallengeVerification(bool isVerified, string reasonCode, string message, X509Certificate2? certificate)
    {
        IsVerified = isVerified;
        ReasonCode = reasonCode;
        Message = message;
        Certificate = certificate;
    }

    /// <summary>True when the challenge was fresh and the signature verifies with the certificate's key.</summary>
    public bool IsVerified { get; }

    /// <summary><c>pkcs11.verified</c>, or the <c>pkcs11.*</c> code of the refusal.</summary>
    public string ReasonCode { get; }

    /// <summary>What happened, for logs and operators (never shown to the professional as is).</summary>
    public string Message { get; }

    /// <summary>
    /// The certificate whose key signed, when verified: pass it to the certificate validator (chain, revocation,
    /// identity); nothing about it is trusted yet. Null when refused.
    /// </summary>
    public X509Certificate2? Certificate { get; }

    internal static Pkcs11ChallengeVerification Verified(X509Certificate2 certificate) =>
        new(true, ReasonCodes.Pkcs11Verified, "The challenge was fresh and signed by the certificate's key; validate the certificate next.", certificate);

    internal static Pkcs11ChallengeVerification Refused(string reasonCode, string message) => new(false, reasonCode, message, null);
}

/// <summary>
/// Verifies a card's response to a challenge (server side): the challenge must be known, unused (single use: it is
/// consumed whatever the outcome) and unexpired, and the signature must verify with the certificate's RSA public key
/// (RSASSA-PKCS1-v1_5 with SHA-256, as the card's <c>CKM_SHA256_RSA_PKCS</c> makes it) over the domain-separated
/// <see cref="CardChallenge.ToBeSigned(string, ReadOnlySpan{byte})"/> bytes. It does not validate the certificate:
/// the verified certificate goes on to the certificate validator.
/// </summary>
public sealed class Pkcs11ChallengeVerifier
{
    /// <summary>The smallest RSA key accepted (CPS cards carry RSA 2048).</summary>
    public const int MinRsaKeySize = 2048;

    private readonly ICardChallengeStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the verifier.</summary>
    /// <param name="store">The store the challenges were issued into.</param>
    /// <param name="timeProvider">The clock (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="logger">Logger.</param>
    public Pkcs11ChallengeVerifier(ICardChallengeStore store, TimeProvider? timeProvider = null, ILogger<Pkcs11ChallengeVerifier>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<Pkcs11ChallengeVerifier>.Instance;
    }

    /// <summary>Verifies a response; refusals are results with a reason code, not exceptions.</summary>
    /// <param name="response">What the client sent.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async ValueTask<Pkcs11ChallengeVerification> VerifyAsync(Pkcs11CardResponse response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        var result = await VerifyCoreAsync(response, cancellationToken).ConfigureAwait(false);
        if (result.IsVerified)
        {
            SmartCardLog.ResponseVerified(_logger, response.ChallengeId, result.Certificate!.Subject);
        }
        else
        {
            SmartCardLog.ResponseRefused(_logger, result.ReasonCode, CardChallenge.IsWellFormedId(response.ChallengeId) ? response.ChallengeId : "(malformed)", result.Message);
        }

        return result;
    }

    private async ValueTask<Pkcs11ChallengeVerification> VerifyCoreAsync(Pkcs11CardResponse response, CancellationToken cancellationToken)
    {
        try
        {
            CardChallenge.ValidateId(response.ChallengeId);
        }
        catch (Pkcs11CardException e)
        {
            return Pkcs11ChallengeVerification.Refused(e.ReasonCode, e.Message);
        }

        var lookup = await _store.ConsumeAsync(response.ChallengeId, cancellationToken).ConfigureAwait(false);
        switch (lookup.Status)
        {
            case CardChallengeStatus.Unknown:
                return Pkcs11ChallengeVerification.Refused(
                    ReasonCodes.Pkcs11ChallengeUnknown,
                    "The response names a challenge this server did not issue (or forgot after it expired). Ask for a new challenge; with several nodes, share the challenge store.");
            case CardChallengeStatus.AlreadyUsed:
                return Pkcs11ChallengeVerification.Refused(
                    ReasonCodes.Pkcs11ChallengeReplayed,
                    "The challenge was already used: challenges are single use. Ask for a new challenge; repeated replays mean a captured response is being reused.");
            case CardChallengeStatus.FirstUse when lookup.Challenge is not null:
                break;
            default:
                throw new InvalidOperationException($"The challenge store returned {lookup.Status} without a challenge.");
        }

        var challenge = lookup.Challenge;
        var now = _time.GetUtcNow();
        if (now >= challenge.ExpiresAt)
        {
            return Pkcs11ChallengeVerification.Refused(
                ReasonCodes.Pkcs11ChallengeExpired,
                $"The challenge expired at {challenge.ExpiresAt:O} ({(now - challenge.ExpiresAt).TotalSeconds:0} s ago). Ask for a new challenge and sign it promptly.");
        }

        if (response.Signature.IsEmpty)
        {
            return Pkcs11ChallengeVerification.Refused(ReasonCodes.Pkcs11MalformedResponse, "The response has no signature: send the card's CKM_SHA256_RSA_PKCS signature over the challenge.");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(response.Certificate.Span);
        }
        catch (CryptographicException e)
        {
            return Pkcs11ChallengeVerification.Refused(ReasonCodes.Pkcs11MalformedResponse, $"The response's certificate cannot be read ({e.Message}): send the card certificate's DER bytes.");
        }

        var keep = false;
        try
        {
            using var rsa = certificate.GetRSAPublicKey();
            if (rsa is null)
            {
                return Pkcs11ChallengeVerification.Refused(ReasonCodes.Pkcs11MalformedResponse, $"The certificate's key is {certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value}, not RSA: CPS cards sign with RSA (CKM_SHA256_RSA_PKCS).");
            }

            if (rsa.KeySize < MinRsaKeySize)
            {
                return Pkcs11ChallengeVerification.Refused(ReasonCodes.Pkcs11MalformedResponse, $"The certificate's RSA key has {rsa.KeySize} bits; at least {MinRsaKeySize} are required (CPS cards carry RSA 2048).");
            }

            if (!rsa.VerifyData(challenge.ToBeSigned(), response.Signature.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return Pkcs11ChallengeVerification.Refused(
                    ReasonCodes.Pkcs11BadSignature,
                    "The signature does not verify with the certificate's public key over this challenge: the response was altered, signed something else, or the certificate is not the signing key's.");
            }

            keep = true;
            return Pkcs11ChallengeVerification.Verified(certificate);
        }
        finally
        {
            if (!keep)
            {
                certificate.Dispose();
            }
        }
    }
}
