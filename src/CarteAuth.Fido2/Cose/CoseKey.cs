using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace CarteAuth.Fido2;

/// <summary>
/// A credential public key in COSE_Key form (RFC 9052 §7, RFC 9053 §7, RFC 8230): EC2 (P-256/384/521), RSA, OKP
/// (Ed25519/Ed448). Keeps its encoded bytes (stored as is in the credential record) and verifies WebAuthn signatures
/// (ECDSA signatures are DER, WebAuthn §6.5.6).
/// </summary>
public sealed class CoseKey
{
    private const int MaxRsaModulusBytes = 1024; // 8192-bit

    // The platform key, imported once and kept (EC2 keys at parse, where the point is checked; RSA on first use):
    // importing costs about as much as one verification. Only public verification runs on it, which the platform's
    // ECDsa/RSA do concurrently (as SessionSigningKey relies on too).
    private AsymmetricAlgorithm? _platformKey;

    private CoseKey(ReadOnlyMemory<byte> encoded, CoseKeyType keyType, CoseAlgorithm algorithm, CoseCurve? curve, ECParameters? ec, RSAParameters? rsa, byte[]? okp)
    {
        Encoded = encoded;
        KeyType = keyType;
        Algorithm = algorithm;
        Curve = curve;
        EcParameters = ec;
        RsaParameters = rsa;
        OkpPublicKey = okp;
    }

    /// <summary>The COSE_Key bytes as received.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>The key type (kty, label 1).</summary>
    public CoseKeyType KeyType { get; }

    /// <summary>The algorithm (alg, label 3); required by WebAuthn (§6.5.1.1).</summary>
    public CoseAlgorithm Algorithm { get; }

    /// <summary>The curve of EC2 and OKP keys.</summary>
    public CoseCurve? Curve { get; }

    /// <summary>The public point of an EC2 key.</summary>
    public ECParameters? EcParameters { get; }

    /// <summary>The modulus and exponent of an RSA key.</summary>
    public RSAParameters? RsaParameters { get; }

    /// <summary>The raw public key of an OKP key (32 bytes Ed25519, 57 bytes Ed448).</summary>
    public byte[]? OkpPublicKey { get; }

    /// <summary>Parses one COSE_Key from the start of <paramref name="data"/>; <paramref name="bytesRead"/> is its length.</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/> or <see cref="ReasonCodes.WebAuthnUnsupportedKey"/>.</exception>
    public static CoseKey Parse(ReadOnlyMemory<byte> data, out int bytesRead)
    {
        long? kty = null, alg = null, crv = null;
        byte[]? x = null, y = null, n = null, e = null;
        var length = Cbor.Read("credential public key (COSE_Key)", () =>
        {
            var reader = Cbor.Reader(data, multipleItems: true);
            var count = reader.ReadStartMap() ?? throw new InvalidOperationException("indefinite-length maps are not allowed in a COSE_Key");
            if (count > 16)
            {
                throw new InvalidOperationException($"the map has {count} entries");
            }

            for (var i = 0; i < count; i++)
            {
                var label = reader.PeekState() == CborReaderState.UnsignedInteger || reader.PeekState() == CborReaderState.NegativeInteger
                    ? reader.ReadInt64()
                    : long.MinValue;
                if (label == long.MinValue)
                {
                    reader.SkipValue(); // text labels are allowed by COSE but unused by WebAuthn keys: skip key and value
                    reader.SkipValue();
                    continue;
                }

                switch (label)
                {
                    case 1: kty = reader.ReadInt64(); break;
                    case 3: alg = reader.ReadInt64(); break;
                    case -1:
                        if (reader.PeekState() == CborReaderState.ByteString)
                        {
                            n = reader.ReadByteString(); // RSA n shares label -1 with the curve (RFC 8230 §4)
                        }
                        else
                        {
                            crv = reader.ReadInt64();
                        }

                        break;
                    case -2:
                        var v2 = reader.ReadByteString();
                        x = v2; e = v2; // EC2/OKP x, or RSA e
                        break;
                    case -3:
                        if (reader.PeekState() != CborReaderState.ByteString)
                        {
                            throw new InvalidOperationException("the EC2 y coordinate (label -3) is not a byte string; WebAuthn keys use the uncompressed form");
                        }

                        y = reader.ReadByteString();
                        break;
                    default: reader.SkipValue(); break;
                }
            }

            reader.ReadEndMap();
            return data.Length - reader.BytesRemaining;
        });
        bytesRead = length;
        var encoded = data[..length];

        if (kty is null || alg is null)
        {
            throw Unsupported($"the COSE_Key has no {(kty is null ? "key type (kty, label 1)" : "algorithm (alg, label 3)")}; WebAuthn requires both (§6.5.1.1)");
        }

        if (!Enum.IsDefined(typeof(CoseAlgorithm), (int)Math.Clamp(alg.Value, int.MinValue, int.MaxValue)) || alg.Value is < int.MinValue or > int.MaxValue)
        {
            throw Unsupported($"COSE algorithm {alg} is not supported (supported: ES256, ES384, ES512, EdDSA, Ed25519, Ed448, RS256, RS384, RS512, PS256, PS384, PS512, RS1)");
        }

        var algorithm = (CoseAlgorithm)(int)alg.Value;
        switch (kty)
        {
            case (long)CoseKeyType.EC2:
            {
                var (curve, size, oid) = crv switch
                {
                    1 => (CoseCurve.P256, 32, ECCurve.NamedCurves.nistP256),
                    2 => (CoseCurve.P384, 48, ECCurve.NamedCurves.nistP384),
                    3 => (CoseCurve.P521, 66, ECCurve.NamedCurves.nistP521),
                    _ => throw Unsupported($"EC2 curve {crv?.ToString() ?? "(missing)"} is not supported (P-256 = 1, P-384 = 2, P-521 = 3)"),
                };
                if (!IsEcdsa(algorithm))
                {
                    throw Unsupported($"an EC2 key cannot have algorithm {algorithm}");
                }

                if (x is null || y is null || x.Length != size || y.Length != size)
                {
                    throw Unsupported($"the EC2 {curve} key needs x and y of {size} bytes each (got {x?.Length.ToString() ?? "none"} and {y?.Length.ToString() ?? "none"})");
                }

                var parameters = new ECParameters { Curve = oid, Q = new ECPoint { X = x, Y = y } };
                ECDsa imported;
                try
                {
                    imported = ECDsa.Create(parameters); // refuses points not on the curve; kept as the platform key
                }
                catch (CryptographicException ex)
                {
                    throw new WebAuthnException(ReasonCodes.WebAuthnUnsupportedKey, $"The credential public key is not a valid {curve} point: {ex.Message}", ex);
                }

                return new CoseKey(encoded, CoseKeyType.EC2, algorithm, curve, parameters, null, null) { _platformKey = imported };
            }

            case (long)CoseKeyType.RSA:
            {
                if (RsaPadding(algorithm) is null)
                {
                    throw Unsupported($"an RSA key cannot have algorithm {algorithm}");
                }

                if (n is null || e is null || n.Length < 256 || n.Length > MaxRsaModulusBytes || e.Length is 0 or > 8)
                {
                    throw Unsupported($"the RSA key needs a modulus n of 2048 to 8192 bits and an exponent e (got n of {n?.Length ?? 0} bytes, e of {e?.Length ?? 0} bytes)");
                }

                return new CoseKey(encoded, CoseKeyType.RSA, algorithm, null, null, new RSAParameters { Modulus = n, Exponent = e }, null);
            }

            case (long)CoseKeyType.OKP:
            {
                var (curve, size) = crv switch
                {
                    6 => (CoseCurve.Ed25519, 32),
                    7 => (CoseCurve.Ed448, 57),
                    _ => throw Unsupported($"OKP curve {crv?.ToString() ?? "(missing)"} is not supported (Ed25519 = 6, Ed448 = 7)"),
                };
                if (algorithm is not (CoseAlgorithm.EdDSA or CoseAlgorithm.Ed25519 or CoseAlgorithm.Ed448) ||
                    (algorithm == CoseAlgorithm.Ed25519 && curve != CoseCurve.Ed25519) ||
                    (algorithm == CoseAlgorithm.Ed448 && curve != CoseCurve.Ed448))
                {
                    throw Unsupported($"an OKP {curve} key cannot have algorithm {algorithm}");
                }

                if (x is null || x.Length != size)
                {
                    throw Unsupported($"the {curve} key needs x of {size} bytes (got {x?.Length.ToString() ?? "none"})");
                }

                return new CoseKey(encoded, CoseKeyType.OKP, algorithm, curve, null, null, x);
            }

            default:
                throw Unsupported($"COSE key type {kty} is not supported (OKP = 1, EC2 = 2, RSA = 3)");
        }
    }

    /// <summary>
    /// Verifies an assertion signature (WebAuthn L3 §7.2 steps 20-21): over authenticatorData ‖ SHA-256(clientDataJSON).
    /// ECDSA and RSA keys hash incrementally with per-thread hash objects and verify the digest, so no buffer is built
    /// and no hash algorithm is looked up per call; EdDSA signs the message itself.
    /// </summary>
    /// <param name="authenticatorData">The authenticator data as received.</param>
    /// <param name="clientDataJson">The clientDataJSON bytes as received.</param>
    /// <param name="signature">The signature.</param>
    /// <returns><see langword="true"/> when it verifies.</returns>
    public bool VerifyAssertion(ReadOnlySpan<byte> authenticatorData, ReadOnlySpan<byte> clientDataJson, ReadOnlySpan<byte> signature)
    {
        Span<byte> clientDataHash = stackalloc byte[32];
        Hashes.Get(HashAlgorithmName.SHA256).AppendData(clientDataJson);
        Hashes.Get(HashAlgorithmName.SHA256).GetHashAndReset(clientDataHash);
        if (KeyType == CoseKeyType.OKP)
        {
            var message = new byte[authenticatorData.Length + clientDataHash.Length];
            authenticatorData.CopyTo(message);
            clientDataHash.CopyTo(message.AsSpan(authenticatorData.Length));
            return Verify(message, signature);
        }

        var hashName = HashOf(Algorithm);
        var hash = Hashes.Get(hashName);
        hash.AppendData(authenticatorData);
        hash.AppendData(clientDataHash);
        Span<byte> digest = stackalloc byte[64];
        var length = hash.GetHashAndReset(digest);
        digest = digest[..length];
        try
        {
            return KeyType == CoseKeyType.EC2
                ? IsEcdsa(Algorithm) && ((ECDsa)PlatformKey()).VerifyHash(digest, signature, DSASignatureFormat.Rfc3279DerSequence)
                : RsaPadding(Algorithm) is { } padding && ((RSA)PlatformKey()).VerifyHash(digest, signature, hashName, padding);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Verifies a WebAuthn signature made with this key's algorithm over <paramref name="data"/>.</summary>
    /// <returns><see langword="true"/> when it verifies; <see langword="false"/> for any wrong or malformed signature.</returns>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        switch (KeyType)
        {
            case CoseKeyType.EC2:
                return VerifyEcdsa((ECDsa)PlatformKey(), Algorithm, data, signature);

            case CoseKeyType.RSA:
                return VerifyRsa((RSA)PlatformKey(), Algorithm, data, signature);

            default:
                return VerifyEdDsa(Curve!.Value, OkpPublicKey!, data, signature);
        }
    }

    private AsymmetricAlgorithm PlatformKey()
    {
        var key = Volatile.Read(ref _platformKey);
        if (key is not null)
        {
            return key;
        }

        AsymmetricAlgorithm created = KeyType == CoseKeyType.EC2 ? ECDsa.Create(EcParameters!.Value) : RSA.Create(RsaParameters!.Value);
        var raced = Interlocked.CompareExchange(ref _platformKey, created, null);
        if (raced is not null)
        {
            created.Dispose();
            return raced;
        }

        return created;
    }

    /// <summary>
    /// Verifies a signature made with <paramref name="algorithm"/> by the key of an attestation certificate (packed
    /// x5c, tpm, android-key…). False when the certificate's key type does not fit the algorithm.
    /// </summary>
    public static bool VerifyWithCertificate(X509Certificate2 certificate, CoseAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        switch (algorithm)
        {
            case CoseAlgorithm.ES256 or CoseAlgorithm.ES384 or CoseAlgorithm.ES512:
            {
                using var ecdsa = certificate.GetECDsaPublicKey();
                return ecdsa is not null && VerifyEcdsa(ecdsa, algorithm, data, signature);
            }

            case CoseAlgorithm.EdDSA or CoseAlgorithm.Ed25519 or CoseAlgorithm.Ed448:
            {
                var spki = certificate.PublicKey;
                var curve = spki.Oid.Value switch { "1.3.101.112" => CoseCurve.Ed25519, "1.3.101.113" => CoseCurve.Ed448, _ => (CoseCurve?)null };
                return curve is not null && VerifyEdDsa(curve.Value, spki.EncodedKeyValue.RawData, data, signature);
            }

            default:
            {
                using var rsa = certificate.GetRSAPublicKey();
                return rsa is not null && VerifyRsa(rsa, algorithm, data, signature);
            }
        }
    }

    /// <summary>True when <paramref name="certificate"/> holds this same public key (android-key, apple, tpm checks).</summary>
    public bool MatchesCertificateKey(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        switch (KeyType)
        {
            case CoseKeyType.EC2:
            {
                using var ecdsa = certificate.GetECDsaPublicKey();
                if (ecdsa is null)
                {
                    return false;
                }

                var p = ecdsa.ExportParameters(false);
                var q = EcParameters!.Value;
                return p.Curve.Oid.Value == q.Curve.Oid.Value && p.Q.X.AsSpan().SequenceEqual(q.Q.X) && p.Q.Y.AsSpan().SequenceEqual(q.Q.Y);
            }

            case CoseKeyType.RSA:
            {
                using var rsa = certificate.GetRSAPublicKey();
                if (rsa is null)
                {
                    return false;
                }

                var p = rsa.ExportParameters(false);
                var q = RsaParameters!.Value;
                return p.Modulus.AsSpan().SequenceEqual(q.Modulus) && p.Exponent.AsSpan().SequenceEqual(q.Exponent);
            }

            default:
                return certificate.PublicKey.EncodedKeyValue.RawData.AsSpan().SequenceEqual(OkpPublicKey);
        }
    }

    /// <summary>The hash algorithm <paramref name="algorithm"/> signs with.</summary>
    internal static HashAlgorithmName HashOf(CoseAlgorithm algorithm) => algorithm switch
    {
        CoseAlgorithm.ES384 or CoseAlgorithm.RS384 or CoseAlgorithm.PS384 => HashAlgorithmName.SHA384,
        CoseAlgorithm.ES512 or CoseAlgorithm.RS512 or CoseAlgorithm.PS512 => HashAlgorithmName.SHA512,
        CoseAlgorithm.RS1 => HashAlgorithmName.SHA1,
        _ => HashAlgorithmName.SHA256,
    };

    private static bool IsEcdsa(CoseAlgorithm algorithm) => algorithm is CoseAlgorithm.ES256 or CoseAlgorithm.ES384 or CoseAlgorithm.ES512;

    private static RSASignaturePadding? RsaPadding(CoseAlgorithm algorithm) => algorithm switch
    {
        CoseAlgorithm.PS256 or CoseAlgorithm.PS384 or CoseAlgorithm.PS512 => RSASignaturePadding.Pss,
        CoseAlgorithm.RS256 or CoseAlgorithm.RS384 or CoseAlgorithm.RS512 or CoseAlgorithm.RS1 => RSASignaturePadding.Pkcs1,
        _ => null,
    };

    private static bool VerifyEcdsa(ECDsa ecdsa, CoseAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (!IsEcdsa(algorithm))
        {
            return false;
        }

        try
        {
            // WebAuthn §6.5.6: ECDSA signatures are ASN.1 DER Ecdsa-Sig-Value (RFC 3279 §2.2.3).
            return ecdsa.VerifyData(data, signature, HashOf(algorithm), DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool VerifyRsa(RSA rsa, CoseAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var padding = RsaPadding(algorithm);
        if (padding is null)
        {
            return false;
        }

        try
        {
            return rsa.VerifyData(data, signature, HashOf(algorithm), padding);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool VerifyEdDsa(CoseCurve curve, byte[] publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            // RFC 8032 §5.1.7 / §5.2.7 (Ed448 with an empty context), via BouncyCastle.
            Org.BouncyCastle.Crypto.ISigner signer;
            if (curve == CoseCurve.Ed25519)
            {
                if (signature.Length != 64 || publicKey.Length != 32)
                {
                    return false;
                }

                signer = new Ed25519Signer();
                signer.Init(false, new Ed25519PublicKeyParameters(publicKey, 0));
            }
            else if (curve == CoseCurve.Ed448)
            {
                if (signature.Length != 114 || publicKey.Length != 57)
                {
                    return false;
                }

                signer = new Ed448Signer([]);
                signer.Init(false, new Ed448PublicKeyParameters(publicKey, 0));
            }
            else
            {
                return false;
            }

            signer.BlockUpdate(data);
            return signer.VerifySignature(signature.ToArray());
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static WebAuthnException Unsupported(string detail) =>
        new(ReasonCodes.WebAuthnUnsupportedKey, $"The credential public key cannot be used: {detail}. Use an authenticator with a supported key.");
}

/// <summary>One reusable hash object per thread and algorithm (an <see cref="IncrementalHash"/> is not thread-safe).</summary>
internal static class Hashes
{
    [ThreadStatic]
    private static IncrementalHash? _sha256;

    [ThreadStatic]
    private static IncrementalHash? _sha384;

    [ThreadStatic]
    private static IncrementalHash? _sha512;

    [ThreadStatic]
    private static IncrementalHash? _sha1;

    /// <summary>This thread's hash object for <paramref name="name"/>, reset (callers finish with GetHashAndReset).</summary>
    public static IncrementalHash Get(HashAlgorithmName name)
    {
        if (name == HashAlgorithmName.SHA384)
        {
            return _sha384 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA384);
        }

        if (name == HashAlgorithmName.SHA512)
        {
            return _sha512 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        }

        if (name == HashAlgorithmName.SHA1)
        {
            return _sha1 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        }

        return _sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    }
}
