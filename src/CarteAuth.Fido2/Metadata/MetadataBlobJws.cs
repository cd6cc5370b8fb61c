using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace CarteAuth.Fido2.Metadata;

/// <summary>
/// Verifies a metadata BLOB (FIDO MDS 3.0 §3.1.7: a JWS compact serialization, RFC 7515 §7.1) and returns its payload:
/// header <c>alg</c> and <c>x5c</c>, signature with the key of <c>x5c[0]</c>, chain to a configured root (§3.2 steps 2-4).
/// </summary>
internal static class MetadataBlobJws
{
    /// <summary>Most certificates accepted in <c>x5c</c>.</summary>
    internal const int MaxChainLength = 8;

    /// <summary>Largest certificate accepted in <c>x5c</c>, in bytes.</summary>
    internal const int MaxCertificateBytes = 16 * 1024;

    /// <summary>Largest JWS header accepted, in characters.</summary>
    private const int MaxHeaderChars = 256 * 1024;

    private static readonly JsonDocumentOptions Json = new() { MaxDepth = 16, AllowDuplicateProperties = false };

    /// <summary>
    /// Verifies <paramref name="blob"/> and returns the payload bytes. Throws <see cref="WebAuthnException"/>:
    /// <see cref="ReasonCodes.WebAuthnMetadataInvalid"/> for anything malformed, unsigned, badly signed or untrusted,
    /// <see cref="ReasonCodes.WebAuthnMetadataUnavailable"/> when only the revocation status of the chain is unknown.
    /// </summary>
    public static byte[] Verify(ReadOnlySpan<byte> blob, X509Certificate2Collection roots, X509RevocationMode revocationMode, DateTimeOffset now)
    {
        // RFC 7515 §7.1: BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature); surrounding whitespace tolerated.
        blob = blob.Trim(" \t\r\n"u8);
        var firstDot = blob.IndexOf((byte)'.');
        var lastDot = blob.LastIndexOf((byte)'.');
        if (blob.IsEmpty || firstDot <= 0 || lastDot == firstDot || blob[(firstDot + 1)..lastDot].Contains((byte)'.'))
        {
            throw Invalid("it is not a JWS in compact serialization (three base64url parts separated by dots). Check that BlobUrl or BlobFilePath points at the BLOB itself (https://mds3.fidoalliance.org/ serves it) and not at an HTML page.");
        }

        if (firstDot > MaxHeaderChars)
        {
            throw Invalid($"its JWS header is over {MaxHeaderChars} characters.");
        }

        var header = DecodeBase64Url(blob[..firstDot], "JWS header");
        var payload = DecodeBase64Url(blob[(firstDot + 1)..lastDot], "payload");
        var signature = DecodeBase64Url(blob[(lastDot + 1)..], "signature");
        var (algorithm, chain) = ReadHeader(header);
        try
        {
            if (chain.Count == 0)
            {
                // FIDO MDS 3.0 §3.2 step 3: without x5u and x5c, the signing chain is the trust anchor itself.
                VerifyByRoot(algorithm, roots, blob[..lastDot], signature, now);
                return payload;
            }

            var leaf = chain[0];

            // FIDO MDS 3.0 §3.2 step 4, RFC 7515 §5.2 step 8: the signature over ASCII(BASE64URL(header) '.' BASE64URL(payload)).
            if (!VerifySignature(algorithm, leaf, blob[..lastDot], signature))
            {
                throw Invalid($"its {algorithm} signature does not verify with the key of its signing certificate ({leaf.Subject}): the BLOB was altered or truncated. Download it again.");
            }

            // FIDO MDS 3.0 §3.2 step 3: the x5c chain must lead to the metadata root, with revocation checked.
            VerifyChain(chain, roots, revocationMode, now);
            return payload;
        }
        finally
        {
            foreach (var certificate in chain)
            {
                certificate.Dispose();
            }
        }
    }

    private static (string Algorithm, List<X509Certificate2> Chain) ReadHeader(byte[] header)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, Json);
        }
        catch (JsonException e)
        {
            throw Invalid($"its JWS header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("its JWS header is not a JSON object.");
            }

            if (!root.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String)
            {
                throw Invalid("its JWS header has no \"alg\".");
            }

            var algorithm = alg.GetString()!;
            if (HashOf(algorithm) is null)
            {
                throw Invalid($"its JWS algorithm \"{algorithm}\" is not accepted: a metadata BLOB is signed with ES256/ES384/ES512, RS256/RS384/RS512 or PS256/PS384/PS512.");
            }

            // RFC 7515 §4.1.11: extensions marked critical must be understood; this reader knows none.
            if (root.TryGetProperty("crit", out _))
            {
                throw Invalid("its JWS header has a \"crit\" parameter naming extensions this reader does not implement.");
            }

            // FIDO MDS 3.0 §3.2 step 2: with x5u the chain must be fetched from the same origin; this reader only takes x5c.
            if (root.TryGetProperty("x5u", out _))
            {
                throw Invalid("its JWS header uses \"x5u\" (certificate chain by URL), which this service does not fetch: use a BLOB carrying its chain in \"x5c\" (the FIDO Alliance MDS3 BLOB does).");
            }

            if (!root.TryGetProperty("x5c", out var x5c))
            {
                return (algorithm, []);
            }

            if (x5c.ValueKind != JsonValueKind.Array || x5c.GetArrayLength() == 0)
            {
                throw Invalid("its JWS header \"x5c\" is not a non-empty array of certificates.");
            }

            if (x5c.GetArrayLength() > MaxChainLength)
            {
                throw Invalid($"its \"x5c\" chain has {x5c.GetArrayLength()} certificates, more than {MaxChainLength}.");
            }

            var chain = new List<X509Certificate2>();
            try
            {
                foreach (var item in x5c.EnumerateArray())
                {
                    chain.Add(ReadCertificate(item, chain.Count));
                }
            }
            catch
            {
                chain.ForEach(static c => c.Dispose());
                throw;
            }

            return (algorithm, chain);
        }
    }

    private static X509Certificate2 ReadCertificate(JsonElement item, int index)
    {
        // RFC 7515 §4.1.6: each x5c value is base64 (not base64url) DER.
        if (item.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"x5c[{index}] is not a string.");
        }

        var text = item.GetString()!;
        if (text.Length > (MaxCertificateBytes * 4 / 3) + 4)
        {
            throw Invalid($"x5c[{index}] is larger than {MaxCertificateBytes} bytes.");
        }

        var buffer = new byte[(text.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(text, buffer, out var length))
        {
            throw Invalid($"x5c[{index}] is not base64 DER of at most {MaxCertificateBytes} bytes.");
        }

        try
        {
            return X509CertificateLoader.LoadCertificate(buffer.AsSpan(0, length));
        }
        catch (CryptographicException e)
        {
            throw Invalid($"x5c[{index}] is not an X.509 certificate ({e.Message})", e);
        }
    }

    private static HashAlgorithmName? HashOf(string algorithm) => algorithm switch
    {
        "ES256" or "RS256" or "PS256" => HashAlgorithmName.SHA256,
        "ES384" or "RS384" or "PS384" => HashAlgorithmName.SHA384,
        "ES512" or "RS512" or "PS512" => HashAlgorithmName.SHA512,
        _ => null,
    };

    private static bool VerifySignature(string algorithm, X509Certificate2 signer, ReadOnlySpan<byte> signedAscii, byte[] signature)
    {
        var hash = HashOf(algorithm)!.Value;
        try
        {
            if (algorithm[0] == 'E')
            {
                // RFC 7518 §3.4: R || S, each the size of the curve order; the curve is the one the algorithm names.
                using var ecdsa = signer.GetECDsaPublicKey() ?? throw Invalid($"its algorithm is {algorithm} but the signing certificate ({signer.Subject}) has no EC key.");
                var expectedBits = algorithm switch { "ES256" => 256, "ES384" => 384, _ => 521 };
                if (ecdsa.KeySize != expectedBits)
                {
                    throw Invalid($"its algorithm is {algorithm} but the signing key is a {ecdsa.KeySize}-bit curve.");
                }

                return ecdsa.VerifyData(signedAscii, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }

            using var rsa = signer.GetRSAPublicKey() ?? throw Invalid($"its algorithm is {algorithm} but the signing certificate ({signer.Subject}) has no RSA key.");
            if (rsa.KeySize < 2048)
            {
                throw Invalid($"its signing key is RSA {rsa.KeySize} bits; at least 2048 are required.");
            }

            var padding = algorithm[0] == 'P' ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
            return rsa.VerifyData(signedAscii, signature, hash, padding);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>A BLOB without a chain must be signed by the key of a configured root valid now.</summary>
    private static void VerifyByRoot(string algorithm, X509Certificate2Collection roots, ReadOnlySpan<byte> signedAscii, byte[] signature, DateTimeOffset now)
    {
        foreach (var root in roots)
        {
            try
            {
                if (root.NotBefore.ToUniversalTime() <= now.UtcDateTime && now.UtcDateTime <= root.NotAfter.ToUniversalTime() && VerifySignature(algorithm, root, signedAscii, signature))
                {
                    return;
                }
            }
            catch (WebAuthnException)
            {
                // This root's key does not fit the algorithm: try the next one.
            }
        }

        throw Invalid($"it carries no \"x5c\" chain and its {algorithm} signature does not verify with the key of any configured root valid at {now:u}: the BLOB was altered, or it is signed by a certificate it does not carry.");
    }

    private static void VerifyChain(List<X509Certificate2> chain, X509Certificate2Collection roots, X509RevocationMode revocationMode, DateTimeOffset now)
    {
        using var builder = new X509Chain();
        var policy = builder.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(roots);
        for (var i = 1; i < chain.Count; i++)
        {
            policy.ExtraStore.Add(chain[i]);
        }

        policy.RevocationMode = revocationMode;
        policy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        policy.DisableCertificateDownloads = revocationMode != X509RevocationMode.Online;
        policy.VerificationTime = now.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        policy.UrlRetrievalTimeout = TimeSpan.FromSeconds(15);
        bool built;
        try
        {
            built = builder.Build(chain[0]);
        }
        catch (CryptographicException e)
        {
            throw Invalid($"its certificate chain cannot be built ({e.Message})", e);
        }

        if (built)
        {
            return;
        }

        var flags = X509ChainStatusFlags.NoError;
        foreach (var element in builder.ChainElements)
        {
            foreach (var status in element.ChainElementStatus)
            {
                flags |= status.Status;
            }
        }

        foreach (var status in builder.ChainStatus)
        {
            flags |= status.Status;
        }

        const X509ChainStatusFlags RevocationUnknown = X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation;
        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            throw Invalid($"a certificate of its signing chain ({chain[0].Subject}, valid {chain[0].NotBefore:u} to {chain[0].NotAfter:u}) is expired or not yet valid at {now:u}. Download a current BLOB.");
        }

        if ((flags & X509ChainStatusFlags.Revoked) != 0)
        {
            throw Invalid($"a certificate of its signing chain ({chain[0].Subject}) is revoked.");
        }

        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            throw Invalid($"its signing certificate ({chain[0].Subject}, issued by {chain[0].Issuer}) does not chain to a configured root. Configure the FIDO Alliance MDS root (\"GlobalSign Root CA - R3\") in FidoMetadataOptions.RootCertificates or RootCertificatePaths, or check that the BLOB comes from the expected service.");
        }

        if ((flags & ~RevocationUnknown) == 0)
        {
            throw new WebAuthnException(
                ReasonCodes.WebAuthnMetadataUnavailable,
                $"The revocation status of the metadata BLOB signing chain ({chain[0].Subject}) could not be checked: the CAs' CRLs are unreachable. Allow this host to reach them, or set FidoMetadataOptions.RevocationMode to Offline or NoCheck.");
        }

        throw Invalid($"its signing chain is not valid ({Describe(builder)}).");
    }

    private static string Describe(X509Chain chain)
    {
        var text = new StringBuilder();
        foreach (var status in chain.ChainStatus)
        {
            text.Append(text.Length == 0 ? string.Empty : "; ").Append(status.Status).Append(": ").Append(status.StatusInformation.Trim());
        }

        return text.ToString();
    }

    private static byte[] DecodeBase64Url(ReadOnlySpan<byte> encoded, string what)
    {
        if (encoded.IsEmpty)
        {
            throw Invalid($"its {what} is empty.");
        }

        var decoded = new byte[Base64Url.GetMaxDecodedLength(encoded.Length)];
        if (Base64Url.DecodeFromUtf8(encoded, decoded, out var consumed, out var written) != System.Buffers.OperationStatus.Done || consumed != encoded.Length)
        {
            throw Invalid($"its {what} is not base64url (it may be truncated or not a BLOB at all).");
        }

        return decoded.AsSpan(0, written).ToArray();
    }

    /// <summary>A <see cref="ReasonCodes.WebAuthnMetadataInvalid"/> error about the BLOB.</summary>
    internal static WebAuthnException Invalid(string detail, Exception? inner = null) =>
        new(ReasonCodes.WebAuthnMetadataInvalid, "The FIDO metadata BLOB is refused: " + detail.TrimEnd('.') + ".", inner);
}
