using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using CarteAuth.Identity;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Tokens;

/// <summary>
/// A key that signs (when it holds its private part) or validates CarteAuth session tokens: an ECDSA P-256 key for
/// <see cref="SessionTokenAlgorithm.ES256"/>, or an RSA key of 2048 bits or more for
/// <see cref="SessionTokenAlgorithm.PS256"/> and <see cref="SessionTokenAlgorithm.RS256"/>.
/// Load it with <see cref="FromPem"/> or <see cref="FromJwk"/>, or make one with <see cref="Generate"/>.
/// Verification is safe to call from several threads at once. Disposing the key releases the native key; do not
/// dispose a key while a <see cref="SigningKeyRing"/> that holds it is still in use.
/// </summary>
public sealed class SessionSigningKey : IDisposable
{
    /// <summary>Longest key id accepted (the validator reads <c>kid</c> into a fixed buffer of this size).</summary>
    internal const int MaxKidLength = 256;

    private const int MinRsaBits = 2048;
    private const int MaxRsaBits = 16384;
    private const string P256Oid = "1.2.840.10045.3.1.7";

    private static readonly CryptoProviderFactory UncachedProviders = new() { CacheSignatureProviders = false };

    private readonly ECDsa? _ecdsa;
    private readonly RSA? _rsa;
    private readonly RSASignaturePadding? _padding;
    private SecurityKey? _securityKey;

    private SessionSigningKey(SessionTokenAlgorithm algorithm, ECDsa? ecdsa, RSA? rsa, bool hasPrivateKey, string? kid)
    {
        Algorithm = algorithm;
        _ecdsa = ecdsa;
        _rsa = rsa;
        HasPrivateKey = hasPrivateKey;
        if (ecdsa is not null)
        {
            var p = ecdsa.ExportParameters(includePrivateParameters: false);
            JwkX = Base64Url.EncodeToString(p.Q.X);
            JwkY = Base64Url.EncodeToString(p.Q.Y);
            SignatureLength = 64;
        }
        else
        {
            var p = rsa!.ExportParameters(includePrivateParameters: false);
            JwkN = Base64Url.EncodeToString(TrimLeadingZeros(p.Modulus!));
            JwkE = Base64Url.EncodeToString(TrimLeadingZeros(p.Exponent!));
            SignatureLength = rsa.KeySize / 8;
            _padding = algorithm == SessionTokenAlgorithm.PS256 ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        }

        Kid = kid ?? ComputeThumbprint();
    }

    /// <summary>
    /// The key id, carried in the <c>kid</c> header of the tokens it signs. Defaults to the RFC 7638 JWK thumbprint
    /// (base64url of the SHA-256 of the key's required public members).
    /// </summary>
    public string Kid { get; }

    /// <summary>The algorithm this key signs and validates with.</summary>
    public SessionTokenAlgorithm Algorithm { get; }

    /// <summary>True when the key holds its private part and can sign; false for validation-only keys.</summary>
    public bool HasPrivateKey { get; }

    /// <summary>Length in bytes of the signatures this key produces (64 for ES256, the modulus length for RSA).</summary>
    internal int SignatureLength { get; }

    /// <summary>The ECDSA key (ES256), or null.</summary>
    internal ECDsa? Ecdsa => _ecdsa;

    /// <summary>The RSA key (PS256, RS256), or null.</summary>
    internal RSA? Rsa => _rsa;

    /// <summary>Base64url public members of the JWK (RFC 7518 §6.2.1 for EC, §6.3.1 for RSA).</summary>
    internal string? JwkX { get; }

    /// <inheritdoc cref="JwkX"/>
    internal string? JwkY { get; }

    /// <inheritdoc cref="JwkX"/>
    internal string? JwkN { get; }

    /// <inheritdoc cref="JwkX"/>
    internal string? JwkE { get; }

    /// <summary>
    /// The key as a Microsoft.IdentityModel security key with <see cref="SecurityKey.KeyId"/> = <see cref="Kid"/>, for
    /// signing with JsonWebTokenHandler. Its signature providers are not cached: IdentityModel's shared cache is keyed by
    /// the key's thumbprint, so after a host reloads the same key from PEM and disposes the old instance, a cached
    /// provider would still hold the disposed one.
    /// </summary>
    internal SecurityKey SecurityKey => _securityKey ??= _ecdsa is not null
        ? new ECDsaSecurityKey(_ecdsa) { KeyId = Kid, CryptoProviderFactory = UncachedProviders }
        : new RsaSecurityKey(_rsa!) { KeyId = Kid, CryptoProviderFactory = UncachedProviders };

    /// <summary>Creates a new random key for an algorithm (P-256 for ES256, RSA 2048 bits for PS256/RS256).</summary>
    /// <param name="algorithm">The algorithm the key will sign with.</param>
    /// <param name="kid">The key id; null for the RFC 7638 thumbprint.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.InvalidKey"/>: an unusable key id.</exception>
    public static SessionSigningKey Generate(SessionTokenAlgorithm algorithm, string? kid = null)
    {
        CheckAlgorithm(algorithm);
        CheckKid(kid);
        return algorithm == SessionTokenAlgorithm.ES256
            ? new SessionSigningKey(algorithm, ECDsa.Create(ECCurve.NamedCurves.nistP256), null, hasPrivateKey: true, kid)
            : new SessionSigningKey(algorithm, null, RSA.Create(MinRsaBits), hasPrivateKey: true, kid);
    }

    /// <summary>
    /// Loads a key from PEM text: a private key (<c>PRIVATE KEY</c> PKCS#8, <c>EC PRIVATE KEY</c> SEC1,
    /// <c>RSA PRIVATE KEY</c> PKCS#1) that can sign, or a public key (<c>PUBLIC KEY</c> SPKI, <c>RSA PUBLIC KEY</c>)
    /// that can only validate. Other PEM blocks (certificates) are ignored; exactly one key block must be present.
    /// </summary>
    /// <param name="pem">The PEM text.</param>
    /// <param name="algorithm">The algorithm the key is for; the key's type and size must suit it.</param>
    /// <param name="kid">The key id; null for the RFC 7638 thumbprint.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.InvalidKey"/>: unreadable PEM, encrypted key, wrong key
    /// type, curve or size for <paramref name="algorithm"/>; the message says which and how to fix it.</exception>
    public static SessionSigningKey FromPem(string pem, SessionTokenAlgorithm algorithm, string? kid = null)
    {
        CheckAlgorithm(algorithm);
        CheckKid(kid);
        if (string.IsNullOrWhiteSpace(pem))
        {
            throw InvalidKey("The PEM text is empty. Pass the content of a PEM key file (starting with '-----BEGIN PRIVATE KEY-----' or '-----BEGIN PUBLIC KEY-----').");
        }

        var (label, der) = FindKeyBlock(pem);
        var isPrivate = label is "PRIVATE KEY" or "EC PRIVATE KEY" or "RSA PRIVATE KEY";
        var wantsEc = algorithm == SessionTokenAlgorithm.ES256;
        var expected = wantsEc ? "an EC P-256 key" : $"an RSA key of at least {MinRsaBits} bits";

        // SEC1 and PKCS#1 labels name their key type; PKCS#8 and SPKI blocks carry it in their AlgorithmIdentifier.
        var actualIsEc = label switch
        {
            "EC PRIVATE KEY" => true,
            "RSA PRIVATE KEY" or "RSA PUBLIC KEY" => false,
            _ => (bool?)null,
        };
        if (actualIsEc is bool known && known != wantsEc)
        {
            throw InvalidKey($"The PEM holds {(known ? "an EC" : "an RSA")} key ('{label}') but {algorithm.ToJwa()} needs {expected}. Pass the matching algorithm or another key.");
        }

        AsymmetricAlgorithm? key = wantsEc ? ECDsa.Create() : RSA.Create();
        try
        {
            try
            {
                Import(key, label, der);
            }
            catch (CryptographicException ex)
            {
                // Find out whether the block holds the other key type, to say so.
                using AsymmetricAlgorithm other = wantsEc ? RSA.Create() : ECDsa.Create();
                var isOther = TryImport(other, label, der);
                throw isOther
                    ? InvalidKey($"The PEM holds {(wantsEc ? "an RSA" : "an EC")} key but {algorithm.ToJwa()} needs {expected}. Pass the matching algorithm or another key.")
                    : InvalidKey($"The PEM '{label}' block is not a readable key ({ex.Message}). Check that the file is complete and not corrupted.", ex);
            }

            var result = wantsEc
                ? CreateEc(algorithm, (ECDsa)key, isPrivate, kid, "The PEM key")
                : CreateRsa(algorithm, (RSA)key, isPrivate, kid, "The PEM key");
            key = null;
            return result;
        }
        finally
        {
            key?.Dispose();
        }
    }

    /// <summary>
    /// Loads a validation-only key from a public JWK (RFC 7517): <c>kty</c> <c>EC</c> with <c>crv</c> <c>P-256</c>,
    /// <c>x</c>, <c>y</c>, or <c>kty</c> <c>RSA</c> with <c>n</c>, <c>e</c>. Private members, if any, are ignored.
    /// </summary>
    /// <param name="jwkJson">The JWK as JSON.</param>
    /// <param name="algorithm">The algorithm; null to take the JWK's <c>alg</c> (EC keys default to ES256; RSA keys need one).</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.InvalidKey"/>: not JSON, missing or malformed members,
    /// unsupported key type, curve or size.</exception>
    public static SessionSigningKey FromJwk(string jwkJson, SessionTokenAlgorithm? algorithm = null)
    {
        if (string.IsNullOrWhiteSpace(jwkJson))
        {
            throw InvalidKey("The JWK text is empty. Pass a JSON object such as {\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"…\",\"y\":\"…\"}.");
        }

        try
        {
            using var doc = JsonDocument.Parse(jwkJson);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw InvalidKey($"The JWK is a JSON {doc.RootElement.ValueKind}, not an object. Pass a single JWK object (not a JWKS or an array).");
            }

            return FromJwkElement(doc.RootElement, algorithm, "The JWK");
        }
        catch (JsonException ex)
        {
            throw InvalidKey($"The JWK is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a public JWK element (used for single JWKs and JWKS members).</summary>
    internal static SessionSigningKey FromJwkElement(JsonElement jwk, SessionTokenAlgorithm? algorithm, string what)
    {
        var kty = GetString(jwk, "kty", what, required: true)!;
        var alg = GetString(jwk, "alg", what, required: false);
        var kid = GetString(jwk, "kid", what, required: false);
        SessionTokenAlgorithm? declared = null;
        if (alg is not null)
        {
            if (!SessionTokenAlgorithms.TryParse(alg, out var parsed))
            {
                throw InvalidKey($"{what} has alg '{NationalId.Printable(alg)}'; CarteAuth session keys use ES256, PS256 or RS256.");
            }

            declared = parsed;
        }

        if (algorithm is { } a && declared is { } d && a != d)
        {
            throw InvalidKey($"{what} declares alg {d.ToJwa()} but {a.ToJwa()} was requested. Use the JWK's algorithm or another key.");
        }

        if (kid is not null)
        {
            CheckKid(kid);
        }

        switch (kty)
        {
            case "EC":
            {
                var alg2 = algorithm ?? declared ?? SessionTokenAlgorithm.ES256;
                if (alg2 != SessionTokenAlgorithm.ES256)
                {
                    throw InvalidKey($"{what} is an EC key but {alg2.ToJwa()} needs an RSA key.");
                }

                var crv = GetString(jwk, "crv", what, required: true);
                if (crv != "P-256")
                {
                    throw InvalidKey($"{what} is on curve '{NationalId.Printable(crv!)}'; ES256 needs P-256 (RFC 7518 §3.4).");
                }

                var x = GetBase64Url(jwk, "x", what);
                var y = GetBase64Url(jwk, "y", what);
                if (x.Length != 32 || y.Length != 32)
                {
                    throw InvalidKey($"{what} has x of {x.Length} bytes and y of {y.Length} bytes; P-256 coordinates are 32 bytes each (RFC 7518 §6.2.1.2).");
                }

                var ecdsa = ECDsa.Create();
                try
                {
                    ecdsa.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
                }
                catch (CryptographicException ex)
                {
                    ecdsa.Dispose();
                    throw InvalidKey($"{what} is not a point on P-256 ({ex.Message}). Check x and y.", ex);
                }

                return new SessionSigningKey(alg2, ecdsa, null, hasPrivateKey: false, kid);
            }

            case "RSA":
            {
                var alg2 = algorithm ?? declared ?? throw InvalidKey(
                    $"{what} is an RSA key without alg; RSA keys can sign PS256 or RS256, so say which (set alg in the JWK or pass the algorithm).");
                if (!alg2.IsRsa())
                {
                    throw InvalidKey($"{what} is an RSA key but {alg2.ToJwa()} needs an EC P-256 key.");
                }

                var n = GetBase64Url(jwk, "n", what);
                var e = GetBase64Url(jwk, "e", what);
                var rsa = RSA.Create();
                try
                {
                    rsa.ImportParameters(new RSAParameters { Modulus = TrimLeadingZeros(n), Exponent = TrimLeadingZeros(e) });
                }
                catch (CryptographicException ex)
                {
                    rsa.Dispose();
                    throw InvalidKey($"{what} has an unusable RSA modulus or exponent ({ex.Message}).", ex);
                }

                return CreateRsa(alg2, rsa, isPrivate: false, kid, what);
            }

            default:
                throw InvalidKey($"{what} has kty '{NationalId.Printable(kty)}'; CarteAuth session keys are EC (P-256) or RSA.");
        }
    }

    /// <summary>Exports the private key as PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>), for storing it in a secret store.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.InvalidKey"/>: the key is validation-only.</exception>
    public string ExportPrivateKeyPem()
    {
        if (!HasPrivateKey)
        {
            throw InvalidKey($"Key '{Kid}' is validation-only (loaded from a public key or JWK); it has no private part to export.");
        }

        return _ecdsa is not null ? _ecdsa.ExportPkcs8PrivateKeyPem() : _rsa!.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>Exports the public key as SPKI PEM (<c>-----BEGIN PUBLIC KEY-----</c>), for validators.</summary>
    public string ExportPublicKeyPem() =>
        _ecdsa is not null ? _ecdsa.ExportSubjectPublicKeyInfoPem() : _rsa!.ExportSubjectPublicKeyInfoPem();

    /// <summary>Releases the native key.</summary>
    public void Dispose()
    {
        _ecdsa?.Dispose();
        _rsa?.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Algorithm.ToJwa()} key '{Kid}'{(HasPrivateKey ? " (private)" : " (public)")}";

    /// <summary>
    /// Verifies a JWS signature over the signing input. RFC 7518 §3.4: the ES256 signature is the 64-byte
    /// concatenation R || S (IEEE P1363), not DER. §3.3 / §3.5: RSASSA-PKCS1-v1_5 or RSASSA-PSS with SHA-256, MGF1
    /// with SHA-256 and a salt as long as the hash (what .NET's <see cref="RSASignaturePadding.Pss"/> uses).
    /// </summary>
    internal bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureLength)
        {
            return false;
        }

        try
        {
            return _ecdsa is not null
                ? _ecdsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
                : _rsa!.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, _padding!);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Writes the public JWK (RFC 7517 §4, RFC 7518 §6) with kid, use=sig and alg.</summary>
    internal void WritePublicJwk(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kty", _ecdsa is not null ? "EC" : "RSA");
        writer.WriteString("kid", Kid);
        writer.WriteString("use", "sig");
        writer.WriteString("alg", Algorithm.ToJwa());
        if (_ecdsa is not null)
        {
            writer.WriteString("crv", "P-256");
            writer.WriteString("x", JwkX);
            writer.WriteString("y", JwkY);
        }
        else
        {
            writer.WriteString("n", JwkN);
            writer.WriteString("e", JwkE);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// RFC 7638 §3.2: the JWK thumbprint is the SHA-256 of the JSON object holding only the required public members,
    /// in lexicographic order, with no whitespace: <c>{"crv","kty","x","y"}</c> for EC, <c>{"e","kty","n"}</c> for RSA.
    /// The values are base64url already, so they need no JSON escaping.
    /// </summary>
    internal string ComputeThumbprint()
    {
        var json = _ecdsa is not null
            ? $$"""{"crv":"P-256","kty":"EC","x":"{{JwkX}}","y":"{{JwkY}}"}"""
            : $$"""{"e":"{{JwkE}}","kty":"RSA","n":"{{JwkN}}"}""";
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json), hash);
        return Base64Url.EncodeToString(hash);
    }

    /// <summary>True when both keys have the same algorithm and public key.</summary>
    internal bool HasSamePublicKey(SessionSigningKey other) =>
        Algorithm == other.Algorithm &&
        string.Equals(JwkX, other.JwkX, StringComparison.Ordinal) && string.Equals(JwkY, other.JwkY, StringComparison.Ordinal) &&
        string.Equals(JwkN, other.JwkN, StringComparison.Ordinal) && string.Equals(JwkE, other.JwkE, StringComparison.Ordinal);

    internal static CarteAuthException InvalidKey(string message, Exception? inner = null) =>
        new(ReasonCodes.InvalidKey, message, inner);

    private static void CheckAlgorithm(SessionTokenAlgorithm algorithm)
    {
        if (!SessionTokenAlgorithms.IsDefined(algorithm))
        {
            throw InvalidKey($"'{algorithm}' is not a session token algorithm. Use ES256, PS256 or RS256.");
        }
    }

    private static void CheckKid(string? kid)
    {
        if (kid is null)
        {
            return;
        }

        if (kid.Length == 0 || kid.Length > MaxKidLength || kid.AsSpan().ContainsAnyInRange('\0', '\u001f'))
        {
            throw InvalidKey($"The key id '{NationalId.Printable(kid)}' is unusable: a kid must be 1 to {MaxKidLength} characters without control characters. Pass null to use the RFC 7638 thumbprint.");
        }
    }

    private static SessionSigningKey CreateEc(SessionTokenAlgorithm algorithm, ECDsa ecdsa, bool isPrivate, string? kid, string what)
    {
        // RFC 7518 §3.4: ES256 is ECDSA using P-256 and SHA-256.
        var curve = ecdsa.ExportParameters(includePrivateParameters: false).Curve;
        var isP256 = curve.IsNamed &&
            (curve.Oid.Value == P256Oid || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1");
        if (!isP256)
        {
            var name = curve.Oid.FriendlyName ?? curve.Oid.Value ?? "an explicit curve";
            throw InvalidKey($"{what} is on curve {name} ({ecdsa.KeySize} bits); ES256 needs P-256 (RFC 7518 §3.4). Generate one with 'openssl ecparam -name prime256v1 -genkey'.");
        }

        return new SessionSigningKey(algorithm, ecdsa, null, isPrivate, kid);
    }

    private static SessionSigningKey CreateRsa(SessionTokenAlgorithm algorithm, RSA rsa, bool isPrivate, string? kid, string what)
    {
        // RFC 7518 §3.3 (and §3.5 by reference): "A key of size 2048 bits or larger MUST be used with these algorithms."
        if (rsa.KeySize < MinRsaBits || rsa.KeySize > MaxRsaBits)
        {
            var size = rsa.KeySize;
            rsa.Dispose();
            throw InvalidKey($"{what} is a {size}-bit RSA key; {algorithm.ToJwa()} needs {MinRsaBits} to {MaxRsaBits} bits (RFC 7518 §3.3). Generate one with 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072'.");
        }

        return new SessionSigningKey(algorithm, null, rsa, isPrivate, kid);
    }

    private static (string Label, byte[] Der) FindKeyBlock(string pem)
    {
        string? label = null;
        byte[]? der = null;
        var others = new List<string>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var blockLabel = rest[fields.Label].ToString();
            switch (blockLabel)
            {
                case "PRIVATE KEY" or "EC PRIVATE KEY" or "RSA PRIVATE KEY" or "PUBLIC KEY" or "RSA PUBLIC KEY":
                    if (label is not null)
                    {
                        throw InvalidKey($"The PEM holds more than one key ('{label}' and '{blockLabel}'). Pass exactly one key.");
                    }

                    label = blockLabel;
                    der = new byte[fields.DecodedDataLength];
                    if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out _))
                    {
                        throw InvalidKey($"The PEM '{blockLabel}' block has invalid base64 content. Check that the file was not altered.");
                    }

                    break;
                case "ENCRYPTED PRIVATE KEY":
                    throw InvalidKey("The PEM holds an encrypted private key. Decrypt it first (e.g. 'openssl pkcs8 -in key.pem -out plain.pem') and keep the plain key in a secret store.");
                default:
                    others.Add(blockLabel);
                    break;
            }

            rest = rest[fields.Location.End..];
        }

        if (label is null)
        {
            throw InvalidKey(others.Count == 0
                ? "No PEM block found: the text must contain '-----BEGIN …-----' and '-----END …-----' lines around base64 content."
                : $"The PEM holds no key, only: {string.Join(", ", others)}. Pass a PRIVATE KEY (to sign) or PUBLIC KEY (to validate) block.");
        }

        return (label, der!);
    }

    private static void Import(AsymmetricAlgorithm key, string label, byte[] der)
    {
        switch (key, label)
        {
            case (_, "PRIVATE KEY"):
                key.ImportPkcs8PrivateKey(der, out _);
                break;
            case (_, "PUBLIC KEY"):
                key.ImportSubjectPublicKeyInfo(der, out _);
                break;
            case (ECDsa ec, "EC PRIVATE KEY"):
                ec.ImportECPrivateKey(der, out _);
                break;
            case (RSA rsa, "RSA PRIVATE KEY"):
                rsa.ImportRSAPrivateKey(der, out _);
                break;
            case (RSA rsa, "RSA PUBLIC KEY"):
                rsa.ImportRSAPublicKey(der, out _);
                break;
            default:
                throw new CryptographicException($"'{label}' does not fit this key type.");
        }
    }

    private static bool TryImport(AsymmetricAlgorithm key, string label, byte[] der)
    {
        try
        {
            Import(key, label, der);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static string? GetString(JsonElement jwk, string name, string what, bool required)
    {
        if (!jwk.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? throw InvalidKey($"{what} has no '{name}' member (RFC 7517 §4).") : null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw InvalidKey($"{what} has '{name}' as a JSON {value.ValueKind}; it must be a string (RFC 7517 §4).");
        }

        return value.GetString();
    }

    private static byte[] GetBase64Url(JsonElement jwk, string name, string what)
    {
        var text = GetString(jwk, name, what, required: true)!;
        var bytes = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (text.Length == 0 || text.AsSpan().ContainsAny('=', '+', '/') ||
            Base64Url.DecodeFromChars(text, bytes, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            throw InvalidKey($"{what} has '{name}' that is not unpadded base64url (RFC 7518 §6).");
        }

        return bytes.AsSpan(0, written).ToArray();
    }

    private static byte[] TrimLeadingZeros(byte[] value)
    {
        var i = 0;
        while (i < value.Length - 1 && value[i] == 0)
        {
            i++;
        }

        return i == 0 ? value : value[i..];
    }
}
