using System.Security.Cryptography;
using System.Text;
using CarteAuth.Authentication;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc.Tests;

public sealed class PscTokenValidatorTests : IAsyncLifetime
{
    private FakeProvider _op = null!;

    public async Task InitializeAsync() => _op = await FakeProvider.StartAsync();

    public async Task DisposeAsync() => await _op.DisposeAsync();

    private static PscIdTokenExpectations Expect(string nonce = "nonce-1") => new() { Nonce = nonce };

    private async Task<string> RefusedAsync(string token, PscIdTokenExpectations? expect = null, ProSanteConnectOptions? options = null)
    {
        var client = _op.Client(options);
        var e = await Assert.ThrowsAsync<PscException>(() => client.Validator.ValidateIdTokenAsync(token, expect ?? Expect()));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        return e.ReasonCode;
    }

    [Fact]
    public async Task A_good_id_token_validates_with_its_acr_level_amr_and_sid()
    {
        var client = _op.Client();
        var token = await client.Validator.ValidateIdTokenAsync(_op.Sign(_op.IdTokenClaims()), Expect());
        Assert.Equal("sub-1", token.Subject);
        Assert.Equal("eidas1", token.Acr);
        Assert.Equal(AssuranceLevel.Substantial, token.Assurance);
        Assert.Equal(["sc", "pin", "mfa"], token.Amr);
        Assert.Equal("sid-1", token.SessionId);
        Assert.NotNull(token.AuthTime);
    }

    [Fact]
    public async Task An_rsa_signed_token_validates_too()
    {
        var client = _op.Client();
        var token = await client.Validator.ValidateIdTokenAsync(_op.Sign(_op.IdTokenClaims(), kid: "rsa-1"), Expect());
        Assert.Equal("RS256", token.Token.Alg);
    }

    [Fact]
    public async Task Issuer_mismatch_is_refused()
    {
        var claims = _op.IdTokenClaims();
        claims["iss"] = "https://evil.example/auth/realms/esante-wallet";
        Assert.Equal(ReasonCodes.PscIssuerMismatch, await RefusedAsync(_op.Sign(claims)));
    }

    [Fact]
    public async Task Audience_of_another_client_is_refused()
    {
        var claims = _op.IdTokenClaims();
        claims["aud"] = "other-client";
        Assert.Equal(ReasonCodes.PscAudienceMismatch, await RefusedAsync(_op.Sign(claims)));
    }

    [Fact]
    public async Task Azp_of_another_client_is_refused()
    {
        var claims = _op.IdTokenClaims();
        claims["aud"] = new[] { FakeProvider.ClientId, "other" };
        claims["azp"] = "other";
        Assert.Equal(ReasonCodes.PscAudienceMismatch, await RefusedAsync(_op.Sign(claims)));
    }

    [Fact]
    public async Task Several_audiences_without_azp_are_refused()
    {
        var claims = _op.IdTokenClaims();
        claims["aud"] = new[] { FakeProvider.ClientId, "other" };
        Assert.Equal(ReasonCodes.PscAudienceMismatch, await RefusedAsync(_op.Sign(claims)));
    }

    [Fact]
    public async Task Expired_token_is_refused()
    {
        var claims = _op.IdTokenClaims(now: DateTimeOffset.UtcNow.AddHours(-3));
        Assert.Equal(ReasonCodes.PscTokenExpired, await RefusedAsync(_op.Sign(claims)));
    }

    [Fact]
    public async Task Token_issued_in_the_future_is_refused()
    {
        var claims = _op.IdTokenClaims(now: DateTimeOffset.UtcNow.AddMinutes(10));
        Assert.Equal(ReasonCodes.PscTokenNotYetValid, await RefusedAsync(_op.Sign(claims)));
    }

    [Fact]
    public async Task Token_without_exp_is_malformed()
    {
        var claims = _op.IdTokenClaims();
        claims.Remove("exp");
        Assert.Equal(ReasonCodes.PscMalformedToken, await RefusedAsync(_op.Sign(claims)));
    }

    [Fact]
    public async Task Wrong_nonce_is_refused()
    {
        Assert.Equal(ReasonCodes.PscNonceMismatch, await RefusedAsync(_op.Sign(_op.IdTokenClaims(nonce: "other-nonce"))));
    }

    [Fact]
    public async Task Missing_nonce_is_refused()
    {
        var claims = _op.IdTokenClaims();
        claims.Remove("nonce");
        Assert.Equal(ReasonCodes.PscNonceMismatch, await RefusedAsync(_op.Sign(claims)));
    }

    [Fact]
    public async Task A_nonce_is_accepted_once()
    {
        var client = _op.Client();
        var token = _op.Sign(_op.IdTokenClaims(nonce: "once"));
        await client.Validator.ValidateIdTokenAsync(token, Expect("once"));
        var e = await Assert.ThrowsAsync<PscException>(() => client.Validator.ValidateIdTokenAsync(token, Expect("once")));
        Assert.Equal(ReasonCodes.PscNonceReplayed, e.ReasonCode);
        Assert.Equal("sub-1", e.AttemptedSubject);
    }

    [Theory]
    [InlineData("http://eidas.europa.eu/LoA/low")]
    [InlineData("low")]
    [InlineData("something-else")]
    [InlineData(null)]
    public async Task Acr_below_eidas1_or_missing_is_refused(string? acr)
    {
        var claims = _op.IdTokenClaims();
        if (acr is null)
        {
            claims.Remove("acr");
        }
        else
        {
            claims["acr"] = acr;
        }

        Assert.Equal(ReasonCodes.PscAcrTooLow, await RefusedAsync(_op.Sign(claims)));
    }

    [Fact]
    public async Task Eidas1_is_too_low_when_high_is_required()
    {
        Assert.Equal(ReasonCodes.PscAcrTooLow, await RefusedAsync(_op.Sign(_op.IdTokenClaims()), Expect() with { RequiredAssurance = AssuranceLevel.High }));
    }

    [Fact]
    public async Task Auth_time_older_than_max_age_is_refused()
    {
        var claims = _op.IdTokenClaims();
        claims["auth_time"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds();
        Assert.Equal(ReasonCodes.PscAuthTimeTooOld, await RefusedAsync(_op.Sign(claims), Expect() with { MaxAge = TimeSpan.FromMinutes(5) }));
    }

    [Fact]
    public async Task Alg_none_is_refused()
    {
        Assert.Equal(ReasonCodes.PscAlgNotAllowed, await RefusedAsync(FakeProvider.Unsigned(_op.IdTokenClaims())));
    }

    [Fact]
    public async Task Hs256_is_refused_unless_configured()
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(FakeProvider.ClientSecret));
        var token = _op.Sign(_op.IdTokenClaims(), kid: "hs", key: key, alg: SecurityAlgorithms.HmacSha256);
        Assert.Equal(ReasonCodes.PscAlgNotAllowed, await RefusedAsync(token));

        var options = _op.Options(o => o.AllowedAlgorithms.Add("HS256"));
        var accepted = await _op.Client(options).Validator.ValidateIdTokenAsync(token, Expect());
        Assert.Equal("HS256", accepted.Token.Alg);
    }

    [Fact]
    public async Task Es384_is_refused_when_not_in_the_allow_list()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var token = _op.Sign(_op.IdTokenClaims(), kid: "ec-1", key: new ECDsaSecurityKey(ec) { KeyId = "ec-1" }, alg: SecurityAlgorithms.EcdsaSha384);
        Assert.Equal(ReasonCodes.PscAlgNotAllowed, await RefusedAsync(token));
    }

    [Fact]
    public async Task Oversized_token_is_refused_before_parsing()
    {
        var claims = _op.IdTokenClaims();
        claims["padding"] = new string('x', 20_000);
        Assert.Equal(ReasonCodes.PscTokenTooLarge, await RefusedAsync(_op.Sign(claims)));
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public async Task Garbage_is_malformed(string token)
    {
        Assert.Equal(ReasonCodes.PscMalformedToken, await RefusedAsync(token));
    }

    [Fact]
    public async Task A_signature_by_another_key_with_a_known_kid_is_refused()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var token = _op.Sign(_op.IdTokenClaims(), kid: "ec-1", key: new ECDsaSecurityKey(ec) { KeyId = "ec-1" }, alg: SecurityAlgorithms.EcdsaSha256);
        Assert.Equal(ReasonCodes.PscBadSignature, await RefusedAsync(token));
    }

    [Fact]
    public async Task A_tampered_payload_is_refused()
    {
        var token = _op.Sign(_op.IdTokenClaims());
        var parts = token.Split('.');
        var claims = _op.IdTokenClaims();
        claims["sub"] = "someone-else";
        var forged = parts[0] + "." + Base64UrlEncoder.Encode(System.Text.Json.JsonSerializer.Serialize(claims)) + "." + parts[2];
        Assert.Equal(ReasonCodes.PscBadSignature, await RefusedAsync(forged));
    }

    [Fact]
    public async Task Missing_kid_with_several_keys_is_refused_and_accepted_with_a_single_key()
    {
        _op.Keys.Add(new SecurityKeyEntry("ec-2", new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec-2" }, SecurityAlgorithms.EcdsaSha256));
        var token = _op.Sign(_op.IdTokenClaims(), kid: null);
        Assert.Equal(ReasonCodes.PscUnknownKid, await RefusedAsync(token));

        _op.Keys.RemoveAll(k => k.Kid == "ec-2");
        var accepted = await _op.Client().Validator.ValidateIdTokenAsync(token, Expect());
        Assert.Equal("sub-1", accepted.Subject);
    }

    [Fact]
    public async Task An_unknown_kid_refreshes_the_jwks_once_and_accepts_a_rotated_key()
    {
        var client = _op.Client();
        await client.Validator.ValidateIdTokenAsync(_op.Sign(_op.IdTokenClaims(nonce: "n1")), Expect("n1"));
        Assert.Equal(1, _op.JwksFetches);

        // The provider rotates in a new key: the first token naming it triggers one refresh.
        _op.Keys.Add(new SecurityKeyEntry("ec-new", new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec-new" }, SecurityAlgorithms.EcdsaSha256));
        var token = await client.Validator.ValidateIdTokenAsync(_op.Sign(_op.IdTokenClaims(nonce: "n2"), kid: "ec-new"), Expect("n2"));
        Assert.Equal("ec-new", token.Token.Kid);
        Assert.Equal(2, _op.JwksFetches);
    }

    [Fact]
    public async Task Unknown_kids_refresh_the_jwks_at_most_once_per_interval()
    {
        var client = _op.Client();
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        for (var i = 0; i < 5; i++)
        {
            var token = _op.Sign(_op.IdTokenClaims(), kid: $"made-up-{i}", key: new ECDsaSecurityKey(stranger) { KeyId = $"made-up-{i}" }, alg: SecurityAlgorithms.EcdsaSha256);
            var e = await Assert.ThrowsAsync<PscException>(() => client.Validator.ValidateIdTokenAsync(token, Expect()));
            Assert.Equal(ReasonCodes.PscUnknownKid, e.ReasonCode);
        }

        // One initial load and one refresh: the other four unknown kids were rate limited.
        Assert.Equal(2, _op.JwksFetches);
    }

    public static TheoryData<string, object> OddClaims => new()
    {
        { "exp", "tomorrow" },
        { "iat", "today" },
        { "aud", new Dictionary<string, object> { ["x"] = 1 } },
        { "amr", "sc" },
        { "auth_time", "yesterday" },
        { "acr", 3 },
        { "nonce", 12 },
        { "sub", 42 },
    };

    [Theory]
    [MemberData(nameof(OddClaims))]
    public async Task Claims_of_unexpected_types_are_typed_errors(string claim, object value)
    {
        var claims = _op.IdTokenClaims();
        claims[claim] = value;
        var client = _op.Client();
        var e = await Record.ExceptionAsync(() => client.Validator.ValidateIdTokenAsync(_op.Sign(claims), Expect()));
        if (e is not null)
        {
            var psc = Assert.IsType<PscException>(e);
            Assert.StartsWith("psc.", psc.ReasonCode);
        }
    }

    [Fact]
    public async Task Encrypted_tokens_are_refused()
    {
        var jwe = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d";
        Assert.Equal(ReasonCodes.PscMalformedToken, await RefusedAsync(jwe));
    }
}
