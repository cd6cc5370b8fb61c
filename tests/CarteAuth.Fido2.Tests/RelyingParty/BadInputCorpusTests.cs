using System.Formats.Cbor;
using System.Text;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Tests.TestSupport;

namespace CarteAuth.Fido2.Tests.RelyingParty;

/// <summary>
/// Systematic bad input, derived from the spec vectors: every truncation, seeded random byte flips, oversized fields,
/// duplicate CBOR keys, wrong major types, invalid UTF-8, huge x5c. Every case ends in a typed <c>webauthn.*</c>
/// result, never another exception.
/// </summary>
public sealed class BadInputCorpusTests
{
    private const int Seed = 20261123;

    private static void AssertTyped(string reasonCode, bool succeeded, string what, bool mustFail = true)
    {
        if (mustFail)
        {
            Assert.False(succeeded, $"{what}: accepted");
        }

        if (!succeeded)
        {
            Assert.StartsWith("webauthn.", reasonCode, StringComparison.Ordinal);
        }
    }

    private static async Task<Fido2RegistrationResult> RegisterAsync(RpHarness h, SpecVector v, byte[]? clientData = null, byte[]? attestationObject = null, byte[]? credentialId = null)
    {
        await SpecVectorCeremonyTests.SeedAsync(h, v.Registration["challenge"], WebAuthnCeremony.Registration, uv: false);
        return await h.Rp.VerifyRegistrationAsync(SoftAuthenticator.Registration(
            credentialId ?? v.Registration["credential_id"],
            clientData ?? v.Registration["clientDataJSON"],
            attestationObject ?? v.Registration["attestationObject"]));
    }

    private static async Task<Fido2AssertionResult> AssertAsync(RpHarness h, SpecVector v, byte[]? clientData = null, byte[]? authData = null, byte[]? signature = null, byte[]? userHandle = null)
    {
        await SpecVectorCeremonyTests.SeedAsync(h, v.Authentication["challenge"], WebAuthnCeremony.Authentication, uv: false, v.Registration["credential_id"]);
        return await h.Rp.VerifyAssertionAsync(SoftAuthenticator.Assertion(
            v.Registration["credential_id"],
            clientData ?? v.Authentication["clientDataJSON"],
            authData ?? v.Authentication["authenticatorData"],
            signature ?? v.Authentication["signature"],
            userHandle));
    }

    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public async Task Every_truncation_of_the_attestation_object_is_refused(string id)
    {
        var v = SpecVectors.Get(id);
        var h = SpecVectorCeremonyTests.VectorHarness();
        var full = v.Registration["attestationObject"];
        for (var n = 0; n < full.Length; n++)
        {
            var r = await RegisterAsync(h, v, attestationObject: full[..n]);
            AssertTyped(r.ReasonCode, r.Succeeded, $"attestationObject[..{n}]");
        }
    }

    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public async Task Every_truncation_of_assertion_fields_is_refused(string id)
    {
        var v = SpecVectors.Get(id);
        var (h, reg) = await SpecVectorCeremonyTests.RegisteredAsync(id);
        Assert.True(reg.Succeeded);
        var authData = v.Authentication["authenticatorData"];
        for (var n = 0; n < authData.Length; n++)
        {
            var r = await AssertAsync(h, v, authData: authData[..n]);
            AssertTyped(r.ReasonCode, r.Succeeded, $"authenticatorData[..{n}]");
        }

        var clientData = v.Authentication["clientDataJSON"];
        for (var n = 0; n < clientData.Length; n++)
        {
            var r = await AssertAsync(h, v, clientData: clientData[..n]);
            AssertTyped(r.ReasonCode, r.Succeeded, $"clientDataJSON[..{n}]");
        }

        var signature = v.Authentication["signature"];
        for (var n = 0; n < signature.Length; n++)
        {
            var r = await AssertAsync(h, v, signature: signature[..n]);
            AssertTyped(r.ReasonCode, r.Succeeded, $"signature[..{n}]");
        }
    }

    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public async Task Random_byte_flips_give_typed_results(string id)
    {
        var v = SpecVectors.Get(id);
        var random = new Random(Seed ^ id.GetHashCode(StringComparison.Ordinal) & 0x7fff);
        var h = SpecVectorCeremonyTests.VectorHarness();
        for (var i = 0; i < 150; i++)
        {
            // Registration: attestation verification is the test verifier's (accepts any format), so a flip in an
            // unsigned-here field (AAGUID, attStmt bytes) may legitimately verify; it must still never throw.
            var ao = Flip(v.Registration["attestationObject"], random);
            var r = await RegisterAsync(h, v, attestationObject: ao, credentialId: CredentialIdOf(ao) ?? v.Registration["credential_id"]);
            AssertTyped(r.ReasonCode, r.Succeeded, $"flip {i} in attestationObject", mustFail: false);
            var cd = Flip(v.Registration["clientDataJSON"], random);
            var c = await RegisterAsync(h, v, clientData: cd);
            AssertTyped(c.ReasonCode, c.Succeeded, $"flip {i} in registration clientDataJSON", mustFail: false);
        }

        var (registered, _) = await SpecVectorCeremonyTests.RegisteredAsync(id);
        for (var i = 0; i < 150; i++)
        {
            // Assertion: everything is signed, so every flip is refused.
            var field = i % 3;
            var r = await AssertAsync(
                registered, v,
                clientData: field == 0 ? Flip(v.Authentication["clientDataJSON"], random) : null,
                authData: field == 1 ? Flip(v.Authentication["authenticatorData"], random) : null,
                signature: field == 2 ? Flip(v.Authentication["signature"], random) : null);
            AssertTyped(r.ReasonCode, r.Succeeded, $"flip {i} in assertion field {field}");
        }
    }

    [Fact]
    public async Task Oversized_fields_are_too_large_or_malformed()
    {
        var v = SpecVectors.Get("none-es256");
        var (h, _) = await SpecVectorCeremonyTests.RegisteredAsync("none-es256");
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, (await AssertAsync(h, v, clientData: new byte[100_000])).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, (await AssertAsync(h, v, signature: new byte[4096])).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, (await AssertAsync(h, v, authData: new byte[20_000])).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, (await AssertAsync(h, v, userHandle: new byte[65])).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, (await RegisterAsync(h, v, attestationObject: new byte[70_000])).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, (await RegisterAsync(h, v, credentialId: new byte[1024])).ReasonCode);
        var huge = await h.Rp.VerifyAssertionAsync(new string('x', 300_000));
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, huge.ReasonCode);
        var deep = await h.Rp.VerifyRegistrationAsync(new string('[', 5000) + new string(']', 5000));
        Assert.Equal(ReasonCodes.WebAuthnMalformed, deep.ReasonCode);
    }

    [Fact]
    public async Task Crafted_cbor_is_refused()
    {
        var v = SpecVectors.Get("none-es256");
        var h = SpecVectorCeremonyTests.VectorHarness();
        var authData = AttestationObject.Parse(v.Registration["attestationObject"]).AuthenticatorData.Raw.ToArray();
        var cases = new Dictionary<string, byte[]>
        {
            ["duplicate fmt"] = Map(w => { Text(w, "fmt", "none"); Text(w, "fmt", "packed"); EmptyStmt(w); Bytes(w, "authData", authData); }, 4),
            ["fmt as integer"] = Map(w => { w.WriteTextString("fmt"); w.WriteInt32(1); EmptyStmt(w); Bytes(w, "authData", authData); }, 3),
            ["authData as text"] = Map(w => { Text(w, "fmt", "none"); EmptyStmt(w); Text(w, "authData", "AAAA"); }, 3),
            ["attStmt as array"] = Map(w => { Text(w, "fmt", "none"); w.WriteTextString("attStmt"); w.WriteStartArray(0); w.WriteEndArray(); Bytes(w, "authData", authData); }, 3),
            ["missing authData"] = Map(w => { Text(w, "fmt", "none"); EmptyStmt(w); }, 2),
            ["root is array"] = Encode(w => { w.WriteStartArray(0); w.WriteEndArray(); }),
            ["trailing item"] = [.. v.Registration["attestationObject"], 0x00],
            ["integer keys"] = Map(w => { w.WriteInt32(1); w.WriteTextString("none"); }, 1),
            ["duplicate COSE label"] = Map(w => { Text(w, "fmt", "none"); EmptyStmt(w); Bytes(w, "authData", WithKey(authData, DuplicateLabelKey())); }, 3),
            ["COSE key as array"] = Map(w => { Text(w, "fmt", "none"); EmptyStmt(w); Bytes(w, "authData", WithKey(authData, Encode(x => { x.WriteStartArray(0); x.WriteEndArray(); }))); }, 3),
            ["nine x5c"] = Map(w => { Text(w, "fmt", "packed"); Stmt(w, 9, 100); Bytes(w, "authData", authData); }, 3),
            ["huge x5c certificate"] = Map(w => { Text(w, "fmt", "packed"); Stmt(w, 1, 9000); Bytes(w, "authData", authData); }, 3),
            ["x5c larger than the object limit"] = Map(w => { Text(w, "fmt", "packed"); Stmt(w, 8, 8192); Bytes(w, "authData", authData); }, 3),
        };
        foreach (var (name, bytes) in cases)
        {
            var r = await RegisterAsync(h, v, attestationObject: bytes);
            AssertTyped(r.ReasonCode, r.Succeeded, name);
        }
    }

    [Fact]
    public async Task Invalid_utf8_client_data_is_malformed_in_both_ceremonies()
    {
        var v = SpecVectors.Get("none-es256");
        var (h, _) = await SpecVectorCeremonyTests.RegisteredAsync("none-es256");
        foreach (var bad in new byte[][] { [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82] })
        {
            var clientData = v.Authentication["clientDataJSON"].ToArray();
            var inserted = clientData[..^1].Concat(Encoding.UTF8.GetBytes(",\"x\":\"")).Concat(bad).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();
            Assert.Equal(ReasonCodes.WebAuthnMalformed, (await AssertAsync(h, v, clientData: inserted)).ReasonCode);
            Assert.Equal(ReasonCodes.WebAuthnMalformed, (await RegisterAsync(h, v, clientData: inserted)).ReasonCode);
        }
    }

    [Fact]
    public async Task Random_json_mutations_give_typed_results()
    {
        var v = SpecVectors.Get("packed-es256");
        var (h, _) = await SpecVectorCeremonyTests.RegisteredAsync("packed-es256");
        var registration = SpecVectorCeremonyTests.RegistrationOf(v).ToJson();
        var assertion = SpecVectorCeremonyTests.AssertionOf(v).ToJson();
        var random = new Random(Seed);
        const string alphabet = "{}[]\":,\\ azAZ09-_=+/\u00e9\u0000";
        for (var i = 0; i < 400; i++)
        {
            var source = i % 2 == 0 ? registration : assertion;
            var chars = source.ToCharArray();
            var edits = 1 + random.Next(3);
            for (var e = 0; e < edits; e++)
            {
                chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            if (i % 2 == 0)
            {
                await SpecVectorCeremonyTests.SeedAsync(h, v.Registration["challenge"], WebAuthnCeremony.Registration, uv: false);
                var r = await h.Rp.VerifyRegistrationAsync(text);
                AssertTyped(r.ReasonCode, r.Succeeded, $"json mutation {i}", mustFail: false);
            }
            else
            {
                await SpecVectorCeremonyTests.SeedAsync(h, v.Authentication["challenge"], WebAuthnCeremony.Authentication, uv: false, v.Registration["credential_id"]);
                var r = await h.Rp.VerifyAssertionAsync(text);
                AssertTyped(r.ReasonCode, r.Succeeded, $"json mutation {i}", mustFail: false);
            }
        }
    }

    private static byte[] Flip(byte[] data, Random random)
    {
        var copy = data.ToArray();
        copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    private static byte[]? CredentialIdOf(byte[] attestationObject)
    {
        try
        {
            return AttestationObject.Parse(attestationObject).AuthenticatorData.AttestedCredentialData!.CredentialId.ToArray() is { Length: > 0 } id ? id : null;
        }
        catch (WebAuthnException)
        {
            return null;
        }
    }

    private static byte[] Encode(Action<CborWriter> write)
    {
        var w = new CborWriter(CborConformanceMode.Lax, allowMultipleRootLevelValues: false);
        write(w);
        return w.Encode();
    }

    private static byte[] Map(Action<CborWriter> write, int count) => Encode(w =>
    {
        w.WriteStartMap(count);
        write(w);
        w.WriteEndMap();
    });

    private static void Text(CborWriter w, string key, string value)
    {
        w.WriteTextString(key);
        w.WriteTextString(value);
    }

    private static void Bytes(CborWriter w, string key, byte[] value)
    {
        w.WriteTextString(key);
        w.WriteByteString(value);
    }

    private static void EmptyStmt(CborWriter w)
    {
        w.WriteTextString("attStmt");
        w.WriteStartMap(0);
        w.WriteEndMap();
    }

    private static void Stmt(CborWriter w, int certificates, int size)
    {
        w.WriteTextString("attStmt");
        w.WriteStartMap(3);
        w.WriteTextString("alg");
        w.WriteInt32(-7);
        w.WriteTextString("sig");
        w.WriteByteString(new byte[70]);
        w.WriteTextString("x5c");
        w.WriteStartArray(certificates);
        for (var i = 0; i < certificates; i++)
        {
            w.WriteByteString(new byte[size]);
        }

        w.WriteEndArray();
        w.WriteEndMap();
    }

    private static byte[] DuplicateLabelKey() => Map(w =>
    {
        w.WriteInt32(1); w.WriteInt32(2);
        w.WriteInt32(3); w.WriteInt32(-7);
        w.WriteInt32(3); w.WriteInt32(-257);
        w.WriteInt32(-1); w.WriteInt32(1);
        w.WriteInt32(-2); w.WriteByteString(new byte[32]);
        w.WriteInt32(-3); w.WriteByteString(new byte[32]);
    }, 6);

    /// <summary>Replaces the credential public key of registration authenticator data (AT set, no extensions).</summary>
    private static byte[] WithKey(byte[] authData, byte[] key)
    {
        var idLength = (authData[53] << 8) | authData[54];
        return [.. authData[..(55 + idLength)], .. key];
    }
}
