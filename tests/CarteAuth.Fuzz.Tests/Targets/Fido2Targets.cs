using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.Fido2;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fuzz.Tests.Engine;
using CarteAuth.Testing;

namespace CarteAuth.Fuzz.Tests.Targets;

/// <summary>CBOR tokens of WebAuthn structures: attestation object keys, attStmt keys, COSE labels, CBOR heads.</summary>
internal static class WebAuthnTokens
{
    public static readonly IReadOnlyList<byte[]> Cbor =
    [
        .. new[] { "fmt", "attStmt", "authData", "alg", "sig", "x5c", "ecdaaKeyId", "ver", "certInfo", "pubArea", "response", "2.0", "packed", "tpm", "android-key", "fido-u2f", "apple", "none" }
            .Select(CborText),
        [0xA0], [0xA1], [0xA3], [0x80], [0x81], [0x9F], [0xBF], [0xFF], [0xF6], [0xF7], [0xF4], [0xF5], [0xC0], [0xD8, 0x18],
        [0x58, 0x20], [0x59, 0x01, 0x00], [0x5A, 0xFF, 0xFF, 0xFF, 0xFF], [0x1B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        [0x26], [0x27], [0x38, 0x22], [0x39, 0x01, 0x00], [0x01, 0x02], [0x20, 0x01], [0x21, 0x58, 0x20], [0x22, 0x58, 0x20],
        [0x30, 0x82], [0x06, 0x03, 0x55, 0x04, 0x03], [0xFF, 0x54, 0x43, 0x47], [0x80, 0x17], [0x00, 0x23], [0x00, 0x01], [0x00, 0x0B],
    ];

    private static byte[] CborText(string text)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        return [(byte)(0x60 + utf8.Length), .. utf8];
    }
}

/// <summary>
/// The attestation object decoder and the six attestation statement formats (WebAuthn L3 §6.5.4, §8): input is the
/// 32-byte client data hash followed by the attestation object; the verifier trusts the spec vectors' attestation
/// root, so unmutated seeds go all the way through chain validation.
/// </summary>
internal sealed class AttestationTarget : FuzzTarget
{
    private readonly AttestationVerifier _verifier = AttestationVerifier.CreateDefault(new AttestationTrustOptions
    {
        TrustAnchors = [X509CertificateLoader.LoadCertificate(SpecVectors.AttestationRootCertificate)],
    });

    public override string Name => "attestation";

    public override int MaxInputLength => AttestationObject.MaxLength + 32;

    public override IReadOnlyList<byte[]> Dictionary => WebAuthnTokens.Cbor;

    public override string Execute(byte[] input)
    {
        if (input.Length < 32)
        {
            return "short";
        }

        var attestation = AttestationObject.Parse(input.AsMemory(32));
        var result = _verifier.VerifyAsync(attestation, input.AsMemory(0, 32), AttestationRequirement.Any).AsTask().GetAwaiter().GetResult();
        foreach (var certificate in result.TrustPath)
        {
            certificate.Dispose();
        }

        return $"ok|{result.Format}|{result.Type}|{result.Trusted}";
    }

    /// <summary>The spec vectors' registrations as inputs (also committed as corpus/attestation/*.bin).</summary>
    public static IEnumerable<(string Id, byte[] Input)> FromVectors() =>
        SpecVectors.Ceremonies.Select(v => (v.Id, (byte[])[.. SHA256.HashData(v.Registration["clientDataJSON"]), .. v.Registration["attestationObject"]]));
}

/// <summary>Authenticator data (WebAuthn L3 §6.1, §6.5.2) with its COSE key (RFC 9052/9053) and extensions map.</summary>
internal sealed class AuthenticatorDataTarget : FuzzTarget
{
    public override string Name => "authenticator-data";

    public override int MaxInputLength => 4 * 1024;

    public override IReadOnlyList<byte[]> Dictionary => WebAuthnTokens.Cbor;

    /// <summary>The registration authenticator data (with attested credential data) inside the committed attestation objects.</summary>
    public override IEnumerable<byte[]> GeneratedSeeds() =>
        FuzzRunner.CommittedCorpus("attestation").Select(a => AttestationObject.Parse(a.AsMemory(32)).AuthenticatorData.Raw.ToArray());

    public override string Execute(byte[] input)
    {
        var data = AuthenticatorData.Parse(input);
        return $"ok|{(byte)data.Flags:X2}|{data.AttestedCredentialData?.CredentialPublicKey.Algorithm}|{data.Extensions.Length > 0}";
    }
}

/// <summary>clientDataJSON (WebAuthn L3 §5.8.1) read by the relying party before any check.</summary>
internal sealed class ClientDataTarget : FuzzTarget
{
    public override string Name => "client-data";

    public override IReadOnlyList<byte[]> Dictionary => Tokens(
        "\"type\"", "\"challenge\"", "\"origin\"", "\"crossOrigin\"", "\"topOrigin\"", "\"tokenBinding\"", "\"webauthn.create\"",
        "\"webauthn.get\"", "\"https://example.org\"", "true", "false", "null", "{", "}", "[", "]", ",", ":", "\\u0000", "\\ud800", "\"\"", "\u00e9", "\\\"");

    public override string Execute(byte[] input)
    {
        var data = CollectedClientData.Parse(input);
        return $"ok|{data.Type}|{data.CrossOrigin}";
    }
}

/// <summary>
/// The W3C JSON forms of a ceremony's response (WebAuthn L3 §5.1.8/§5.1.9 <c>RegistrationResponseJSON</c>,
/// <c>AuthenticationResponseJSON</c>, the latter read by a hand-written converter): every input is parsed as both.
/// </summary>
internal sealed class WebAuthnJsonTarget : FuzzTarget
{
    public override string Name => "webauthn-json";

    public override int MaxInputLength => 16 * 1024;

    public override IReadOnlyList<byte[]> Dictionary => Tokens(
        "\"id\"", "\"rawId\"", "\"type\"", "\"response\"", "\"clientDataJSON\"", "\"attestationObject\"", "\"authenticatorData\"", "\"signature\"",
        "\"userHandle\"", "\"transports\"", "\"publicKey\"", "\"publicKeyAlgorithm\"", "\"clientExtensionResults\"", "\"authenticatorAttachment\"",
        "\"public-key\"", "-7", "true", "false", "null", "[]", "{}", "[", "]", "{", "}", ",", ":", "\\u0000", "\\ud800", "\"\"", "\"A\"", "\"AA==\"", "\"+/\"", "\u00e9");

    public override string Execute(byte[] input)
    {
        var text = System.Text.Encoding.UTF8.GetString(input);
        string registration, authentication;
        try
        {
            var parsed = CarteAuth.Fido2.Json.RegistrationResponseJSON.Parse(text);
            registration = $"reg-ok|{parsed.Response.Transports?.Count}";
        }
        catch (CarteAuthException e)
        {
            registration = Label(e);
        }

        try
        {
            var parsed = CarteAuth.Fido2.Json.AuthenticationResponseJSON.Parse(text);
            authentication = $"auth-ok|{parsed.Response.UserHandle is null}";
        }
        catch (CarteAuthException e)
        {
            authentication = Label(e);
        }

        return registration + "||" + authentication;
    }
}
