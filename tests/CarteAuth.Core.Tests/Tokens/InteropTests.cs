using CarteAuth.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

public sealed class InteropTests
{
    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256)]
    [InlineData(SessionTokenAlgorithm.PS256)]
    [InlineData(SessionTokenAlgorithm.RS256)]
    public async Task JsonWebTokenHandler_validates_our_token_with_keys_from_our_jwks(SessionTokenAlgorithm algorithm)
    {
        // Our token, validated against the real clock by the reference library.
        var kit = new TokenTestKit(algorithm);
        kit.Time.SetUtcNow(DateTimeOffset.UtcNow);
        var issued = await kit.IssueAsync();
        var jwks = new JsonWebKeySet(kit.Ring.ToJwksJson());

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(issued.Token, new TokenValidationParameters
        {
            ValidIssuer = TokenTestKit.Issuer,
            ValidAudience = TokenTestKit.Audience,
            IssuerSigningKeys = jwks.Keys,
            ValidAlgorithms = [algorithm.ToString()],
        });

        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.Equal("810002813839", result.Claims["sub"]);
        Assert.Equal(kit.Key.Kid, ((JsonWebToken)result.SecurityToken).Kid);
    }

    [Theory]
    [InlineData(SessionTokenAlgorithm.ES256)]
    [InlineData(SessionTokenAlgorithm.PS256)]
    [InlineData(SessionTokenAlgorithm.RS256)]
    public async Task Our_validator_validates_a_token_created_by_JsonWebTokenHandler(SessionTokenAlgorithm algorithm)
    {
        var kit = new TokenTestKit(algorithm);
        var now = kit.Time.GetUtcNow().UtcDateTime;
        var jwks = new JsonWebKeySet(kit.Ring.ToJwksJson()); // public keys only...
        _ = jwks;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenTestKit.Issuer,
            Audience = TokenTestKit.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(30),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = "810002813839",
                ["jti"] = "b2YtdGhlLXJlZmVyZW5jZQ",
                ["sid"] = "ref-session",
                ["auth_time"] = new DateTimeOffset(now).ToUnixTimeSeconds(),
                ["amr"] = new[] { "hwk", "pin" },
                ["acr"] = "high",
                ["loa"] = "high",
                ["rev"] = 0L,
                ["authn"] = "fido2",
                ["phr"] = true,
                ["name"] = "CAROLE PHARMACH0007512",
            },
            // ...but the private key signs, as an independent implementation would.
            SigningCredentials = new SigningCredentials(kit.Key.SecurityKey, SessionTokenIssuer.ToSecurityAlgorithm(algorithm)),
        });

        var result = await kit.ValidateAsync(token);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal("810002813839", result.Claims.Subject);
        Assert.Equal("ref-session", result.Claims.SessionId);
        Assert.Equal("fido2", result.Claims.Authenticator);
        Assert.Equal(CarteAuth.Authentication.AuthenticationMethods.Hwk | CarteAuth.Authentication.AuthenticationMethods.Pin, result.Claims.Methods);
        Assert.Equal(CarteAuth.Authentication.AssuranceLevel.High, result.Claims.Assurance);
        Assert.True(result.Claims.IsPhishingResistant);
        Assert.Equal(TokenTestKit.Start.AddMinutes(30), result.Claims.ExpiresAt);
    }
}
