using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using CarteAuth.Authentication;
using CarteAuth.Identity;
using CarteAuth.Tokens;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using JwtHandler = Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler;

namespace CarteAuth.Benchmarks;

/// <summary>
/// Cost of validating one CarteAuth session token, against the signature verification alone (the floor) and against
/// Microsoft.IdentityModel's JsonWebTokenHandler doing the equivalent checks (issuer, audience, lifetime, key).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class TokenValidationBenchmarks
{
    private SessionSigningKey _key = null!;
    private string _token = null!;
    private byte[] _signingInput = null!;
    private byte[] _signature = null!;
    private SessionTokenValidator _validator = null!;
    private SessionTokenValidator _cachedValidator = null!;
    private JwtHandler _handler = null!;
    private TokenValidationParameters _parameters = null!;

    [Params(SessionTokenAlgorithm.ES256, SessionTokenAlgorithm.PS256, SessionTokenAlgorithm.RS256)]
    public SessionTokenAlgorithm Algorithm { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _key = SessionSigningKey.Generate(Algorithm);
        var keys = new StaticSigningKeyProvider(SigningKeyRing.Create(_key));
        // A token valid for 7 days: far from expiry for the whole run.
        var options = Options.Create(new SessionTokenOptions { Issuer = "https://sso.chu-exemple.fr", Audience = "carteauth", Lifetime = TimeSpan.FromDays(7) });
        var epochs = new InMemoryRevocationEpochStore();
        var issuer = new SessionTokenIssuer(keys, options, epochs, TimeProvider.System);
        var evidence = new AuthenticationEvidence(
            new ProfessionalIdentity(NationalId.Parse("810002813839"), "DONNAT-GADY", "ISABELLE") { ProfessionCode = "10" },
            AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk,
            AssuranceLevel.High,
            DateTimeOffset.UtcNow,
            "smartcard")
        { IsPhishingResistant = true };
        _token = issuer.IssueAsync(evidence).AsTask().GetAwaiter().GetResult().Token;

        var lastDot = _token.LastIndexOf('.');
        _signingInput = Encoding.ASCII.GetBytes(_token[..lastDot]);
        _signature = Base64Url.DecodeFromChars(_token.AsSpan(lastDot + 1));

        // The measured validator checks every token in full (no verified-token cache): the issue's target is the
        // cost of a validation, not of a cache hit. The cached one is measured next to it, as a deployment runs it.
        _validator = new SessionTokenValidator(keys, Options.Create(new SessionTokenOptions { Issuer = options.Value.Issuer, Audience = options.Value.Audience, Lifetime = options.Value.Lifetime, VerifiedTokenCacheSize = 0 }), epochs, TimeProvider.System);
        _cachedValidator = new SessionTokenValidator(keys, options, epochs, TimeProvider.System);
        _handler = new JwtHandler();
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = "https://sso.chu-exemple.fr",
            ValidAudience = "carteauth",
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromMinutes(1),
            // A key of its own, with IdentityModel's default (cached) signature providers.
            IssuerSigningKey = _key.Ecdsa is { } ec ? new ECDsaSecurityKey(ec) { KeyId = _key.Kid } : new RsaSecurityKey(_key.Rsa!) { KeyId = _key.Kid },
            ValidateIssuerSigningKey = false,
            ValidAlgorithms = [_key.Algorithm.ToString()],
        };

        if (!RawVerify() || !JsonWebTokenHandler() || !CarteAuth() || !CarteAuthCached())
        {
            throw new InvalidOperationException("The benchmark token does not validate.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    /// <summary>The floor: the signature check alone, on pre-decoded signing input and signature bytes.</summary>
    [Benchmark(Baseline = true)]
    public bool RawVerify() => _key.Ecdsa is { } ecdsa
        ? ecdsa.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256)
        : _key.Rsa!.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256,
            _key.Algorithm == SessionTokenAlgorithm.PS256 ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);

    /// <summary>Microsoft.IdentityModel's JsonWebTokenHandler with equivalent checks.</summary>
    [Benchmark]
    public bool JsonWebTokenHandler() => _handler.ValidateTokenAsync(_token, _parameters).GetAwaiter().GetResult().IsValid;

    /// <summary>CarteAuth's validator (signature, claims, revocation epoch), verified-token cache off.</summary>
    [Benchmark]
    public bool CarteAuth()
    {
        var pending = _validator.ValidateAsync(_token);
        return (pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult()).IsValid;
    }

    /// <summary>
    /// CarteAuth's validator with its default verified-token cache, the same token presented again (a session's
    /// requests): time, revocation epoch, no signature check.
    /// </summary>
    [Benchmark]
    public bool CarteAuthCached()
    {
        var pending = _cachedValidator.ValidateAsync(_token);
        return (pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult()).IsValid;
    }
}
