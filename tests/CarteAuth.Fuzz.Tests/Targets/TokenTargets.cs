using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CarteAuth.Fuzz.Tests.Engine;
using CarteAuth.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Fuzz.Tests.Targets;

/// <summary>
/// A session token validator with a throwaway ES256 key made at run time (kid <c>fuzz</c>) and a clock fixed at
/// 2026-03-02T08:00:00Z (iat 1772438400), which the committed claim sets use.
/// </summary>
internal sealed class TokenKit
{
    public const string Kid = "fuzz";

    private static readonly Lazy<TokenKit> LazyShared = new(() => new TokenKit());

    private TokenKit()
    {
        Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ring = SigningKeyRing.Create(SessionSigningKey.FromPem(Key.ExportPkcs8PrivateKeyPem(), SessionTokenAlgorithm.ES256, Kid));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
        var options = Microsoft.Extensions.Options.Options.Create(new SessionTokenOptions { Issuer = "https://sso.chu-exemple.fr", Audience = "carteauth" });
        Validator = new SessionTokenValidator(new StaticSigningKeyProvider(ring), options, new InMemoryRevocationEpochStore(), time, new InMemoryReplayCache(time, 1000));
    }

    public static TokenKit Shared => LazyShared.Value;

    public ECDsa Key { get; }

    public SessionTokenValidator Validator { get; }

    /// <summary>
    /// A compact JWS (RFC 7515 §7.1) of a <c>header \n payload</c> input, signed with ES256 (§3.4: R ‖ S). Without a
    /// line feed the whole input is the payload under the standard header. <c>$KID</c> in the header is the key id.
    /// </summary>
    public string Sign(byte[] input)
    {
        var split = Array.IndexOf(input, (byte)'\n');
        var header = split < 0 ? Encoding.UTF8.GetBytes($"{{\"alg\":\"ES256\",\"kid\":\"{Kid}\",\"typ\":\"JWT\"}}") : input[..split];
        var payload = split < 0 ? input : input[(split + 1)..];
        header = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(header).Replace("$KID", Kid, StringComparison.Ordinal));
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
        var signature = Key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Validates; the label is "ok" or the reason code and message. <see cref="SessionTokenValidator"/> never throws for a token.</summary>
    public string Validate(string token, bool oneTimeUse)
    {
        var result = Validator.ValidateAsync(token, oneTimeUse).AsTask().GetAwaiter().GetResult();
        if (result.Claims is not { } claims)
        {
            return $"{result.ReasonCode}|{result.Message}";
        }

        // The string claims are decoded on first read (SessionTokenClaims.Resolve): read them all.
        _ = (claims.SessionId, claims.TokenId, claims.Authenticator, claims.Name, claims.GivenName, claims.FamilyName, claims.ProfessionCode, claims.ToString());
        return $"ok|{claims.Methods}|{claims.Assurance}";
    }
}

/// <summary>Any string as a session token (JWS compact serialization, RFC 7515 §7.1): the validator must return a typed failure.</summary>
internal sealed class TokenTarget : FuzzTarget
{
    public override string Name => "jwt";

    public override IReadOnlyList<byte[]> Dictionary => Tokens(".", "..", "eyJ", "eyJhbGciOiJFUzI1NiJ9", "e30", "=", "+", "/", "-", "_", "AAAA", " ", "%");

    public override IEnumerable<byte[]> GeneratedSeeds() =>
        FuzzRunner.CommittedCorpus("jwt-claims").Select(c => Encoding.ASCII.GetBytes(TokenKit.Shared.Sign(c)));

    public override bool IsExpected(Exception exception) => false;

    public override string Execute(byte[] input) =>
        Reduce(TokenKit.Shared.Validate(Encoding.UTF8.GetString(input), oneTimeUse: input.Length % 7 == 0));

    private static string Reduce(string label)
    {
        var bar = label.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? label : Label(label[..bar], label[(bar + 1)..]);
    }
}

/// <summary>
/// The token's header and claims JSON (RFC 7519 §4, RFC 7515 §4) behind a valid signature: the input is
/// <c>header \n claims</c>, signed at run time, so mutations reach the claims reader instead of failing the signature.
/// </summary>
internal sealed class TokenClaimsTarget : FuzzTarget
{
    public override string Name => "jwt-claims";

    public override IReadOnlyList<byte[]> Dictionary => Tokens(
        "\"iss\"", "\"aud\"", "\"sub\"", "\"exp\"", "\"nbf\"", "\"iat\"", "\"jti\"", "\"sid\"", "\"rev\"", "\"amr\"", "\"loa\"", "\"crit\"", "\"alg\"", "\"kid\"",
        "\"typ\"", "\"b64\"", "\"ES256\"", "\"none\"", "\"HS256\"", "\"sc\"", "\"pin\"", "\"hwk\"", "\"mfa\"", "\"high\"", "true", "false", "null", "[]", "{}", "[", "]", "{", "}",
        ",", ":", "\\u0000", "\\ud800", "\\\"", "1772438400", "1e3", "-1", "\u00e9", "\n");

    public override bool IsExpected(Exception exception) => false;

    public override string Execute(byte[] input)
    {
        var label = TokenKit.Shared.Validate(TokenKit.Shared.Sign(input), oneTimeUse: false);
        var bar = label.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? label : Label(label[..bar], label[(bar + 1)..]);
    }
}
