using System.Text;
using System.Text.Json;
using CarteAuth.Authentication;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Tests.TestSupport;

namespace CarteAuth.Fido2.Tests.RelyingParty;

/// <summary>The W3C JSON forms and collected client data parsing.</summary>
public sealed class JsonFormTests
{
    [Fact]
    public async Task Creation_options_have_the_browser_shape_and_round_trip()
    {
        var h = new RpHarness();
        var options = await h.Rp.CreateRegistrationOptionsAsync(h.User, AssuranceLevel.Substantial);
        var json = options.ToJson();
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("example.org", root.GetProperty("rp").GetProperty("id").GetString());
        Assert.Equal("Example", root.GetProperty("rp").GetProperty("name").GetString());
        Assert.Equal(SoftAuthenticator.Base64Url(h.User.UserHandle), root.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("899700075122", root.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("CAROLE PHARMACH0007512", root.GetProperty("user").GetProperty("displayName").GetString());
        Assert.Equal("public-key", root.GetProperty("pubKeyCredParams")[0].GetProperty("type").GetString());
        Assert.Equal(-7, root.GetProperty("pubKeyCredParams")[0].GetProperty("alg").GetInt32());
        Assert.Equal(300000, root.GetProperty("timeout").GetInt32());
        Assert.Equal("none", root.GetProperty("attestation").GetString());
        Assert.Equal("required", root.GetProperty("authenticatorSelection").GetProperty("userVerification").GetString());
        Assert.DoesNotContain("=", root.GetProperty("challenge").GetString(), StringComparison.Ordinal);
        Assert.False(root.TryGetProperty("hints", out _)); // absent, not null
        var back = PublicKeyCredentialCreationOptionsJSON.Parse(json);
        Assert.Equal(json, back.ToJson());
    }

    [Fact]
    public async Task Request_options_round_trip()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        await h.RegisterAsync(a);
        var options = await h.AssertionOptionsAsync();
        var json = options.ToJson();
        Assert.Contains("\"allowCredentials\":[{\"type\":\"public-key\",\"id\":\"", json, StringComparison.Ordinal);
        Assert.Contains("\"transports\":[\"usb\"]", json, StringComparison.Ordinal);
        Assert.Equal(json, PublicKeyCredentialRequestOptionsJSON.Parse(json).ToJson());
    }

    [Fact]
    public void Browser_registration_json_parses_and_ignores_unknown_members()
    {
        const string json = """
            {"id":"AQID","rawId":"AQID","type":"public-key","authenticatorAttachment":"cross-platform",
             "response":{"clientDataJSON":"e30","attestationObject":"oA","transports":["usb","nfc"],"publicKeyAlgorithm":-7,"future":1},
             "clientExtensionResults":{"credProps":{"rk":true}},"somethingNew":true}
            """;
        var r = RegistrationResponseJSON.Parse(json);
        Assert.Equal("AQID", r.RawId);
        Assert.Equal(["usb", "nfc"], r.Response.Transports);
        Assert.True(r.ClientExtensionResults.ContainsKey("credProps"));
    }

    [Theory]
    [InlineData("""{"rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"},"clientExtensionResults":{}}""", "id")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30"},"clientExtensionResults":{}}""", "attestationObject")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}""", "clientExtensionResults")]
    [InlineData("""{"id":"AQID","rawId":null,"type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"},"clientExtensionResults":{}}""", "rawId")]
    [InlineData("""{"id":"AQID","id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"},"clientExtensionResults":{}}""", "id")]
    [InlineData("""{"id":1,"rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"},"clientExtensionResults":{}}""", "id")]
    [InlineData("""[]""", "")]
    [InlineData("""{""", "")]
    [InlineData("""null""", "null")]
    public void Malformed_registration_json_is_refused_naming_the_member(string json, string member)
    {
        var ex = Assert.Throws<WebAuthnException>(() => RegistrationResponseJSON.Parse(json));
        Assert.Equal(ReasonCodes.WebAuthnMalformed, ex.ReasonCode);
        Assert.Contains(member, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Browser_assertion_json_parses_ignores_unknown_members_and_round_trips()
    {
        const string json = """
            {"id":"AQID","rawId":"AQID","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ","userHandle":"Ag","future":[1,{"a":2}]},
             "authenticatorAttachment":"platform","clientExtensionResults":{"appid":false,"x":{"y":[1]}},"type":"public-key","somethingNew":{"z":null}}
            """;
        var r = AuthenticationResponseJSON.Parse(json);
        Assert.Equal("AQID", r.Id);
        Assert.Equal("Ag", r.Response.UserHandle);
        Assert.Equal("platform", r.AuthenticatorAttachment);
        Assert.False(r.ClientExtensionResults["appid"].GetBoolean());
        Assert.Equal(1, r.ClientExtensionResults["x"].GetProperty("y")[0].GetInt32());
        Assert.Equal(
            """{"id":"AQID","rawId":"AQID","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ","userHandle":"Ag"},"authenticatorAttachment":"platform","clientExtensionResults":{"appid":false,"x":{"y":[1]}},"type":"public-key"}""",
            r.ToJson());
        var minimal = AuthenticationResponseJSON.Parse("""{"id":"AQID","rawId":"AQID","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ","userHandle":null},"authenticatorAttachment":null,"clientExtensionResults":{},"type":"public-key"}""");
        Assert.Null(minimal.Response.UserHandle);
        Assert.Null(minimal.AuthenticatorAttachment);
        Assert.Empty(minimal.ClientExtensionResults);
        Assert.Equal("""{"id":"AQID","rawId":"AQID","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":{},"type":"public-key"}""", minimal.ToJson());
    }

    [Theory]
    [InlineData("""{"rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":{}}""", "'id'")]
    [InlineData("""{"id":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":{}}""", "'rawId'")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","clientExtensionResults":{}}""", "'response'")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"}}""", "'clientExtensionResults'")]
    [InlineData("""{"id":"AQID","rawId":"AQID","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":{}}""", "'type'")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":{}}""", "response.clientDataJSON")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","signature":"AQ"},"clientExtensionResults":{}}""", "response.authenticatorData")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA"},"clientExtensionResults":{}}""", "response.signature")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":null},"clientExtensionResults":{}}""", "response.signature")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ","userHandle":7},"clientExtensionResults":{}}""", "response.userHandle")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":{}}""", "clientDataJSON")]
    [InlineData("""{"id":"AQID","id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":{}}""", "'id'")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":{"a":1,"a":2}}""", "clientExtensionResults.a")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":"x","clientExtensionResults":{}}""", "'response'")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":[]}""", "'clientExtensionResults'")]
    [InlineData("""{"id":["AQID"],"rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":{}}""", "'id'")]
    [InlineData("""[]""", "object")]
    [InlineData("""{"id":"AQID",""", "")]
    [InlineData("""{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ"},"clientExtensionResults":{}} {}""", "")]
    [InlineData("""null""", "null")]
    public void Malformed_assertion_json_is_refused_naming_the_member(string json, string member)
    {
        var ex = Assert.Throws<WebAuthnException>(() => AuthenticationResponseJSON.Parse(json));
        Assert.Equal(ReasonCodes.WebAuthnMalformed, ex.ReasonCode);
        Assert.Contains(member, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_json_is_too_large()
    {
        var ex = Assert.Throws<WebAuthnException>(() => AuthenticationResponseJSON.Parse(new string(' ', WebAuthnJson.DefaultMaxLength + 1)));
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, ex.ReasonCode);
    }

    [Theory]
    [InlineData("AQ==", "'='")]
    [InlineData("AQ+/", "'+'")]
    [InlineData("AQ D", "' '")]
    [InlineData("AQIDB", "impossible")]
    [InlineData("AR", "base64url")]
    public void Bad_base64url_names_the_field(string value, string detail)
    {
        var ex = Assert.Throws<WebAuthnException>(() => WebAuthnBase64Url.Decode(value, "response.signature", 100));
        Assert.Equal(ReasonCodes.WebAuthnMalformed, ex.ReasonCode);
        Assert.Contains("response.signature", ex.Message, StringComparison.Ordinal);
        Assert.Contains(detail, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_base64url_in_a_response_is_malformed()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        await h.RegisterAsync(a);
        var options = await h.AssertionOptionsAsync();
        var r = a.Assert(options.Challenge, null);
        var bad = new AuthenticationResponseJSON
        {
            Id = r.Id, RawId = r.RawId, Type = r.Type, ClientExtensionResults = r.ClientExtensionResults,
            Response = new AuthenticatorAssertionResponseJSON { ClientDataJSON = r.Response.ClientDataJSON, AuthenticatorData = r.Response.AuthenticatorData, Signature = r.Response.Signature + "==" },
        };
        var result = await h.Rp.VerifyAssertionAsync(bad);
        Assert.Equal(ReasonCodes.WebAuthnMalformed, result.ReasonCode);
        Assert.Contains("response.signature", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_data_members_are_read()
    {
        var c = CollectedClientData.Parse(Encoding.UTF8.GetBytes("""{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.org","crossOrigin":true,"topOrigin":"https://example.com","other":{"x":[1]}}"""));
        Assert.Equal("webauthn.get", c.Type);
        Assert.Equal("AAAA", c.Challenge);
        Assert.Equal("https://example.org", c.Origin);
        Assert.True(c.CrossOrigin);
        Assert.Equal("https://example.com", c.TopOrigin);
    }

    [Fact]
    public void Client_data_member_names_may_be_escaped_and_whitespace_is_allowed()
    {
        var c = CollectedClientData.Parse(Encoding.UTF8.GetBytes(" { \"ty\\u0070e\" : \"webauthn.get\", \"challenge\":\"AAAA\",\"origin\":\"https://example.org\",\"a\":1,\"b\":{\"a\":1} } "));
        Assert.Equal("webauthn.get", c.Type);
        Assert.Equal("https://example.org", c.Origin);
        Assert.False(c.CrossOrigin);
        Assert.Null(c.TopOrigin);
    }

    [Theory]
    [InlineData("""{"challenge":"AAAA","origin":"https://example.org"}""")]
    [InlineData("""{"type":"webauthn.get","origin":"https://example.org"}""")]
    [InlineData("""{"type":"webauthn.get","challenge":"AAAA"}""")]
    [InlineData("""{"type":1,"challenge":"AAAA","origin":"https://example.org"}""")]
    [InlineData("""{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.org","crossOrigin":"true"}""")]
    [InlineData("""{"type":"webauthn.get","challenge":"AAAA","challenge":"BBBB","origin":"https://example.org"}""")]
    [InlineData("""{"type":"webauthn.get","ty\u0070e":"webauthn.create","challenge":"AAAA","origin":"https://example.org"}""")]
    [InlineData("""{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.org","x":1,"x":2}""")]
    [InlineData("""{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.org"}{}""")]
    [InlineData("""{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.org"} x""")]
    [InlineData("""{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.org","x":[[[[[[[[[1]]]]]]]]]}""")]
    [InlineData("""{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.org","topOrigin":null}""")]
    [InlineData("""["webauthn.get"]""")]
    [InlineData("""{"type":"webauthn.get",""")]
    [InlineData("")]
    public void Malformed_client_data_is_refused(string json)
    {
        var ex = Assert.Throws<WebAuthnException>(() => CollectedClientData.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(ReasonCodes.WebAuthnMalformed, ex.ReasonCode);
    }

    [Fact]
    public void Invalid_utf8_and_oversized_client_data_are_refused()
    {
        byte[] bad = [.. Encoding.UTF8.GetBytes("""{"type":"webauthn.get","challenge":"AAAA","origin":"https://example.org","x":"""), 0x22, 0xFF, 0x22, 0x7D];
        Assert.Equal(ReasonCodes.WebAuthnMalformed, Assert.Throws<WebAuthnException>(() => CollectedClientData.Parse(bad)).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, Assert.Throws<WebAuthnException>(() => CollectedClientData.Parse(new byte[9000])).ReasonCode);
    }
}
