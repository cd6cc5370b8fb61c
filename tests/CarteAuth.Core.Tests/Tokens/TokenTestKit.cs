using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CarteAuth.Authentication;
using CarteAuth.Identity;
using CarteAuth.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Core.Tests.Tokens;

/// <summary>Shared fixtures: keys (generated once per algorithm), evidence, a fake clock, issuer and validator.</summary>
internal sealed class TokenTestKit
{
    public const string Issuer = "https://sso.chu-exemple.fr";
    public const string Audience = "carteauth";
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<SessionSigningKey> Es256 = new(() => SessionSigningKey.Generate(SessionTokenAlgorithm.ES256));
    private static readonly Lazy<SessionSigningKey> Ps256 = new(() => SessionSigningKey.Generate(SessionTokenAlgorithm.PS256));
    private static readonly Lazy<SessionSigningKey> Rs256 = new(() => SessionSigningKey.Generate(SessionTokenAlgorithm.RS256));

    public TokenTestKit(SessionTokenAlgorithm algorithm = SessionTokenAlgorithm.ES256, Action<SessionTokenOptions>? configure = null, int replayCapacity = 1000)
    {
        Key = SharedKey(algorithm);
        Ring = SigningKeyRing.Create(Key);
        Provider = new MutableProvider(Ring);
        Options = new SessionTokenOptions { Issuer = Issuer, Audience = Audience };
        configure?.Invoke(Options);
        Time = new FakeTimeProvider(Start);
        Epochs = new InMemoryRevocationEpochStore();
        Replay = new InMemoryReplayCache(Time, replayCapacity);
        TokenIssuer = new SessionTokenIssuer(Provider, Microsoft.Extensions.Options.Options.Create(Options), Epochs, Time);
        Validator = new SessionTokenValidator(Provider, Microsoft.Extensions.Options.Options.Create(Options), Epochs, Time, Replay);
    }

    public SessionSigningKey Key { get; }
    public SigningKeyRing Ring { get; }
    public MutableProvider Provider { get; }
    public SessionTokenOptions Options { get; }
    public FakeTimeProvider Time { get; }
    public InMemoryRevocationEpochStore Epochs { get; }
    public InMemoryReplayCache Replay { get; }
    public SessionTokenIssuer TokenIssuer { get; }
    public SessionTokenValidator Validator { get; }

    public static SessionSigningKey SharedKey(SessionTokenAlgorithm algorithm) => algorithm switch
    {
        SessionTokenAlgorithm.ES256 => Es256.Value,
        SessionTokenAlgorithm.PS256 => Ps256.Value,
        _ => Rs256.Value,
    };

    public static AuthenticationEvidence CardEvidence(DateTimeOffset at) =>
        new(
            new ProfessionalIdentity(NationalId.Parse("810002813839"), "DONNAT-GADY", "ISABELLE") { ProfessionCode = "10" },
            AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk,
            AssuranceLevel.High,
            at,
            "smartcard")
        {
            IsPhishingResistant = true,
        };

    public async Task<IssuedSessionToken> IssueAsync(string? sessionId = null) =>
        await TokenIssuer.IssueAsync(CardEvidence(Time.GetUtcNow().AddMinutes(-1)), sessionId);

    public ValueTask<SessionTokenValidationResult> ValidateAsync(string? token, bool oneTimeUse = false) =>
        Validator.ValidateAsync(token, oneTimeUse);

    /// <summary>A valid claims set (as JSON members) at the kit's current time; tests add, remove or replace members.</summary>
    public Dictionary<string, string> ValidClaims()
    {
        var now = Time.GetUtcNow().ToUnixTimeSeconds();
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["iss"] = $"\"{Issuer}\"",
            ["aud"] = $"\"{Audience}\"",
            ["sub"] = "\"810002813839\"",
            ["iat"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["nbf"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["exp"] = (now + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["jti"] = "\"AAAAAAAAAAAAAAAAAAAAAA\"",
            ["sid"] = "\"s1\"",
            ["rev"] = "0",
            ["amr"] = "[\"sc\",\"pin\"]",
            ["loa"] = "\"high\"",
        };
    }

    public static string Json(Dictionary<string, string> members) =>
        "{" + string.Join(",", members.Select(static m => $"\"{m.Key}\":{m.Value}")) + "}";

    /// <summary>The standard header for a key.</summary>
    public static string HeaderFor(SessionSigningKey key) =>
        $"{{\"alg\":\"{AlgName(key.Algorithm)}\",\"kid\":\"{key.Kid}\",\"typ\":\"JWT\"}}";

    public static string AlgName(SessionTokenAlgorithm algorithm) => algorithm.ToString();

    /// <summary>Signs arbitrary header and payload JSON with a key, the way RFC 7515 §5.1 says.</summary>
    public static string Sign(SessionSigningKey key, string headerJson, string payloadJson) =>
        Sign(key, headerJson, Encoding.UTF8.GetBytes(payloadJson));

    /// <summary>Signs a payload given as bytes (which need not be UTF-8).</summary>
    public static string Sign(SessionSigningKey key, string headerJson, byte[] payload)
    {
        var input = B64(headerJson) + "." + Base64Url.EncodeToString(payload);
        var data = Encoding.ASCII.GetBytes(input);
        var signature = key.Ecdsa is { } ec
            ? ec.SignData(data, HashAlgorithmName.SHA256)
            : key.Rsa!.SignData(data, HashAlgorithmName.SHA256, key.Algorithm == SessionTokenAlgorithm.PS256 ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    public string Sign(Dictionary<string, string> claims) => Sign(Key, HeaderFor(Key), Json(claims));

    public static string B64(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    internal sealed class MutableProvider(SigningKeyRing ring) : ISigningKeyProvider
    {
        public SigningKeyRing Current { get; set; } = ring;
    }
}

internal static class ResultAssert
{
    public static void Refused(SessionTokenValidationResult result, string reasonCode, params string[] messageContains)
    {
        Assert.False(result.IsValid, $"expected {reasonCode}, got valid");
        Assert.Null(result.Claims);
        Assert.Equal(reasonCode, result.ReasonCode);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        Assert.True(result.Message.Length > 20, $"message too short to act on: {result.Message}");
        foreach (var part in messageContains)
        {
            Assert.Contains(part, result.Message, StringComparison.Ordinal);
        }
    }
}
