using System.Text;
using System.Text.Json;
using CarteAuth.Authentication;
using CarteAuth.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

public sealed class SessionTokenRoundTripTests
{
    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256)]
    [InlineData(SessionTokenAlgorithm.PS256)]
    [InlineData(SessionTokenAlgorithm.RS256)]
    public async Task Issued_token_validates_and_carries_the_evidence(SessionTokenAlgorithm algorithm)
    {
        var kit = new TokenTestKit(algorithm);
        var issued = await kit.IssueAsync();

        var result = await kit.ValidateAsync(issued.Token);

        Assert.True(result.IsValid, result.Message);
        Assert.Null(result.ReasonCode);
        var c = result.Claims;
        Assert.Equal("810002813839", c.Subject);
        Assert.Equal(issued.TokenId, c.TokenId);
        Assert.Equal(issued.SessionId, c.SessionId);
        Assert.Equal(issued.ExpiresAt, c.ExpiresAt);
        Assert.Equal(TokenTestKit.Start, c.IssuedAt);
        Assert.Equal(TokenTestKit.Start, c.NotBefore);
        Assert.Equal(TokenTestKit.Start.AddHours(1), c.ExpiresAt);
        Assert.Equal(TokenTestKit.Start.AddMinutes(-1), c.AuthTime);
        Assert.Equal(AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk, c.Methods);
        Assert.Equal(AssuranceLevel.High, c.Assurance);
        Assert.Equal("high", c.Acr);
        Assert.Equal(0, c.Epoch);
        Assert.Equal("smartcard", c.Authenticator);
        Assert.True(c.IsPhishingResistant);
        Assert.Equal("ISABELLE DONNAT-GADY", c.Name);
        Assert.Equal("ISABELLE", c.GivenName);
        Assert.Equal("DONNAT-GADY", c.FamilyName);
        Assert.Equal("10", c.ProfessionCode);
        Assert.Equal(kit.Key.Kid, c.KeyId);
        Assert.Equal(kit.Key.Kid, issued.KeyId);
    }

    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256, "ES256")]
    [InlineData(SessionTokenAlgorithm.PS256, "PS256")]
    [InlineData(SessionTokenAlgorithm.RS256, "RS256")]
    public async Task Header_has_alg_kid_and_typ(SessionTokenAlgorithm algorithm, string alg)
    {
        var kit = new TokenTestKit(algorithm);
        var issued = await kit.IssueAsync();

        using var header = JsonDocument.Parse(Decode(issued.Token.Split('.')[0]));
        Assert.Equal(alg, header.RootElement.GetProperty("alg").GetString());
        Assert.Equal(kit.Key.Kid, header.RootElement.GetProperty("kid").GetString());
        Assert.Equal("JWT", header.RootElement.GetProperty("typ").GetString());
    }

    [Fact]
    public async Task Payload_has_the_documented_claims_with_json_types()
    {
        var kit = new TokenTestKit();
        var issued = await kit.IssueAsync("session-42");

        using var payload = JsonDocument.Parse(Decode(issued.Token.Split('.')[1]));
        var p = payload.RootElement;
        Assert.Equal(TokenTestKit.Issuer, p.GetProperty("iss").GetString());
        Assert.Equal(TokenTestKit.Audience, p.GetProperty("aud").GetString());
        Assert.Equal("810002813839", p.GetProperty("sub").GetString());
        Assert.Equal(TokenTestKit.Start.ToUnixTimeSeconds(), p.GetProperty("iat").GetInt64());
        Assert.Equal(TokenTestKit.Start.ToUnixTimeSeconds(), p.GetProperty("nbf").GetInt64());
        Assert.Equal(TokenTestKit.Start.ToUnixTimeSeconds() + 3600, p.GetProperty("exp").GetInt64());
        Assert.Equal(22, p.GetProperty("jti").GetString()!.Length); // 16 bytes in base64url
        Assert.Equal("session-42", p.GetProperty("sid").GetString());
        Assert.Equal(JsonValueKind.Number, p.GetProperty("auth_time").ValueKind);
        Assert.Equal(new[] { "sc", "hwk", "pin" }, p.GetProperty("amr").EnumerateArray().Select(static e => e.GetString()!).ToArray());
        Assert.Equal("high", p.GetProperty("acr").GetString());
        Assert.Equal("high", p.GetProperty("loa").GetString());
        Assert.Equal(0, p.GetProperty("rev").GetInt64());
        Assert.Equal("smartcard", p.GetProperty("authn").GetString());
        Assert.Equal(JsonValueKind.True, p.GetProperty("phr").ValueKind);
        Assert.Equal("10", p.GetProperty("profession").GetString());
    }

    [Fact]
    public async Task Evidence_acr_is_kept_and_loa_is_the_level()
    {
        var kit = new TokenTestKit();
        var evidence = new AuthenticationEvidence(
            TokenTestKit.CardEvidence(TokenTestKit.Start).Identity,
            AuthenticationMethods.Swk | AuthenticationMethods.Mfa,
            AssuranceLevel.Substantial,
            TokenTestKit.Start,
            "psc")
        { Acr = Acr.ProSanteConnect };

        var issued = await kit.TokenIssuer.IssueAsync(evidence);
        var result = await kit.ValidateAsync(issued.Token);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal("eidas1", result.Claims.Acr);
        Assert.Equal(AssuranceLevel.Substantial, result.Claims.Assurance);
        Assert.False(result.Claims.IsPhishingResistant);
        Assert.Equal("psc", result.Claims.Authenticator);
    }

    [Fact]
    public async Task Each_token_gets_a_new_jti_and_a_new_session_unless_given()
    {
        var kit = new TokenTestKit();
        var a = await kit.IssueAsync();
        var b = await kit.IssueAsync();
        var c = await kit.IssueAsync(a.SessionId);

        Assert.NotEqual(a.TokenId, b.TokenId);
        Assert.NotEqual(a.SessionId, b.SessionId);
        Assert.Equal(a.SessionId, c.SessionId);
    }

    [Fact]
    public async Task Validation_only_active_key_cannot_issue()
    {
        var kit = new TokenTestKit();
        using var publicOnly = SessionSigningKey.FromPem(kit.Key.ExportPublicKeyPem(), SessionTokenAlgorithm.ES256);
        kit.Provider.Current = SigningKeyRing.Create(publicOnly);

        var ex = await Assert.ThrowsAsync<CarteAuthException>(async () => await kit.IssueAsync());
        Assert.Equal(ReasonCodes.InvalidKey, ex.ReasonCode);
        Assert.Contains("private", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issuer_refuses_to_sign_with_an_algorithm_validators_do_not_allow()
    {
        var kit = new TokenTestKit(SessionTokenAlgorithm.RS256, o => o.AllowedAlgorithms = [SessionTokenAlgorithm.ES256]);

        var ex = await Assert.ThrowsAsync<CarteAuthException>(async () => await kit.IssueAsync());
        Assert.Equal(ReasonCodes.TokenInvalidOptions, ex.ReasonCode);
        Assert.Contains("RS256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validator_reads_a_token_built_by_hand_with_array_audience_and_decimal_dates()
    {
        var kit = new TokenTestKit();
        var claims = kit.ValidClaims();
        claims["aud"] = "[\"other\",\"carteauth\"]";
        claims["exp"] += ".5";
        claims["acr"] = "\"http://eidas.europa.eu/LoA/substantial\"";
        claims.Remove("loa");
        claims["extra"] = "{\"nested\":[1,2,{\"x\":null}]}";

        var result = await kit.ValidateAsync(kit.Sign(claims));

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(AssuranceLevel.Substantial, result.Claims.Assurance);
        Assert.Equal(500, result.Claims.ExpiresAt.Millisecond);
        Assert.Null(result.Claims.AuthTime);
    }

    [Fact]
    public async Task Escaped_json_strings_are_unescaped()
    {
        var kit = new TokenTestKit();
        var claims = kit.ValidClaims();
        claims["iss"] = "\"https:\\/\\/sso.chu-exemple.fr\"";
        claims["\\u0073ub"] = claims["sub"];
        claims.Remove("sub");
        claims["family_name"] = "\"L\\u00e9a\"";

        var header = "{\"alg\":\"ES256\",\"k\\u0069d\":\"" + kit.Key.Kid + "\"}";
        var result = await kit.ValidateAsync(TokenTestKit.Sign(kit.Key, header, TokenTestKit.Json(claims)));

        Assert.True(result.IsValid, result.Message);
        Assert.Equal("810002813839", result.Claims.Subject);
        Assert.Equal("Léa", result.Claims.FamilyName);
    }

    private static string Decode(string part) => Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(part));
}
