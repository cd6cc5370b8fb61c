using System.Text;
using CarteAuth.Authentication;

namespace CarteAuth.Core.Tests.Tokens;

/// <summary>How the validator reads the claims JSON: escapes everywhere, whitespace, and strings that do not decode.</summary>
public sealed class ClaimsReadingTests
{
    private readonly TokenTestKit _kit = new();

    [Fact]
    public async Task Escapes_are_decoded_in_every_claim_the_validator_reads()
    {
        var claims = _kit.ValidClaims();
        claims["\\u0069ss"] = "\"\\u0068ttps:\\/\\/sso.chu-exemple.fr\"";
        claims.Remove("iss");
        claims["aud"] = "[\"other\",\"c\\u0061rteauth\"]";
        claims["sub"] = "\"81000281\\u0033\\u0038\\u0033\\u0039\"";
        claims["amr"] = "[\"\\u0073c\",\"p\\u0069n\",\"\\u0068\\u0077\\u006b\",\"\\u0072\\u0065\\u0074\\u0069\\u006e\\u0061\\u0021\\u0021\\u0021\\u0021\\u0021\\u0021\\u0021\\u0021\\u0021\\u0021\\u0021\"]";
        claims["loa"] = "\"subst\\u0061ntial\"";
        claims["acr"] = "\"eid\\u0061s1\"";
        claims["jti"] = "\"j\\u0074i-\\ud83d\\ude00\"";
        claims["name"] = "\"Zo\\u00eb \\\"Z\\\" L\\u00E9a\"";
        claims["given_name"] = "\"Zoë\"";
        claims["\\u0070\\u0068r"] = "true";

        var result = await _kit.ValidateAsync(_kit.Sign(claims));

        Assert.True(result.IsValid, result.Message);
        Assert.Equal("810002813839", result.Claims.Subject);
        Assert.Equal(AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk, result.Claims.Methods);
        Assert.Equal(AssuranceLevel.Substantial, result.Claims.Assurance);
        Assert.Equal(Acr.ProSanteConnect, result.Claims.Acr);
        Assert.Equal("jti-😀", result.Claims.TokenId);
        Assert.Equal("Zoë \"Z\" Léa", result.Claims.Name);
        Assert.Equal("Zoë", result.Claims.GivenName);
        Assert.True(result.Claims.IsPhishingResistant);
    }

    [Fact]
    public async Task Every_registered_amr_value_is_recognised_and_others_are_ignored()
    {
        var claims = _kit.ValidClaims();
        claims["amr"] = "[" + string.Join(",", Amr.RegisteredValues.Select(static v => $"\"{v}\"")) + ",\"\",\"s\",\"SC\",\"scc\",\"retinas\",\"retina-scan\",\"x\"]";
        var result = await _kit.ValidateAsync(_kit.Sign(claims));
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Amr.Parse(Amr.RegisteredValues), result.Claims.Methods);

        foreach (var value in Amr.RegisteredValues)
        {
            claims["amr"] = $"[\"{value}\"]";
            result = await _kit.ValidateAsync(_kit.Sign(claims));
            Assert.True(result.IsValid, result.Message);
            Assert.Equal(Amr.Parse([value]), result.Claims.Methods);
        }
    }

    [Fact]
    public async Task Escaped_claim_names_count_as_duplicates()
    {
        var payload = TokenTestKit.Json(_kit.ValidClaims())[..^1] + ",\"\\u0073\\u0075\\u0062\":\"899700075122\"}";
        ResultAssert.Refused(await _kit.ValidateAsync(TokenTestKit.Sign(_kit.Key, TokenTestKit.HeaderFor(_kit.Key), payload)), ReasonCodes.TokenMalformed, "'sub' twice");
    }

    [Fact]
    public async Task Names_one_byte_away_from_a_claim_are_other_claims()
    {
        // Every claim name with each byte changed in turn (and with its case changed): all are unknown claims, so
        // values of any type are ignored and the token stays valid with its claims unchanged.
        var claims = _kit.ValidClaims();
        string[] names = ["iss", "aud", "sub", "exp", "nbf", "iat", "jti", "sid", "auth_time", "amr", "acr", "loa", "rev", "authn", "phr", "name", "given_name", "family_name", "profession"];
        var extra = 0;
        foreach (var name in names)
        {
            for (var at = 0; at < name.Length; at++)
            {
                claims[name[..at] + (char)(name[at] ^ 1) + name[(at + 1)..]] = "{\"x\":" + extra++ + "}";
            }

            claims[name.ToUpperInvariant()] = "[1]";
            claims[name + "_"] = "2";
            claims["_" + name[..^1]] = "3";
        }

        var result = await _kit.ValidateAsync(_kit.Sign(claims));
        Assert.True(result.IsValid, result.Message);
        Assert.Null(result.Claims.Name);
        Assert.Null(result.Claims.GivenName);
        Assert.Null(result.Claims.FamilyName);
        Assert.Null(result.Claims.ProfessionCode);
        Assert.Null(result.Claims.Authenticator);
        Assert.Null(result.Claims.AuthTime);
        Assert.Null(result.Claims.Acr);
        Assert.False(result.Claims.IsPhishingResistant);
    }

    [Fact]
    public async Task Long_escaped_names_are_other_claims()
    {
        var claims = _kit.ValidClaims();
        claims[string.Concat(Enumerable.Repeat("\\u0073", 20))] = "{\"a\":[1]}";
        claims["\\u0073\\u0075\\u0062_"] = "42";
        var result = await _kit.ValidateAsync(_kit.Sign(claims));
        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public async Task Whitespace_allowed_by_rfc_8259_is_accepted()
    {
        var payload = "\r\n{\n\t\"iss\" : \"" + TokenTestKit.Issuer + "\" ,\n\t\"aud\" :\t[ \"carteauth\" ] ,\r\n" + string.Join(
            " ,\n",
            _kit.ValidClaims().Where(static c => c.Key is not ("iss" or "aud")).Select(static c => $"  \"{c.Key}\"\t:\r\n{c.Value} ")) + "\n}\n";
        var result = await _kit.ValidateAsync(TokenTestKit.Sign(_kit.Key, TokenTestKit.HeaderFor(_kit.Key), payload));
        Assert.True(result.IsValid, result.Message);
        Assert.Equal("AAAAAAAAAAAAAAAAAAAAAA", result.Claims.TokenId);
    }

    [Theory]
    [InlineData("{\"sub\":01}", "leading zero")]
    [InlineData("{\"sub\":\"a\",}", "trailing comma")]
    [InlineData("{\"sub\":\"a\"} {}", "single value")]
    [InlineData("{\"sub\":\"a\t\"}", "must be escaped")]
    [InlineData("{\"x\":[1 2]}", "',' or the end")]
    [InlineData("{\"x\":\"\\q\"}", "escapes")]
    [InlineData("{\"x\":tru}", "true, false or null")]
    [InlineData(" \r\n", "no JSON value")]
    public async Task Json_errors_say_what_and_where(string payload, string expected)
    {
        var token = TokenTestKit.Sign(_kit.Key, TokenTestKit.HeaderFor(_kit.Key), payload);
        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenMalformed, "not valid JSON", "RFC 8259", expected, "at byte");
    }

    public static TheoryData<string, byte[]> Undecodable() => new()
    {
        // Before, a signed token whose jti or informational names did not decode was accepted, and reading the claim
        // later threw (ValidateAsync itself threw with oneTimeUse, which reads jti).
        { "jti", "\"\\ud800abc\""u8.ToArray() },
        { "jti", [.. "\"ab"u8, 0xFF, .. "\""u8] },
        { "name", "\"\\udc00\""u8.ToArray() },
        { "family_name", [.. "\""u8, 0xED, 0xA0, 0x80, .. "\""u8] },
        // Before, these were "bad issuer", "bad audience" or silently ignored.
        { "iss", [.. "\"https://sso.chu-exemple.fr"u8, 0xC0, 0xAF, .. "\""u8] },
        { "aud", "[\"carteauth\",\"\\ud800\"]"u8.ToArray() },
        { "amr", [.. "[\"sc\",\""u8, 0xF5, .. "\"]"u8] },
        { "unknown", [.. "\""u8, 0x80, .. "\""u8] },
        { "sub", "\"\\udbff\\u0041\""u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(Undecodable))]
    public async Task Strings_that_do_not_decode_are_malformed_and_never_throw(string claim, byte[] value)
    {
        var claims = _kit.ValidClaims();
        claims[claim] = "VALUE";
        var json = Encoding.UTF8.GetBytes(TokenTestKit.Json(claims));
        var at = json.AsSpan().IndexOf("VALUE"u8);
        byte[] payload = [.. json.AsSpan(0, at), .. value, .. json.AsSpan(at + 5)];
        var token = TokenTestKit.Sign(_kit.Key, TokenTestKit.HeaderFor(_kit.Key), payload);

        ResultAssert.Refused(await _kit.ValidateAsync(token), ReasonCodes.TokenMalformed, "not valid JSON", "RFC");
        ResultAssert.Refused(await _kit.ValidateAsync(token, oneTimeUse: true), ReasonCodes.TokenMalformed, "not valid JSON", "RFC");
    }

    [Fact]
    public async Task Numeric_dates_too_large_for_a_double_are_outside_the_dates()
    {
        var claims = _kit.ValidClaims();
        claims["exp"] = "1e400";
        ResultAssert.Refused(await _kit.ValidateAsync(_kit.Sign(claims)), ReasonCodes.TokenMalformed, "outside the dates");
        claims["exp"] = "-1e400";
        ResultAssert.Refused(await _kit.ValidateAsync(_kit.Sign(claims)), ReasonCodes.TokenMalformed, "outside the dates");
    }

    [Fact]
    public async Task Integers_in_other_forms_are_read_as_before()
    {
        var claims = _kit.ValidClaims();
        var exp = long.Parse(claims["exp"], System.Globalization.CultureInfo.InvariantCulture);
        claims["exp"] = $"{exp / 1000}.{exp % 1000:000}e3";
        claims["rev"] = "-0";
        var result = await _kit.ValidateAsync(_kit.Sign(claims));
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(exp, result.Claims.ExpiresAt.ToUnixTimeSeconds());
        Assert.Equal(0, result.Claims.Epoch);
    }
}
