using System.Formats.Asn1;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Metadata;

namespace CarteAuth.Fido2.Tests.Attestation;

/// <summary>
/// An attestation object decoded into editable parts and re-encoded with <see cref="CborWriter"/>: the tests change one
/// attStmt field (or authData) and check what the verifiers say.
/// </summary>
internal sealed class EditableAttestation
{
    public string Fmt { get; set; } = "";

    /// <summary>attStmt entries in order; values are long, byte[], string or List&lt;byte[]&gt; (x5c).</summary>
    public List<KeyValuePair<string, object>> Statement { get; } = [];

    public byte[] AuthData { get; set; } = [];

    public static EditableAttestation Decode(byte[] attestationObject)
    {
        var result = new EditableAttestation();
        var reader = new CborReader(attestationObject);
        var count = reader.ReadStartMap()!.Value;
        for (var i = 0; i < count; i++)
        {
            switch (reader.ReadTextString())
            {
                case "fmt": result.Fmt = reader.ReadTextString(); break;
                case "authData": result.AuthData = reader.ReadByteString(); break;
                case "attStmt":
                    var n = reader.ReadStartMap()!.Value;
                    for (var j = 0; j < n; j++)
                    {
                        var key = reader.ReadTextString();
                        result.Statement.Add(new(key, ReadValue(reader)));
                    }

                    reader.ReadEndMap();
                    break;
                default: reader.SkipValue(); break;
            }
        }

        reader.ReadEndMap();
        return result;
    }

    public static EditableAttestation Of(string vectorId) => Decode(SpecVectors.Get(vectorId).Registration["attestationObject"]);

    public T Get<T>(string key) => (T)Statement.Single(e => e.Key == key).Value;

    public EditableAttestation Set(string key, object value)
    {
        var index = Statement.FindIndex(e => e.Key == key);
        if (index >= 0)
        {
            Statement[index] = new(key, value);
        }
        else
        {
            Statement.Add(new(key, value));
        }

        return this;
    }

    public EditableAttestation Remove(string key)
    {
        Statement.RemoveAll(e => e.Key == key);
        return this;
    }

    public byte[] Encode()
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteStartMap(3);
        writer.WriteTextString("fmt");
        writer.WriteTextString(Fmt);
        writer.WriteTextString("attStmt");
        writer.WriteStartMap(Statement.Count);
        foreach (var (key, value) in Statement)
        {
            writer.WriteTextString(key);
            WriteValue(writer, value);
        }

        writer.WriteEndMap();
        writer.WriteTextString("authData");
        writer.WriteByteString(AuthData);
        writer.WriteEndMap();
        return writer.Encode();
    }

    public AttestationObject Parse() => AttestationObject.Parse(Encode());

    private static object ReadValue(CborReader reader)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.UnsignedInteger:
            case CborReaderState.NegativeInteger:
                return reader.ReadInt64();
            case CborReaderState.ByteString:
                return reader.ReadByteString();
            case CborReaderState.TextString:
                return reader.ReadTextString();
            case CborReaderState.StartArray:
                var n = reader.ReadStartArray()!.Value;
                var list = new List<byte[]>(n);
                for (var i = 0; i < n; i++)
                {
                    list.Add(reader.ReadByteString());
                }

                reader.ReadEndArray();
                return list;
            default:
                throw new NotSupportedException(reader.PeekState().ToString());
        }
    }

    private static void WriteValue(CborWriter writer, object value)
    {
        switch (value)
        {
            case long l: writer.WriteInt64(l); break;
            case int i: writer.WriteInt32(i); break;
            case byte[] b: writer.WriteByteString(b); break;
            case string s: writer.WriteTextString(s); break;
            case IEnumerable<byte[]> list:
                var items = list.ToList();
                writer.WriteStartArray(items.Count);
                foreach (var item in items)
                {
                    writer.WriteByteString(item);
                }

                writer.WriteEndArray();
                break;
            default: throw new NotSupportedException(value.GetType().Name);
        }
    }
}

/// <summary>A metadata service answering from a dictionary (or failing), for the MDS tests.</summary>
internal sealed class FakeMetadataService(params MetadataEntry[] entries) : IFidoMetadataService
{
    public Exception? Failure { get; init; }

    public List<Guid> Queries { get; } = [];

    public ValueTask<MetadataEntry?> GetEntryAsync(Guid aaguid, CancellationToken cancellationToken = default)
    {
        Queries.Add(aaguid);
        if (Failure is not null)
        {
            throw Failure;
        }

        return ValueTask.FromResult(entries.FirstOrDefault(e => e.Aaguid == aaguid));
    }
}

/// <summary>Keys, certificates and helpers shared by the attestation tests.</summary>
internal static class Kit
{
    public static readonly DateTimeOffset NotBefore = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset NotAfter = new(3024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The ids of every registration vector.</summary>
    public static IEnumerable<string> AllIds => SpecVectors.Ceremonies.Select(c => c.Id);

    /// <summary>The spec's attestation root (public only).</summary>
    public static X509Certificate2 SpecRoot() => X509CertificateLoader.LoadCertificate(SpecVectors.AttestationRootCertificate);

    /// <summary>The spec's attestation root with its private key (attestation_ca_key), to issue test certificates it roots.</summary>
    public static X509Certificate2 SpecRootWithKey()
    {
        using var key = P256(SpecVectors.Get("attestation-root-cert").Common["attestation_ca_key"]);
        using var root = SpecRoot();
        return root.CopyWithPrivateKey(key);
    }

    /// <summary>An ECDSA key from a raw private scalar (P-256, P-384 or P-521 by length).</summary>
    public static ECDsa P256(byte[] d) => EcKey(d, ECCurve.NamedCurves.nistP256);

    public static ECDsa EcKey(byte[] d, ECCurve curve) => ECDsa.Create(new ECParameters { Curve = curve, D = d });

    /// <summary>The vector's credential private key (EC P-256 cases).</summary>
    public static ECDsa CredentialKey(string id) => P256(SpecVectors.Get(id).Registration["credential_private_key"]);

    /// <summary>The vector's attestation private key (P-256).</summary>
    public static ECDsa AttestationKey(string id) => P256(SpecVectors.Get(id).Registration["attestation_private_key"]);

    public static byte[] ClientDataHash(string id) => SHA256.HashData(SpecVectors.Get(id).Registration["clientDataJSON"]);

    public static byte[] SignEs256(ECDsa key, params byte[][] parts) =>
        key.SignData(parts.SelectMany(p => p).ToArray(), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>Issues a certificate for <paramref name="subjectKey"/> under the spec root (or <paramref name="issuer"/>).</summary>
    public static X509Certificate2 Issue(ECDsa subjectKey, string subject, Action<CertificateRequest>? extensions = null, bool ca = false, X509Certificate2? issuer = null, DateTimeOffset? notAfter = null)
    {
        var request = new CertificateRequest(subject, subjectKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign : X509KeyUsageFlags.DigitalSignature, true));
        extensions?.Invoke(request);
        using var root = issuer is null ? SpecRootWithKey() : null;
        var signer = issuer ?? root!;
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var issued = request.Create(signer, NotBefore, notAfter ?? NotAfter, serial);
        return X509CertificateLoader.LoadCertificate(issued.RawData);
    }

    public const string PackedSubject = "CN=Test Authenticator, OU=Authenticator Attestation, O=CarteAuth Tests, C=FR";

    /// <summary>The id-fido-gen-ce-aaguid extension.</summary>
    public static X509Extension AaguidExtension(Guid aaguid, bool critical = false)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(aaguid.ToByteArray(bigEndian: true));
        return new X509Extension("1.3.6.1.4.1.45724.1.1.4", writer.Encode(), critical);
    }

    /// <summary>An attestation verifier with the spec root as anchor (or none).</summary>
    public static AttestationVerifier Verifier(bool anchor = true, AttestationTrustOptions? options = null, IFidoMetadataService? metadata = null)
    {
        options ??= new AttestationTrustOptions();
        if (anchor)
        {
            options = options with { TrustAnchors = [.. options.TrustAnchors, SpecRoot()] };
        }

        return AttestationVerifier.CreateDefault(options, metadata);
    }

    public static Task<AttestationVerificationResult> Verify(this AttestationVerifier verifier, byte[] attestationObject, byte[] clientDataHash, AttestationRequirement? requirement = null) =>
        verifier.VerifyAsync(AttestationObject.Parse(attestationObject), clientDataHash, requirement ?? AttestationRequirement.Any).AsTask();

    /// <summary>Runs <paramref name="action"/> and returns the <see cref="WebAuthnException"/> it throws.</summary>
    public static async Task<WebAuthnException> Refused(Func<Task> action, string expectedCode, params string[] messageParts)
    {
        var ex = await Assert.ThrowsAsync<WebAuthnException>(action);
        Assert.True(ex.ReasonCode == expectedCode, $"expected {expectedCode}, got {ex.ReasonCode}: {ex.Message}");
        foreach (var part in messageParts)
        {
            Assert.True(ex.Message.Contains(part, StringComparison.Ordinal), $"message lacks '{part}': {ex.Message}");
        }

        return ex;
    }

    /// <summary>Authenticator data with another AAGUID (offset 37, 16 bytes).</summary>
    public static byte[] WithAaguid(byte[] authData, Guid aaguid)
    {
        var copy = authData.ToArray();
        aaguid.ToByteArray(bigEndian: true).CopyTo(copy, 37);
        return copy;
    }

    public static Guid AaguidOf(string id) => new(SpecVectors.Get(id).Registration["aaguid"], bigEndian: true);
}
