using System.Text;
using CarteAuth.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

public sealed class BadTokenTests
{
    private readonly TokenTestKit _kit = new();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task Missing_token_is_malformed(string? token) =>
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenMalformed, "No token");

    [Theory]
    [InlineData("abc", "1 part")]
    [InlineData("abc.def", "2 part")]
    [InlineData("a.b.c.d.e", "5 part")]
    [InlineData("..", "header")]
    [InlineData("...", "4 part")]
    [InlineData(".", "2 part")]
    public async Task Wrong_number_of_parts_is_malformed(string token, string expected) =>
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenMalformed, expected);

    [Theory]
    [InlineData("Bearer abc.def.ghi", "U+0020")]
    [InlineData("\"abc.def.ghi\"", "'\"'")]
    [InlineData("abc=.def.ghi", "'='")]
    [InlineData("ab+c.def.ghi", "'+'")]
    [InlineData("abc.de\nf.ghi", "U+000A")]
    public async Task Characters_outside_base64url_are_malformed(string token, string expected) =>
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenMalformed, expected, "position");

    [Theory]
    [InlineData("a.eyJ9.AA", "header")]       // 4n+1 characters
    [InlineData("eyJ.eyJ9.AA", "header")]     // non-canonical trailing bits
    [InlineData("e30.a.AA", "payload")]
    public async Task Invalid_base64url_is_malformed(string token, string part) =>
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenMalformed, part, "base64url");

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("\"ES256\"", "not a JSON object")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"k\"}{}", "not valid JSON")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"k\"", "not valid JSON")]
    [InlineData("{\"kid\":\"k\"}", "no alg")]
    [InlineData("{\"alg\":256,\"kid\":\"k\"}", "Number")]
    [InlineData("{\"alg\":\"ES256\",\"alg\":\"ES256\",\"kid\":\"k\"}", "'alg' twice")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":7}", "kid is a JSON Number")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"at+jwt\"}", "at+jwt")]
    [InlineData("{\"alg\":\"ES256\",\"kid\":\"k\",\"crit\":[\"exp\"],\"exp\":1}", "crit")]
    public async Task Bad_header_is_malformed(string header, string expected)
    {
        var token = TokenTestKit.B64(header) + "." + TokenTestKit.B64("{}") + ".AAAA";
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenMalformed, expected);
    }

    [Fact]
    public async Task Header_with_invalid_utf8_is_malformed()
    {
        var header = System.Buffers.Text.Base64Url.EncodeToString([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        ResultAssert.Refused(await _kit.ValidateAsync(header + ".e30.AAAA"), ReasonCodes.TokenMalformed, "header");
    }

    [Fact]
    public async Task None_algorithm_is_refused()
    {
        var claims = TokenTestKit.Json(_kit.ValidClaims());
        var token = TokenTestKit.B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + TokenTestKit.B64(claims) + ".";
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenAlgorithmNotAllowed, "none", "ES256, PS256, RS256");
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("es256")]
    [InlineData("ES384")]
    public async Task Unknown_algorithm_is_refused(string alg)
    {
        var token = TokenTestKit.Sign(_kit.Key, $"{{\"alg\":\"{alg}\",\"kid\":\"{_kit.Key.Kid}\"}}", TokenTestKit.Json(_kit.ValidClaims()));
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenAlgorithmNotAllowed, alg);
    }

    [Fact]
    public async Task Algorithm_outside_the_allowed_set_is_refused()
    {
        var kit = new TokenTestKit(SessionTokenAlgorithm.ES256, o => o.AllowedAlgorithms = [SessionTokenAlgorithm.PS256]);
        var token = kit.Sign(kit.ValidClaims());
        ResultAssert.Refused(await kit.ValidateAsync(token), ReasonCodes.TokenAlgorithmNotAllowed, "ES256", "accepts PS256");
    }

    [Fact]
    public async Task Header_alg_that_does_not_match_the_key_is_refused()
    {
        // Algorithm confusion: an RS256 header naming a PS256 key, signed with that key.
        var ps = TokenTestKit.SharedKey(SessionTokenAlgorithm.PS256);
        var kit = new TokenTestKit(SessionTokenAlgorithm.PS256);
        var token = TokenTestKit.Sign(ps, $"{{\"alg\":\"RS256\",\"kid\":\"{ps.Kid}\"}}", TokenTestKit.Json(kit.ValidClaims()));
        ResultAssert.Refused(await kit.ValidateAsync(token), ReasonCodes.TokenAlgorithmNotAllowed, "RS256", "PS256", ps.Kid);
    }

    [Fact]
    public async Task Missing_kid_is_an_unknown_key()
    {
        var token = TokenTestKit.Sign(_kit.Key, "{\"alg\":\"ES256\"}", TokenTestKit.Json(_kit.ValidClaims()));
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenUnknownKey, "no kid");
    }

    [Fact]
    public async Task Wrong_kid_is_an_unknown_key_and_names_it()
    {
        var token = TokenTestKit.Sign(_kit.Key, "{\"alg\":\"ES256\",\"kid\":\"someone-else\"}", TokenTestKit.Json(_kit.ValidClaims()));
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenUnknownKey, "someone-else", _kit.Key.Kid);
    }

    [Fact]
    public async Task Very_long_kid_is_an_unknown_key()
    {
        var kid = new string('k', 600);
        var token = TokenTestKit.Sign(_kit.Key, $"{{\"alg\":\"ES256\",\"kid\":\"{kid}\"}}", TokenTestKit.Json(_kit.ValidClaims()));
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenUnknownKey, "600");
    }

    [Fact]
    public async Task Token_signed_by_a_foreign_key_with_our_kid_has_a_bad_signature()
    {
        using var foreign = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, _kit.Key.Kid);
        var token = TokenTestKit.Sign(foreign, TokenTestKit.HeaderFor(_kit.Key), TokenTestKit.Json(_kit.ValidClaims()));
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenBadSignature, _kit.Key.Kid, "does not verify");
    }

    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256)]
    [InlineData(SessionTokenAlgorithm.PS256)]
    [InlineData(SessionTokenAlgorithm.RS256)]
    public async Task Tampered_payload_has_a_bad_signature(SessionTokenAlgorithm algorithm)
    {
        var kit = new TokenTestKit(algorithm);
        var parts = (await kit.IssueAsync()).Token.Split('.');
        var payload = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]))
            .Replace("\"loa\":\"high\"", "\"loa\":\"low\"", StringComparison.Ordinal)
            .Replace("810002813839", "810000000001", StringComparison.Ordinal);
        var token = $"{parts[0]}.{TokenTestKit.B64(payload)}.{parts[2]}";

        ResultAssert.Refused(await kit.ValidateAsync(token), ReasonCodes.TokenBadSignature, "does not verify");
    }

    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256)]
    [InlineData(SessionTokenAlgorithm.PS256)]
    [InlineData(SessionTokenAlgorithm.RS256)]
    public async Task Tampered_signature_is_refused(SessionTokenAlgorithm algorithm)
    {
        var kit = new TokenTestKit(algorithm);
        var token = (await kit.IssueAsync()).Token;
        var chars = token.ToCharArray();
        var i = token.LastIndexOf('.') + 10;
        chars[i] = chars[i] == 'A' ? 'B' : 'A';

        ResultAssert.Refused(await kit.ValidateAsync(new string(chars)), ReasonCodes.TokenBadSignature, "does not verify");
    }

    [Fact]
    public async Task Truncated_or_missing_signature_is_refused()
    {
        var token = (await _kit.IssueAsync()).Token;
        ResultAssert.Refused(await _kit.ValidateAsync(token[..(token.LastIndexOf('.') + 1)]), ReasonCodes.TokenBadSignature, "no signature");
        ResultAssert.Refused(await _kit.ValidateAsync(token[..^4]), ReasonCodes.TokenBadSignature, "82 characters", "86");
    }

    [Fact]
    public async Task Signature_with_non_canonical_trailing_bits_is_malformed()
    {
        // 64 bytes = 86 characters whose last one has 4 unused bits, which must be zero (RFC 4648 §3.5).
        var token = (await _kit.IssueAsync()).Token;
        var altered = token[..^1] + "B";
        ResultAssert.Refused(await _kit.ValidateAsync(altered), ReasonCodes.TokenMalformed, "signature", "base64url");
    }

    [Fact]
    public async Task Der_encoded_ecdsa_signature_is_refused()
    {
        // RFC 7518 §3.4: ES256 signatures are R || S, not the DER form some libraries produce.
        var input = TokenTestKit.B64(TokenTestKit.HeaderFor(_kit.Key)) + "." + TokenTestKit.B64(TokenTestKit.Json(_kit.ValidClaims()));
        var der = _kit.Key.Ecdsa!.SignData(Encoding.ASCII.GetBytes(input), System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence);
        var token = input + "." + System.Buffers.Text.Base64Url.EncodeToString(der);
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenBadSignature, "64 bytes");
    }

    [Fact]
    public async Task Remembered_header_does_not_bypass_any_check()
    {
        // The validator remembers the last good header; the same header with another payload or signature is still checked.
        var good = (await _kit.IssueAsync()).Token;
        Assert.True((await _kit.ValidateAsync(good)).IsValid);
        var parts = good.Split('.');

        var claims = _kit.ValidClaims();
        claims["sub"] = "\"899700075122\"";
        ResultAssert.Refused(await _kit.ValidateAsync($"{parts[0]}.{TokenTestKit.B64(TokenTestKit.Json(claims))}.{parts[2]}"), ReasonCodes.TokenBadSignature);
        ResultAssert.Refused(await _kit.ValidateAsync(TokenTestKit.Sign(_kit.Key, "{\"alg\":\"none\"}", TokenTestKit.Json(claims))), ReasonCodes.TokenAlgorithmNotAllowed);

        // Retiring the key (a new ring) forgets the header.
        using var next = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256);
        _kit.Provider.Current = _kit.Ring.Rotate(next).Without(_kit.Key.Kid);
        ResultAssert.Refused(await _kit.ValidateAsync(good), ReasonCodes.TokenUnknownKey);
    }

    [Fact]
    public async Task Header_of_100_KB_is_too_large()
    {
        var header = "{\"alg\":\"ES256\",\"kid\":\"k\",\"x\":\"" + new string('a', 100 * 1024) + "\"}";
        var token = TokenTestKit.B64(header) + "." + TokenTestKit.B64("{}") + ".AAAA";
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenTooLarge, token.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "8192");

        // Even when the token limit is raised, the header has its own.
        var kit = new TokenTestKit(SessionTokenAlgorithm.ES256, o => o.MaxTokenLength = 1 << 20);
        ResultAssert.Refused(await kit.ValidateAsync(token), ReasonCodes.TokenTooLarge, "header", "1024");
    }

    [Fact]
    public async Task Token_over_the_limit_is_too_large()
    {
        var claims = _kit.ValidClaims();
        claims["padding"] = "\"" + new string('p', 9000) + "\"";
        ResultAssert.Refused(await _kit.ValidateAsync(_kit.Sign(claims)), ReasonCodes.TokenTooLarge, "MaxTokenLength");
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("iat")]
    [InlineData("iss")]
    [InlineData("aud")]
    [InlineData("sub")]
    [InlineData("jti")]
    [InlineData("rev")]
    public async Task Missing_required_claim_is_reported_by_name(string claim)
    {
        var claims = _kit.ValidClaims();
        claims.Remove(claim);
        ResultAssert.Refused(await _kit.ValidateAsync(_kit.Sign(claims)), ReasonCodes.TokenMissingClaim, $"no {claim} claim");
    }

    [Fact]
    public async Task Null_or_empty_subject_is_missing()
    {
        var claims = _kit.ValidClaims();
        claims["sub"] = "null";
        ResultAssert.Refused(await _kit.ValidateAsync(_kit.Sign(claims)), ReasonCodes.TokenMissingClaim, "sub");
        claims["sub"] = "\"\"";
        ResultAssert.Refused(await _kit.ValidateAsync(_kit.Sign(claims)), ReasonCodes.TokenMissingClaim, "sub");
    }

    [Theory]
    [InlineData("exp", "\"1700000000\"", "exp claim is a JSON string")]
    [InlineData("exp", "1e300", "outside the dates")]
    [InlineData("nbf", "true", "nbf claim is a JSON boolean")]
    [InlineData("iat", "[1]", "iat claim is a JSON array")]
    [InlineData("auth_time", "{}", "auth_time claim is a JSON object")]
    [InlineData("sub", "810002813839", "sub claim is a JSON number")]
    [InlineData("iss", "[\"https://sso.chu-exemple.fr\"]", "iss claim is a JSON array")]
    [InlineData("aud", "42", "aud claim is a JSON number")]
    [InlineData("aud", "[\"carteauth\",42]", "aud claim is a JSON number")]
    [InlineData("amr", "\"sc\"", "amr claim is a JSON string")]
    [InlineData("amr", "[\"sc\",1]", "amr claim is a JSON number")]
    [InlineData("rev", "\"0\"", "rev claim is a JSON string")]
    [InlineData("rev", "-1", "non-negative integer")]
    [InlineData("rev", "1.5", "non-negative integer")]
    [InlineData("phr", "\"true\"", "phr claim is a JSON string")]
    [InlineData("name", "{\"a\":1}", "name claim is a JSON object")]
    [InlineData("loa", "3", "loa claim is a JSON number")]
    public async Task Claim_of_the_wrong_type_is_malformed(string claim, string json, string expected)
    {
        var claims = _kit.ValidClaims();
        claims[claim] = json;
        ResultAssert.Refused(await _kit.ValidateAsync(_kit.Sign(claims)), ReasonCodes.TokenMalformed, expected);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"sub\":\"a\"} x", "not valid JSON")]
    [InlineData("{\"sub\":\"a\",\"sub\":\"b\"}", "'sub' twice")]
    public async Task Bad_payload_json_is_malformed(string payload, string expected)
    {
        var token = TokenTestKit.Sign(_kit.Key, TokenTestKit.HeaderFor(_kit.Key), payload);
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenMalformed, expected);
    }

    [Fact]
    public async Task Deeply_nested_payload_is_malformed_not_a_crash()
    {
        var payload = "{\"x\":" + new string('[', 5000) + new string(']', 5000) + "}";
        var kit = new TokenTestKit(SessionTokenAlgorithm.ES256, o => o.MaxTokenLength = 1 << 20);
        var token = TokenTestKit.Sign(kit.Key, TokenTestKit.HeaderFor(kit.Key), payload);
        ResultAssert.Refused(await kit.ValidateAsync(token), ReasonCodes.TokenMalformed, "not valid JSON");
    }

    [Fact]
    public async Task Wrong_issuer_names_both()
    {
        var claims = _kit.ValidClaims();
        claims["iss"] = "\"https://evil.example\"";
        ResultAssert.Refused(await _kit.ValidateAsync(_kit.Sign(claims)), ReasonCodes.TokenBadIssuer, "https://evil.example", TokenTestKit.Issuer);
    }

    [Theory]
    [InlineData("\"other\"", "\"other\"")]
    [InlineData("[\"a\",\"b\"]", "[\"a\",\"b\"]")]
    [InlineData("[]", "[]")]
    [InlineData("\"CARTEAUTH\"", "CARTEAUTH")]
    public async Task Wrong_audience_names_both(string aud, string expected)
    {
        var claims = _kit.ValidClaims();
        claims["aud"] = aud;
        ResultAssert.Refused(await _kit.ValidateAsync(_kit.Sign(claims)), ReasonCodes.TokenBadAudience, expected, "'carteauth'");
    }
}
