using System.Buffers.Text;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using CarteAuth.Authentication;
using CarteAuth.Fido2;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Stores;
using CarteAuth.Identity;

namespace CarteAuth.Benchmarks;

/// <summary>
/// Issue 4: verifying one WebAuthn assertion (ES256) with <see cref="Fido2RelyingParty.VerifyAssertionAsync(string, string?, CancellationToken)"/>,
/// the whole §7.2 procedure from the response JSON a browser posts (JSON and base64url decoding, clientDataJSON,
/// single-use challenge, credential lookup, origin, rpIdHash, flags, signature, counter, record update, in-memory
/// stores), against the floor: the raw ECDSA P-256 verification of the same signature over the same bytes.
/// </summary>
/// <remarks>
/// Challenges are single use, so <see cref="AssertionCount"/> fresh challenges and signed responses are prepared before
/// each iteration (<see cref="PrepareAssertions"/>, outside the measurement) and each invocation verifies the next one.
/// The authenticator keeps no counter (0), as passkeys commonly do, so the same credential signs them all.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[InvocationCount(AssertionCount)]
public class Fido2AssertionBenchmarks
{
    /// <summary>Assertions per iteration (a multiple of the unroll factor, 16).</summary>
    public const int AssertionCount = 512;

    private const int WarmupRounds = 24;
    private const string RpId = "chu-exemple.fr";
    private const string Origin = "https://chu-exemple.fr";

    private readonly Fido2User _user = new(new ProfessionalIdentity(NationalId.Parse("810002813839"), "DONNAT-GADY", "ISABELLE"), Fido2User.NewUserHandle());
    private readonly byte[] _credentialId = RandomNumberGenerator.GetBytes(32);
    private ECDsa _authenticatorKey = null!;
    private ECDsa _verifyKey = null!;
    private Fido2RelyingParty _rp = null!;
    private string[] _responses = null!;
    private byte[][] _signed = null!;
    private byte[][] _signatures = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _authenticatorKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _verifyKey = ECDsa.Create(_authenticatorKey.ExportParameters(false));
        var options = new Fido2Options { RpId = RpId, RpName = "CHU Exemple" };
        options.Origins.Add(Origin);
        var store = new InMemoryFido2CredentialStore();
        store.AddAsync(new Fido2CredentialRecord
        {
            Id = _credentialId,
            PublicKey = CoseKeyBytes(_authenticatorKey.ExportParameters(false)),
            Owner = _user.Identity,
            UserHandle = _user.UserHandle,
            UserVerifiedAtRegistration = true,
            CreatedAt = DateTimeOffset.UtcNow,
        }).AsTask().GetAwaiter().GetResult();
        _rp = new Fido2RelyingParty(options, new InMemoryWebAuthnChallengeStore(TimeProvider.System, capacity: 4 * AssertionCount), store, AttestationVerifier.CreateDefault());
        _responses = new string[AssertionCount];
        _signed = new byte[AssertionCount][];
        _signatures = new byte[AssertionCount][];

        // Steady state, as on a server that has verified many sign-ins: run the whole path (and the per-iteration
        // preparation) enough times for tiered compilation to finish before BenchmarkDotNet starts measuring. Without
        // it, the preparation's own first-time compilation between iterations keeps postponing tier-1 promotion of
        // the verification path, and the measurement reports start-up code rather than the library.
        for (var round = 0; round < WarmupRounds; round++)
        {
            PrepareAssertions();
            for (var i = 0; i < AssertionCount; i++)
            {
                if (!CarteAuth())
                {
                    throw new InvalidOperationException("The benchmark assertion does not verify.");
                }
            }
        }

        PrepareAssertions();
        if (!RawVerify())
        {
            throw new InvalidOperationException("The benchmark signature does not verify.");
        }

        _next = 0;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _authenticatorKey.Dispose();
        _verifyKey.Dispose();
    }

    /// <summary>Before each iteration of the baseline: start again from the first signature (the same bytes it verifies).</summary>
    [IterationSetup(Target = nameof(RawVerify))]
    public void Rewind() => _next = 0;

    /// <summary>Before each iteration: new single-use challenges from the relying party, each signed by the authenticator.</summary>
    [IterationSetup(Target = nameof(CarteAuth))]
    public void PrepareAssertions()
    {
        var rpIdHash = SHA256.HashData(Encoding.UTF8.GetBytes(RpId));
        for (var i = 0; i < AssertionCount; i++)
        {
            var options = _rp.CreateAssertionOptionsAsync(_user.UserHandle, AssuranceLevel.Substantial).AsTask().GetAwaiter().GetResult();
            var clientData = Encoding.UTF8.GetBytes($$"""{"type":"webauthn.get","challenge":"{{options.Challenge}}","origin":"{{Origin}}","crossOrigin":false}""");
            var authenticatorData = new byte[37];
            rpIdHash.CopyTo(authenticatorData, 0);
            authenticatorData[32] = 0x05; // UP | UV; signCount 0
            var signed = authenticatorData.Concat(SHA256.HashData(clientData)).ToArray();
            var signature = _authenticatorKey.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            var response = new AuthenticationResponseJSON
            {
                Id = Base64Url.EncodeToString(_credentialId),
                RawId = Base64Url.EncodeToString(_credentialId),
                Type = "public-key",
                ClientExtensionResults = new Dictionary<string, JsonElement>(),
                Response = new AuthenticatorAssertionResponseJSON
                {
                    ClientDataJSON = Base64Url.EncodeToString(clientData),
                    AuthenticatorData = Base64Url.EncodeToString(authenticatorData),
                    Signature = Base64Url.EncodeToString(signature),
                    UserHandle = Base64Url.EncodeToString(_user.UserHandle),
                },
            };
            _responses[i] = response.ToJson();
            _signed[i] = signed;
            _signatures[i] = signature;
        }

        _next = 0;
    }

    /// <summary>The floor: ECDSA P-256 verification of the same signature over the same bytes, key already imported.</summary>
    [Benchmark(Baseline = true)]
    public bool RawVerify()
    {
        var i = _next++ % AssertionCount;
        return _verifyKey.VerifyData(_signed[i], _signatures[i], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>CarteAuth's relying party: the whole §7.2 verification from the posted JSON.</summary>
    [Benchmark]
    public bool CarteAuth()
    {
        var pending = _rp.VerifyAssertionAsync(_responses[_next++ % AssertionCount]);
        var result = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        return result.Succeeded;
    }

    /// <summary>RFC 9053 §7.1.1 / RFC 9052 §7: COSE_Key { 1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y }.</summary>
    private static byte[] CoseKeyBytes(ECParameters p)
    {
        var writer = new CborWriter(CborConformanceMode.Ctap2Canonical);
        writer.WriteStartMap(5);
        writer.WriteInt32(1);
        writer.WriteInt32(2);
        writer.WriteInt32(3);
        writer.WriteInt32(-7);
        writer.WriteInt32(-1);
        writer.WriteInt32(1);
        writer.WriteInt32(-2);
        writer.WriteByteString(p.Q.X!);
        writer.WriteInt32(-3);
        writer.WriteByteString(p.Q.Y!);
        writer.WriteEndMap();
        return writer.Encode();
    }
}
