using System.Security.Cryptography;
using System.Text.Json;
using CarteAuth.Tokens;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

public sealed class KeyRingTests
{
    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256)]
    [InlineData(SessionTokenAlgorithm.PS256)]
    [InlineData(SessionTokenAlgorithm.RS256)]
    public async Task Token_signed_by_the_old_key_validates_after_rotation_and_fails_after_retirement(SessionTokenAlgorithm algorithm)
    {
        var kit = new TokenTestKit(algorithm);
        var old = await kit.IssueAsync();
        using var next = SessionSigningKey.Generate(algorithm);

        kit.Provider.Current = kit.Ring.Rotate(next);
        var fresh = await kit.IssueAsync();

        Assert.Equal(next.Kid, fresh.KeyId);
        Assert.True((await kit.ValidateAsync(old.Token)).IsValid);
        Assert.True((await kit.ValidateAsync(fresh.Token)).IsValid);

        kit.Provider.Current = kit.Provider.Current.Without(kit.Key.Kid);
        ResultAssert.Refused(await kit.ValidateAsync(old.Token), ReasonCodes.TokenUnknownKey, kit.Key.Kid, next.Kid);
        Assert.True((await kit.ValidateAsync(fresh.Token)).IsValid);
    }

    [Fact]
    public void Ring_keeps_active_first_and_finds_keys_by_kid()
    {
        using var a = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "a");
        using var b = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "b");
        using var c = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "c");

        var ring = SigningKeyRing.Create(a, b).Rotate(c);

        Assert.Same(c, ring.Active);
        Assert.False(ring.Keys is SessionSigningKey[], "the ring is immutable: Keys must not expose its array");
        Assert.Equal(["c", "a", "b"], ring.Keys.Select(static k => k.Kid));
        Assert.True(ring.TryGetKey("b", out var found));
        Assert.Same(b, found);
        Assert.False(ring.TryGetKey("zz", out _));
        Assert.Same(ring, ring.Without("zz"));
        Assert.Equal(["c", "b"], ring.Without("a").Keys.Select(static k => k.Kid));
        Assert.Equal(["a", "c", "b"], ring.Rotate(a).Keys.Select(static k => k.Kid)); // re-activating an old key
    }

    [Fact]
    public void Active_key_cannot_be_retired_and_kids_must_be_unique()
    {
        using var a = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "a");
        using var a2 = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "a");
        var ring = SigningKeyRing.Create(a);

        var retire = Assert.Throws<CarteAuthException>(() => ring.Without("a"));
        Assert.Equal(ReasonCodes.InvalidKey, retire.ReasonCode);
        Assert.Contains("Rotate", retire.Message, StringComparison.Ordinal);

        var duplicate = Assert.Throws<CarteAuthException>(() => SigningKeyRing.Create(a, a2));
        Assert.Equal(ReasonCodes.InvalidKey, duplicate.ReasonCode);
        Assert.Contains("'a'", duplicate.Message, StringComparison.Ordinal);

        var rotate = Assert.Throws<CarteAuthException>(() => ring.Rotate(a2));
        Assert.Equal(ReasonCodes.InvalidKey, rotate.ReasonCode);
    }

    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256)]
    [InlineData(SessionTokenAlgorithm.PS256)]
    [InlineData(SessionTokenAlgorithm.RS256)]
    public void Default_kid_is_the_rfc7638_thumbprint(SessionTokenAlgorithm algorithm)
    {
        var key = TokenTestKit.SharedKey(algorithm);
        var jwk = new JsonWebKeySet(SigningKeyRing.Create(key).ToJwksJson()).Keys[0];

        // Microsoft.IdentityModel computes RFC 7638 thumbprints independently.
        Assert.Equal(Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint()), key.Kid);
        Assert.Equal(43, key.Kid.Length);
    }

    [Fact]
    public void Rfc7638_example_thumbprint()
    {
        // RFC 7638 §3.1: the example RSA key's thumbprint is NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.
        const string Jwk = """
            {"kty":"RSA","alg":"RS256","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"}
            """;
        using var key = SessionSigningKey.FromJwk(Jwk);
        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", key.Kid);
        Assert.Equal(SessionTokenAlgorithm.RS256, key.Algorithm);
        Assert.False(key.HasPrivateKey);
    }

    [Fact]
    public void Jwks_lists_public_members_only()
    {
        using var es = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "es");
        using var ps = SessionSigningKey.Generate(SessionTokenAlgorithm.PS256, "ps");
        var json = SigningKeyRing.Create(es, ps).ToJwksJson();

        using var doc = JsonDocument.Parse(json);
        var keys = doc.RootElement.GetProperty("keys").EnumerateArray().ToArray();
        Assert.Equal(2, keys.Length);
        Assert.Equal("EC", keys[0].GetProperty("kty").GetString());
        Assert.Equal("es", keys[0].GetProperty("kid").GetString());
        Assert.Equal("sig", keys[0].GetProperty("use").GetString());
        Assert.Equal("ES256", keys[0].GetProperty("alg").GetString());
        Assert.Equal("P-256", keys[0].GetProperty("crv").GetString());
        Assert.True(keys[0].TryGetProperty("x", out _) && keys[0].TryGetProperty("y", out _));
        Assert.Equal("RSA", keys[1].GetProperty("kty").GetString());
        Assert.Equal("PS256", keys[1].GetProperty("alg").GetString());
        Assert.Equal("AQAB", keys[1].GetProperty("e").GetString());
        Assert.DoesNotContain("\"d\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"p\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256)]
    [InlineData(SessionTokenAlgorithm.PS256)]
    [InlineData(SessionTokenAlgorithm.RS256)]
    public async Task Ring_read_from_jwks_validates_tokens(SessionTokenAlgorithm algorithm)
    {
        var kit = new TokenTestKit(algorithm);
        var issued = await kit.IssueAsync();

        var ring = SigningKeyRing.FromJwksJson(kit.Ring.ToJwksJson());
        Assert.False(ring.Active.HasPrivateKey);
        Assert.Equal(kit.Key.Kid, ring.Active.Kid);
        Assert.Equal(algorithm, ring.Active.Algorithm);
        kit.Provider.Current = ring;

        Assert.True((await kit.ValidateAsync(issued.Token)).IsValid);
    }

    [Fact]
    public void Jwks_skips_keys_not_for_session_tokens()
    {
        var es = TokenTestKit.SharedKey(SessionTokenAlgorithm.ES256);
        var own = JsonDocument.Parse(SigningKeyRing.Create(es).ToJwksJson()).RootElement.GetProperty("keys")[0].GetRawText();
        var json = $$"""{"keys":[{"kty":"oct","k":"c2VjcmV0"},{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"},{"kty":"EC","alg":"ES384","crv":"P-384","x":"AA","y":"AA"},{{own}}]}""";

        var ring = SigningKeyRing.FromJwksJson(json);

        Assert.Single(ring.Keys);
        Assert.Equal(es.Kid, ring.Active.Kid);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "Array")]
    [InlineData("{}", "no \"keys\" array")]
    [InlineData("{\"keys\":{}}", "no \"keys\" array")]
    [InlineData("{\"keys\":[]}", "empty")]
    [InlineData("{\"keys\":[42]}", "#0")]
    [InlineData("{\"keys\":[{\"kid\":\"k\"}]}", "'kty'")]
    [InlineData("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"k1\",\"crv\":\"P-256\",\"x\":\"AA\"}]}", "'k1'")]
    [InlineData("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}", "32 bytes")]
    [InlineData("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"A+A=\",\"y\":\"AA\"}]}", "base64url")]
    [InlineData("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}]}", "P-384")]
    [InlineData("{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}", "2048")]
    [InlineData("{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"n\":42,\"e\":\"AQAB\"}]}", "'n'")]
    [InlineData("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AA\"}]}", "no key usable")]
    public void Malformed_jwks_says_what_is_wrong(string json, string expected)
    {
        var ex = Assert.Throws<CarteAuthException>(() => SigningKeyRing.FromJwksJson(json));
        Assert.Equal(ReasonCodes.InvalidKey, ex.ReasonCode);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jwks_with_duplicate_kids_is_refused()
    {
        var es = TokenTestKit.SharedKey(SessionTokenAlgorithm.ES256);
        var own = JsonDocument.Parse(SigningKeyRing.Create(es).ToJwksJson()).RootElement.GetProperty("keys")[0].GetRawText();

        var ex = Assert.Throws<CarteAuthException>(() => SigningKeyRing.FromJwksJson($$"""{"keys":[{{own}},{{own}}]}"""));
        Assert.Equal(ReasonCodes.InvalidKey, ex.ReasonCode);
        Assert.Contains(es.Kid, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ec_point_not_on_the_curve_is_refused()
    {
        var x = Base64UrlEncoder.Encode(new byte[32]);
        var ex = Assert.Throws<CarteAuthException>(() =>
            SessionSigningKey.FromJwk($$"""{"kty":"EC","crv":"P-256","x":"{{x}}","y":"{{x}}"}"""));
        Assert.Equal(ReasonCodes.InvalidKey, ex.ReasonCode);
    }

    [Fact]
    public void Rsa_jwk_needs_an_algorithm_and_it_must_agree()
    {
        var rs = TokenTestKit.SharedKey(SessionTokenAlgorithm.RS256);
        var noAlg = $$"""{"kty":"RSA","n":"{{rs.JwkN}}","e":"{{rs.JwkE}}"}""";

        var missing = Assert.Throws<CarteAuthException>(() => SessionSigningKey.FromJwk(noAlg));
        Assert.Contains("PS256 or RS256", missing.Message, StringComparison.Ordinal);

        using var ps = SessionSigningKey.FromJwk(noAlg, SessionTokenAlgorithm.PS256);
        Assert.Equal(SessionTokenAlgorithm.PS256, ps.Algorithm);

        var conflict = Assert.Throws<CarteAuthException>(() =>
            SessionSigningKey.FromJwk($$"""{"kty":"RSA","alg":"RS256","n":"{{rs.JwkN}}","e":"{{rs.JwkE}}"}""", SessionTokenAlgorithm.PS256));
        Assert.Contains("RS256", conflict.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256)]
    [InlineData(SessionTokenAlgorithm.PS256)]
    [InlineData(SessionTokenAlgorithm.RS256)]
    public async Task Private_pem_round_trips_and_keeps_the_kid(SessionTokenAlgorithm algorithm)
    {
        var kit = new TokenTestKit(algorithm);
        var pem = kit.Key.ExportPrivateKeyPem();
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);

        using var loaded = SessionSigningKey.FromPem(pem, algorithm);
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(kit.Key.Kid, loaded.Kid);

        kit.Provider.Current = SigningKeyRing.Create(loaded);
        var issued = await kit.IssueAsync();
        kit.Provider.Current = kit.Ring;
        Assert.True((await kit.ValidateAsync(issued.Token)).IsValid);
    }

    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256)]
    [InlineData(SessionTokenAlgorithm.RS256)]
    public async Task Reloading_the_same_key_and_disposing_the_old_instance_keeps_issuing(SessionTokenAlgorithm algorithm)
    {
        // Hot reload: the same PEM loaded again, the old instance disposed. Nothing may keep using the disposed one
        // (IdentityModel's shared provider cache is keyed by thumbprint, the same for both instances).
        using var original = SessionSigningKey.Generate(algorithm);
        var pem = original.ExportPrivateKeyPem();
        var kit = new TokenTestKit(algorithm);
        var first = SessionSigningKey.FromPem(pem, algorithm);
        kit.Provider.Current = SigningKeyRing.Create(first);
        await kit.IssueAsync();
        first.Dispose();

        using var second = SessionSigningKey.FromPem(pem, algorithm);
        kit.Provider.Current = SigningKeyRing.Create(second);
        var issued = await kit.IssueAsync();
        Assert.True((await kit.ValidateAsync(issued.Token)).IsValid);
    }

    [Fact]
    public void Sec1_pkcs1_and_public_pems_load()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);

        using var sec1 = SessionSigningKey.FromPem(ec.ExportECPrivateKeyPem(), SessionTokenAlgorithm.ES256, "sec1");
        using var pkcs1 = SessionSigningKey.FromPem(rsa.ExportRSAPrivateKeyPem(), SessionTokenAlgorithm.RS256);
        using var spki = SessionSigningKey.FromPem(rsa.ExportSubjectPublicKeyInfoPem(), SessionTokenAlgorithm.PS256);
        using var rsaPublic = SessionSigningKey.FromPem(rsa.ExportRSAPublicKeyPem(), SessionTokenAlgorithm.PS256);
        var withCertificateFirst = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" + ec.ExportPkcs8PrivateKeyPem();
        using var mixed = SessionSigningKey.FromPem(withCertificateFirst, SessionTokenAlgorithm.ES256);

        Assert.Equal("sec1", sec1.Kid);
        Assert.True(sec1.HasPrivateKey);
        Assert.True(pkcs1.HasPrivateKey);
        Assert.False(spki.HasPrivateKey);
        Assert.False(rsaPublic.HasPrivateKey);
        Assert.Equal(spki.Kid, rsaPublic.Kid);
        Assert.Equal(sec1.ComputeThumbprint(), mixed.Kid);

        var ex = Assert.Throws<CarteAuthException>(() => spki.ExportPrivateKeyPem());
        Assert.Equal(ReasonCodes.InvalidKey, ex.ReasonCode);
    }

    public static TheoryData<string, string, SessionTokenAlgorithm, string> BadPems()
    {
        using var rsa = RSA.Create(2048);
        using var small = RSA.Create(1024);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        return new()
        {
            { "empty", "", SessionTokenAlgorithm.ES256, "empty" },
            { "no block", "hello", SessionTokenAlgorithm.ES256, "No PEM block" },
            { "certificate only", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", SessionTokenAlgorithm.ES256, "CERTIFICATE" },
            { "corrupt", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", SessionTokenAlgorithm.ES256, "not a readable key" },
            { "rsa for es256", rsa.ExportPkcs8PrivateKeyPem(), SessionTokenAlgorithm.ES256, "RSA key" },
            { "pkcs1 rsa for es256", rsa.ExportRSAPrivateKeyPem(), SessionTokenAlgorithm.ES256, "RSA key" },
            { "ec for ps256", ec.ExportPkcs8PrivateKeyPem(), SessionTokenAlgorithm.PS256, "EC key" },
            { "sec1 ec for rs256", ec.ExportECPrivateKeyPem(), SessionTokenAlgorithm.RS256, "EC key" },
            { "public ec for rs256", ec.ExportSubjectPublicKeyInfoPem(), SessionTokenAlgorithm.RS256, "EC key" },
            { "rsa 1024", small.ExportPkcs8PrivateKeyPem(), SessionTokenAlgorithm.RS256, "1024-bit" },
            { "p-384", p384.ExportPkcs8PrivateKeyPem(), SessionTokenAlgorithm.ES256, "P-256" },
            { "encrypted", ec.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)), SessionTokenAlgorithm.ES256, "encrypted" },
            { "two keys", ec.ExportPkcs8PrivateKeyPem() + "\n" + ec.ExportPkcs8PrivateKeyPem(), SessionTokenAlgorithm.ES256, "more than one key" },
        };
    }

    [Theory]
    [MemberData(nameof(BadPems))]
    public void Invalid_pem_gives_an_actionable_invalid_key_error(string name, string pem, SessionTokenAlgorithm algorithm, string expected)
    {
        var ex = Assert.Throws<CarteAuthException>(() => SessionSigningKey.FromPem(pem, algorithm));
        Assert.Equal(ReasonCodes.InvalidKey, ex.ReasonCode);
        Assert.True(ex.Message.Contains(expected, StringComparison.Ordinal), $"{name}: {ex.Message}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\nb")]
    public void Unusable_kid_is_refused(string kid)
    {
        var ex = Assert.Throws<CarteAuthException>(() => SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, kid));
        Assert.Equal(ReasonCodes.InvalidKey, ex.ReasonCode);
    }

    [Fact]
    public void Static_provider_returns_its_ring()
    {
        var ring = SigningKeyRing.Create(TokenTestKit.SharedKey(SessionTokenAlgorithm.ES256));
        Assert.Same(ring, new StaticSigningKeyProvider(ring).Current);
    }
}
