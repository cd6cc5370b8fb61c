using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CarteAuth.Fido2.Json;

namespace CarteAuth.Fido2.Tests.TestSupport;

/// <summary>A software FIDO2 authenticator (ES256, attestation none) with every field of its responses adjustable, for negative tests.</summary>
internal sealed class SoftAuthenticator : IDisposable
{
    public const string DefaultRpId = "example.org";
    public const string DefaultOrigin = "https://example.org";

    public SoftAuthenticator(bool backupEligible = false, bool counter = true)
    {
        CredentialId = RandomNumberGenerator.GetBytes(32);
        BackupEligible = backupEligible;
        UsesCounter = counter;
    }

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public byte[] CredentialId { get; set; }

    public Guid Aaguid { get; set; } = Guid.Parse("01020304-0506-0708-090a-0b0c0d0e0f10");

    public bool BackupEligible { get; set; }

    public bool UsesCounter { get; set; }

    public uint Counter { get; set; }

    public void Dispose() => Key.Dispose();

    public static string ClientData(string type, string challenge, string origin = DefaultOrigin, bool crossOrigin = false, string? topOrigin = null)
    {
        var sb = new StringBuilder();
        sb.Append("{\"type\":").Append(JsonSerializer.Serialize(type))
          .Append(",\"challenge\":").Append(JsonSerializer.Serialize(challenge))
          .Append(",\"origin\":").Append(JsonSerializer.Serialize(origin))
          .Append(",\"crossOrigin\":").Append(crossOrigin ? "true" : "false");
        if (topOrigin is not null)
        {
            sb.Append(",\"topOrigin\":").Append(JsonSerializer.Serialize(topOrigin));
        }

        return sb.Append('}').ToString();
    }

    public byte[] CoseKey()
    {
        var p = Key.ExportParameters(false);
        var w = new CborWriter(CborConformanceMode.Lax);
        w.WriteStartMap(5);
        w.WriteInt32(1); w.WriteInt32(2);
        w.WriteInt32(3); w.WriteInt32(-7);
        w.WriteInt32(-1); w.WriteInt32(1);
        w.WriteInt32(-2); w.WriteByteString(p.Q.X!);
        w.WriteInt32(-3); w.WriteByteString(p.Q.Y!);
        w.WriteEndMap();
        return w.Encode();
    }

    public byte[] AuthData(AuthenticatorFlags flags, uint signCount, bool attested, string rpId = DefaultRpId)
    {
        var ms = new MemoryStream();
        ms.Write(SHA256.HashData(Encoding.UTF8.GetBytes(rpId)));
        ms.WriteByte((byte)(flags | (attested ? AuthenticatorFlags.AttestedCredentialData : 0)));
        Span<byte> count = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(count, signCount);
        ms.Write(count);
        if (attested)
        {
            ms.Write(Aaguid.ToByteArray(bigEndian: true));
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)CredentialId.Length);
            ms.Write(len);
            ms.Write(CredentialId);
            ms.Write(CoseKey());
        }

        return ms.ToArray();
    }

    public static byte[] AttestationObject(byte[] authData, string fmt = "none")
    {
        var w = new CborWriter(CborConformanceMode.Lax);
        w.WriteStartMap(3);
        w.WriteTextString("fmt"); w.WriteTextString(fmt);
        w.WriteTextString("attStmt"); w.WriteStartMap(0); w.WriteEndMap();
        w.WriteTextString("authData"); w.WriteByteString(authData);
        w.WriteEndMap();
        return w.Encode();
    }

    public AuthenticatorFlags DefaultFlags => AuthenticatorFlags.UserPresent | AuthenticatorFlags.UserVerified | (BackupEligible ? AuthenticatorFlags.BackupEligible : 0);

    public RegistrationResponseJSON Register(string challenge, string type = "webauthn.create", string origin = DefaultOrigin, bool crossOrigin = false, string? topOrigin = null, AuthenticatorFlags? flags = null, string rpId = DefaultRpId, string? clientDataJson = null)
    {
        var clientData = Encoding.UTF8.GetBytes(clientDataJson ?? ClientData(type, challenge, origin, crossOrigin, topOrigin));
        var authData = AuthData(flags ?? DefaultFlags, UsesCounter ? Counter : 0, attested: true, rpId);
        return Registration(CredentialId, clientData, AttestationObject(authData));
    }

    public static RegistrationResponseJSON Registration(byte[] credentialId, byte[] clientDataJson, byte[] attestationObject) => new()
    {
        Id = Base64Url(credentialId),
        RawId = Base64Url(credentialId),
        Type = "public-key",
        ClientExtensionResults = new Dictionary<string, JsonElement>(),
        Response = new AuthenticatorAttestationResponseJSON
        {
            ClientDataJSON = Base64Url(clientDataJson),
            AttestationObject = Base64Url(attestationObject),
            Transports = ["usb"],
        },
    };

    public AuthenticationResponseJSON Assert(string challenge, byte[]? userHandle, string type = "webauthn.get", string origin = DefaultOrigin, bool crossOrigin = false, string? topOrigin = null, AuthenticatorFlags? flags = null, string rpId = DefaultRpId, uint? signCount = null)
    {
        if (UsesCounter && signCount is null)
        {
            Counter++;
        }

        var clientData = Encoding.UTF8.GetBytes(ClientData(type, challenge, origin, crossOrigin, topOrigin));
        var authData = AuthData(flags ?? DefaultFlags, signCount ?? (UsesCounter ? Counter : 0), attested: false, rpId);
        var signature = Key.SignData([.. authData, .. SHA256.HashData(clientData)], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return Assertion(CredentialId, clientData, authData, signature, userHandle);
    }

    public static AuthenticationResponseJSON Assertion(byte[] credentialId, byte[] clientDataJson, byte[] authData, byte[] signature, byte[]? userHandle) => new()
    {
        Id = Base64Url(credentialId),
        RawId = Base64Url(credentialId),
        Type = "public-key",
        ClientExtensionResults = new Dictionary<string, JsonElement>(),
        Response = new AuthenticatorAssertionResponseJSON
        {
            ClientDataJSON = Base64Url(clientDataJson),
            AuthenticatorData = Base64Url(authData),
            Signature = Base64Url(signature),
            UserHandle = userHandle is null ? null : Base64Url(userHandle),
        },
    };

    public static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
