namespace CarteAuth.Fido2.Attestation;

/// <summary>
/// The fields of an attestation statement (attStmt, WebAuthn L3 §6.5.4) that the supported formats use, read once
/// with strict CBOR rules. Each format verifier checks which of them it requires (§8).
/// </summary>
public sealed class AttestationStatement
{
    /// <summary>Most certificates accepted in <c>x5c</c>.</summary>
    public const int MaxCertificates = 8;

    /// <summary>Largest certificate accepted in <c>x5c</c>, in bytes.</summary>
    public const int MaxCertificateLength = 8 * 1024;

    /// <summary>The raw attStmt map.</summary>
    public ReadOnlyMemory<byte> Raw { get; private init; }

    /// <summary>Number of entries of the map (0 for the none format).</summary>
    public int Count { get; private init; }

    /// <summary><c>alg</c>: COSE algorithm identifier, as given (may be unknown to <see cref="CoseAlgorithm"/>).</summary>
    public long? Alg { get; private init; }

    /// <summary><c>sig</c>: the attestation signature.</summary>
    public byte[]? Sig { get; private init; }

    /// <summary><c>x5c</c>: DER certificates, attestation certificate first; null when absent.</summary>
    public IReadOnlyList<byte[]>? X5c { get; private init; }

    /// <summary><c>ver</c> (tpm: "2.0").</summary>
    public string? Ver { get; private init; }

    /// <summary><c>certInfo</c> (tpm: TPMS_ATTEST).</summary>
    public byte[]? CertInfo { get; private init; }

    /// <summary><c>pubArea</c> (tpm: TPMT_PUBLIC).</summary>
    public byte[]? PubArea { get; private init; }

    /// <summary>Keys present that none of the properties above covers (kept for diagnostics).</summary>
    public IReadOnlyList<string> OtherKeys { get; private init; } = [];

    /// <summary>Reads an attStmt map.</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/> or <see cref="ReasonCodes.WebAuthnTooLarge"/>.</exception>
    public static AttestationStatement Parse(ReadOnlyMemory<byte> raw) => Cbor.Read("attestation statement (attStmt)", () =>
    {
        var reader = Cbor.Reader(raw);
        var count = reader.ReadStartMap() ?? throw new InvalidOperationException("indefinite-length maps are not allowed");
        long? alg = null;
        byte[]? sig = null, certInfo = null, pubArea = null;
        List<byte[]>? x5c = null;
        string? ver = null;
        var other = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadTextString();
            switch (key)
            {
                case "alg": alg = reader.ReadInt64(); break;
                case "sig": sig = reader.ReadByteString(); break;
                case "ver": ver = reader.ReadTextString(); break;
                case "certInfo": certInfo = reader.ReadByteString(); break;
                case "pubArea": pubArea = reader.ReadByteString(); break;
                case "x5c":
                    var n = reader.ReadStartArray() ?? throw new InvalidOperationException("x5c is an indefinite-length array");
                    if (n is 0 or > MaxCertificates)
                    {
                        throw new WebAuthnException(n == 0 ? ReasonCodes.WebAuthnMalformed : ReasonCodes.WebAuthnTooLarge, $"The attestation statement's x5c has {n} certificates; it has 1 to {MaxCertificates}.");
                    }

                    x5c = new List<byte[]>(n);
                    for (var j = 0; j < n; j++)
                    {
                        var der = reader.ReadByteString();
                        if (der.Length > MaxCertificateLength)
                        {
                            throw new WebAuthnException(ReasonCodes.WebAuthnTooLarge, $"Certificate {j} of x5c is {der.Length} bytes; at most {MaxCertificateLength} are accepted.");
                        }

                        x5c.Add(der);
                    }

                    reader.ReadEndArray();
                    break;
                default:
                    other.Add(key);
                    reader.SkipValue();
                    break;
            }
        }

        reader.ReadEndMap();
        return new AttestationStatement { Raw = raw, Count = count, Alg = alg, Sig = sig, X5c = x5c, Ver = ver, CertInfo = certInfo, PubArea = pubArea, OtherKeys = other };
    });
}
