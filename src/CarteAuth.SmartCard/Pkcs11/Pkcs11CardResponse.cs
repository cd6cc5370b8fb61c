namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>
/// What a thick client sends back for a card challenge: the challenge id, the card's authentication certificate (DER)
/// and the <c>CKM_SHA256_RSA_PKCS</c> signature over <see cref="CardChallenge.ToBeSigned(string, ReadOnlySpan{byte})"/>.
/// </summary>
public sealed class Pkcs11CardResponse
{
    private readonly byte[] _certificate;
    private readonly byte[] _signature;

    /// <summary>Creates a response (the client builds it; a server rebuilds it from what the client sent).</summary>
    /// <param name="challengeId">The id of the challenge signed.</param>
    /// <param name="certificate">The authentication certificate, DER.</param>
    /// <param name="signature">The raw RSA PKCS#1 v1.5 signature (256 bytes for RSA 2048).</param>
    public Pkcs11CardResponse(string challengeId, ReadOnlySpan<byte> certificate, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(challengeId);
        ChallengeId = challengeId;
        _certificate = certificate.ToArray();
        _signature = signature.ToArray();
    }

    /// <summary>The id of the challenge signed.</summary>
    public string ChallengeId { get; }

    /// <summary>The card's authentication certificate, DER.</summary>
    public ReadOnlyMemory<byte> Certificate => _certificate;

    /// <summary>The signature over the domain-separated challenge.</summary>
    public ReadOnlyMemory<byte> Signature => _signature;
}
