using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CarteAuth.Cli.Tests;

/// <summary>
/// <c>carteauth webauthn verify-registration|verify-assertion</c> on the W3C WebAuthn L3 spec vectors, with the JSON
/// files written here in the W3C JSON forms (independently of CarteAuth's own JSON types).
/// </summary>
public sealed class WebAuthnCommandTests : IDisposable
{
    private const string Origin = "https://example.org";
    private const string IdNat = "899700075122";
    private static readonly byte[] UserHandle = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    private string Write(string name, JsonNode json) => _dir.File(name, json.ToJsonString());

    private static JsonObject CreationOptions(SpecVector v, string userName = IdNat, string? userVerification = "preferred") => new()
    {
        ["rp"] = new JsonObject { ["id"] = "example.org", ["name"] = "Example" },
        ["user"] = new JsonObject { ["id"] = B64(UserHandle), ["name"] = userName, ["displayName"] = "PHARMACH0007512" },
        ["challenge"] = B64(v.Registration["challenge"]),
        ["pubKeyCredParams"] = new JsonArray(
            new JsonObject { ["type"] = "public-key", ["alg"] = -7 },
            new JsonObject { ["type"] = "public-key", ["alg"] = -8 },
            new JsonObject { ["type"] = "public-key", ["alg"] = -35 },
            new JsonObject { ["type"] = "public-key", ["alg"] = -36 },
            new JsonObject { ["type"] = "public-key", ["alg"] = -257 },
            new JsonObject { ["type"] = "public-key", ["alg"] = -53 }),
        ["authenticatorSelection"] = userVerification is null ? null : new JsonObject { ["userVerification"] = userVerification },
        ["attestation"] = "direct",
    };

    private static JsonObject RegistrationResponse(SpecVector v) => new()
    {
        ["id"] = B64(v.Registration["credential_id"]),
        ["rawId"] = B64(v.Registration["credential_id"]),
        ["type"] = "public-key",
        ["response"] = new JsonObject
        {
            ["clientDataJSON"] = B64(v.Registration["clientDataJSON"]),
            ["attestationObject"] = B64(v.Registration["attestationObject"]),
            ["transports"] = new JsonArray("usb"),
        },
        ["clientExtensionResults"] = new JsonObject(),
    };

    private static JsonObject RequestOptions(SpecVector v, bool withRpId = true) => new()
    {
        ["challenge"] = B64(v.Authentication["challenge"]),
        ["rpId"] = withRpId ? "example.org" : null,
        ["allowCredentials"] = new JsonArray(new JsonObject { ["type"] = "public-key", ["id"] = B64(v.Registration["credential_id"]) }),
        ["userVerification"] = "preferred",
    };

    private static JsonObject AuthenticationResponse(SpecVector v, byte[]? signature = null) => new()
    {
        ["id"] = B64(v.Registration["credential_id"]),
        ["rawId"] = B64(v.Registration["credential_id"]),
        ["type"] = "public-key",
        ["response"] = new JsonObject
        {
            ["clientDataJSON"] = B64(v.Authentication["clientDataJSON"]),
            ["authenticatorData"] = B64(v.Authentication["authenticatorData"]),
            ["signature"] = B64(signature ?? v.Authentication["signature"]),
        },
        ["clientExtensionResults"] = new JsonObject(),
    };

    /// <summary>The registration files of a vector: options and response paths.</summary>
    private (string Options, string Response) RegistrationFiles(string id, JsonObject? options = null)
    {
        var v = SpecVectors.Get(id);
        return (Write($"{id}-creation-options.json", options ?? CreationOptions(v)), Write($"{id}-registration.json", RegistrationResponse(v)));
    }

    /// <summary>Registers the vector's credential at the low level and returns the stored-credential file.</summary>
    private async Task<string> RegisteredAsync(string id, params string[] extra)
    {
        var (options, response) = RegistrationFiles(id);
        var credential = _dir.File($"{id}-credential.json");
        var run = await CliRun.RunAsync(["webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--level", "low", "--credential-out", credential, "--json", .. extra]);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        return credential;
    }

    private Task<CliRun> AssertAsync(string id, string credential, JsonObject? response = null, JsonObject? options = null, params string[] extra)
    {
        var v = SpecVectors.Get(id);
        var optionsFile = Write($"{id}-request-options.json", options ?? RequestOptions(v));
        var responseFile = Write($"{id}-authentication.json", response ?? AuthenticationResponse(v));
        return CliRun.RunAsync(["webauthn", "verify-assertion", "--options", optionsFile, "--response", responseFile, "--credential", credential, "--origin", Origin, .. (extra.Contains("--level") ? Array.Empty<string>() : ["--level", "low"]), "--json", .. extra]);
    }

    private static void AssertRefused(CliRun run, int exitCode, string reasonCode)
    {
        Assert.True(exitCode == run.ExitCode, $"exit {run.ExitCode}: {run.Stdout}{run.Stderr}");
        Assert.Equal(reasonCode, (string?)run.Json["reasonCode"]);
        Assert.False((bool)run.Json["ok"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)run.Json["error"]));
    }

    [Fact]
    public async Task Registration_without_attestation_is_accepted_with_its_credential_record()
    {
        var (options, response) = RegistrationFiles("none-es256");
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--level", "low", "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var json = run.Json;
        var v = SpecVectors.Get("none-es256");
        Assert.True((bool)json["ok"]!);
        Assert.Equal("webauthn.verified", (string?)json["reasonCode"]);
        Assert.Equal("none", (string?)json["format"]);
        Assert.Equal("none", (string?)json["attestationType"]);
        Assert.Equal(new Guid(v.Registration["aaguid"], bigEndian: true).ToString(), (string?)json["aaguid"]);
        Assert.Equal("low", (string?)json["level"]);
        var credential = json["credential"]!.AsObject();
        Assert.Equal(B64(v.Registration["credential_id"]), (string?)credential["id"]);
        Assert.Equal(B64(UserHandle), (string?)credential["userHandle"]);
        Assert.Equal(IdNat, (string?)credential["owner"]!["idNat"]);
        Assert.Equal("PHARMACH0007512", (string?)credential["owner"]!["familyName"]);
        Assert.Equal(0u, (uint)credential["signCount"]!);
        Assert.Equal("usb", (string?)credential["transports"]![0]);
        Assert.False(string.IsNullOrEmpty((string?)credential["publicKey"]));
    }

    public static TheoryData<string> CeremonyIds => new(
        "none-es256", "packed-self-es256", "none-es256-crossOrigin", "none-es256-topOrigin", "none-es256-long-credential-id",
        "packed-es256", "packed-es384", "packed-es512", "packed-rs256", "packed-eddsa", "packed-ed448",
        "tpm-es256", "android-key-es256", "apple-es256", "fido-u2f-es256");

    [Theory]
    [MemberData(nameof(CeremonyIds))]
    public async Task Every_spec_vector_registers_and_authenticates(string id)
    {
        var root = Path.Combine(_dir.Path, "attestation-root.der");
        await File.WriteAllBytesAsync(root, SpecVectors.AttestationRootCertificate);
        string[] crossOrigin = ["--allow-cross-origin", "--top-origin", "https://example.com"];
        var credential = await RegisteredAsync(id, [.. crossOrigin, "--attestation-roots", root]);
        var stored = JsonNode.Parse(await File.ReadAllTextAsync(credential))!;
        var attested = !id.StartsWith("none", StringComparison.Ordinal) && id != "packed-self-es256";
        Assert.Equal(attested, (bool)stored["attestationTrusted"]!);
        var run = await AssertAsync(id, credential, extra: crossOrigin);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
    }

    [Fact]
    public async Task Registration_prints_text_without_json()
    {
        var (options, response) = RegistrationFiles("none-es256");
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--level", "low");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("registered:", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("format: none", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Packed_attestation_is_trusted_only_with_its_root()
    {
        var (options, response) = RegistrationFiles("packed-es256");

        // packed-es256 has UV in its registration: the default (substantial) level applies.
        var untrusted = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--json");
        Assert.True(untrusted.ExitCode == 0, untrusted.Stdout + untrusted.Stderr);
        Assert.Equal("packed", (string?)untrusted.Json["format"]);
        Assert.Equal("basic", (string?)untrusted.Json["attestationType"]);
        Assert.False((bool)untrusted.Json["attestationTrusted"]!);
        Assert.Equal("substantial", (string?)untrusted.Json["level"]);

        var root = Path.Combine(_dir.Path, "attestation-root.der");
        await File.WriteAllBytesAsync(root, SpecVectors.AttestationRootCertificate);
        var trusted = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--attestation-roots", root, "--json");
        Assert.True(trusted.ExitCode == 0, trusted.Stdout + trusted.Stderr);
        Assert.True((bool)trusted.Json["attestationTrusted"]!);
        Assert.True((bool)trusted.Json["credential"]!["attestationTrusted"]!);
        Assert.NotNull(trusted.Json["credential"]!["attestationTrustPath"]);
    }

    [Fact]
    public async Task Missing_attestation_root_file_is_file_not_found()
    {
        var (options, response) = RegistrationFiles("packed-es256");
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--attestation-roots", Path.Combine(_dir.Path, "nope.pem"), "--json");
        AssertRefused(run, 2, "cli.file-not-found");
    }

    [Fact]
    public async Task Substantial_level_requires_user_verification()
    {
        var (options, response) = RegistrationFiles("none-es256"); // UV clear
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--json");
        AssertRefused(run, 1, "webauthn.user-verification-required");
    }

    [Fact]
    public async Task Wrong_origin_is_refused()
    {
        var (options, response) = RegistrationFiles("none-es256");
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", "https://login.example.org", "--level", "low", "--json");
        AssertRefused(run, 1, "webauthn.origin-not-allowed");
    }

    [Fact]
    public async Task Cross_origin_ceremony_needs_its_top_origin()
    {
        var (options, response) = RegistrationFiles("none-es256-topOrigin");
        var refused = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--level", "low", "--json");
        AssertRefused(refused, 1, "webauthn.cross-origin-not-allowed");
        var accepted = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--level", "low", "--allow-cross-origin", "--top-origin", "https://example.com", "--json");
        Assert.True(accepted.ExitCode == 0, accepted.Stdout + accepted.Stderr);
    }

    [Fact]
    public async Task Owner_comes_from_id_nat_when_the_user_name_is_not_one()
    {
        var v = SpecVectors.Get("none-es256");
        var (options, response) = RegistrationFiles("none-es256", CreationOptions(v, userName: "carole@example.org"));
        var usage = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--level", "low", "--json");
        AssertRefused(usage, 2, "cli.usage");
        Assert.Contains("--id-nat", (string?)usage.Json["error"], StringComparison.Ordinal);
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--level", "low", "--id-nat", "810002813839", "--family-name", "DONNAT-GADY", "--given-name", "ISABELLE", "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Equal("810002813839", (string?)run.Json["credential"]!["owner"]!["idNat"]);
        Assert.Equal("ISABELLE", (string?)run.Json["credential"]!["owner"]!["givenName"]);
    }

    [Fact]
    public async Task Challenge_of_other_options_is_refused()
    {
        var v = SpecVectors.Get("none-es256");
        var options = CreationOptions(v);
        options["challenge"] = B64(new byte[32]);
        var (optionsFile, response) = RegistrationFiles("none-es256", options);
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", optionsFile, "--response", response, "--origin", Origin, "--level", "low", "--json");
        AssertRefused(run, 1, "webauthn.challenge-mismatch");
    }

    [Fact]
    public async Task Assertion_is_verified_and_the_updated_credential_written_back()
    {
        var credential = await RegisteredAsync("none-es256");
        var updated = _dir.File("updated.json");
        var run = await AssertAsync("none-es256", credential, extra: ["--credential-out", updated]);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.True((bool)run.Json["ok"]!);
        Assert.Equal("webauthn.verified", (string?)run.Json["reasonCode"]);
        Assert.Equal(IdNat, (string?)run.Json["idNat"]);
        Assert.Equal(0u, (uint)run.Json["signCount"]!);
        Assert.False((bool)run.Json["userVerified"]!);
        Assert.True((bool)run.Json["backupEligible"]!);
        Assert.True((bool)run.Json["backedUp"]!);
        Assert.Equal("low", (string?)run.Json["level"]);
        var written = JsonNode.Parse(await File.ReadAllTextAsync(updated))!;
        Assert.NotNull(written["lastUsedAt"]);

        // The vector's authenticator has no counter (0): the same response verifies again against the written record.
        var again = await AssertAsync("none-es256", updated);
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
    }

    [Fact]
    public async Task Assertion_with_uv_at_substantial_level()
    {
        var credential = await RegisteredAsync("packed-es256");
        var run = await AssertAsync("packed-es256", credential, extra: ["--level", "substantial"]);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Equal("substantial", (string?)run.Json["level"]);
        Assert.True((bool)run.Json["userVerified"]!);
    }

    /// <summary>
    /// A new assertion of the none-es256 credential with a signature counter, signed with the vector's credential
    /// private key over the vector's authentication challenge (the spec's vectors all have counter 0).
    /// </summary>
    private static JsonObject CountedAssertion(uint counter)
    {
        var v = SpecVectors.Get("none-es256");
        var clientData = Encoding.UTF8.GetBytes($"{{\"type\":\"webauthn.get\",\"challenge\":\"{B64(v.Authentication["challenge"])}\",\"origin\":\"{Origin}\",\"crossOrigin\":false}}");
        var authData = v.Authentication["authenticatorData"][..37];
        BinaryPrimitives.WriteUInt32BigEndian(authData.AsSpan(33), counter);
        using var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = v.Registration["credential_private_key"] });
        var signature = key.SignData([.. authData, .. SHA256.HashData(clientData)], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var response = AuthenticationResponse(v, signature);
        response["response"]!["clientDataJSON"] = B64(clientData);
        response["response"]!["authenticatorData"] = B64(authData);
        return response;
    }

    [Fact]
    public async Task Replaying_a_counted_assertion_against_the_written_back_credential_is_a_counter_regression()
    {
        var credential = await RegisteredAsync("none-es256");
        var response = CountedAssertion(7);
        var first = await AssertAsync("none-es256", credential, response, extra: ["--credential-out", credential]);
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.Equal(7u, (uint)first.Json["signCount"]!);
        Assert.Equal(7u, (uint)JsonNode.Parse(await File.ReadAllTextAsync(credential))!["signCount"]!);

        var replay = await AssertAsync("none-es256", credential, response);
        AssertRefused(replay, 1, "webauthn.counter-regression");
        var next = await AssertAsync("none-es256", credential, CountedAssertion(8));
        Assert.True(next.ExitCode == 0, next.Stdout + next.Stderr);
    }

    [Fact]
    public async Task High_level_needs_a_device_bound_credential()
    {
        var (options, response) = RegistrationFiles("packed-es256"); // BE=1: a synced passkey
        var root = Path.Combine(_dir.Path, "attestation-root.der");
        await File.WriteAllBytesAsync(root, SpecVectors.AttestationRootCertificate);
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--attestation-roots", root, "--level", "high", "--json");
        AssertRefused(run, 1, "webauthn.backup-not-allowed");
    }

    [Fact]
    public async Task Counter_below_the_stored_one_is_a_regression()
    {
        var credential = await RegisteredAsync("none-es256");
        var record = JsonNode.Parse(await File.ReadAllTextAsync(credential))!;
        record["signCount"] = 5;
        await File.WriteAllTextAsync(credential, record.ToJsonString());
        var run = await AssertAsync("none-es256", credential);
        AssertRefused(run, 1, "webauthn.counter-regression");
    }

    [Fact]
    public async Task Tampered_signature_is_refused()
    {
        var credential = await RegisteredAsync("none-es256");
        var v = SpecVectors.Get("none-es256");
        var signature = v.Authentication["signature"].ToArray();
        signature[^1] ^= 0x01;
        var run = await AssertAsync("none-es256", credential, AuthenticationResponse(v, signature));
        AssertRefused(run, 1, "webauthn.bad-signature");
    }

    [Fact]
    public async Task Assertion_from_another_origin_is_refused()
    {
        var credential = await RegisteredAsync("none-es256");
        var v = SpecVectors.Get("none-es256");
        var optionsFile = Write("request-options.json", RequestOptions(v));
        var responseFile = Write("authentication.json", AuthenticationResponse(v));
        var run = await CliRun.RunAsync("webauthn", "verify-assertion", "--options", optionsFile, "--response", responseFile, "--credential", credential, "--origin", "https://sso.example.org", "--level", "low", "--json");
        AssertRefused(run, 1, "webauthn.origin-not-allowed");
    }

    [Fact]
    public async Task Request_options_without_rp_id_need_the_rp_id_option()
    {
        var credential = await RegisteredAsync("none-es256");
        var v = SpecVectors.Get("none-es256");
        var usage = await AssertAsync("none-es256", credential, options: RequestOptions(v, withRpId: false));
        AssertRefused(usage, 2, "cli.usage");
        Assert.Contains("--rp-id", (string?)usage.Json["error"], StringComparison.Ordinal);
        var run = await AssertAsync("none-es256", credential, options: RequestOptions(v, withRpId: false), extra: ["--rp-id", "example.org"]);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
    }

    [Fact]
    public async Task Assertion_of_another_credential_is_not_allowed()
    {
        var credential = await RegisteredAsync("none-es256");
        var other = SpecVectors.Get("packed-es256");
        var run = await AssertAsync("none-es256", credential, AuthenticationResponse(other));
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("webauthn.", (string?)run.Json["reasonCode"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_file_is_file_not_found()
    {
        var (options, _) = RegistrationFiles("none-es256");
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", Path.Combine(_dir.Path, "missing.json"), "--origin", Origin, "--json");
        AssertRefused(run, 2, "cli.file-not-found");
        var credential = await CliRun.RunAsync("webauthn", "verify-assertion", "--options", options, "--response", options, "--credential", Path.Combine(_dir.Path, "missing.json"), "--origin", Origin, "--json");
        AssertRefused(credential, 2, "cli.file-not-found");
    }

    [Fact]
    public async Task Malformed_response_is_refused_as_malformed()
    {
        var (options, _) = RegistrationFiles("none-es256");
        var response = _dir.File("bad-response.json", "{\"id\": 1");
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--level", "low", "--json");
        AssertRefused(run, 1, "webauthn.malformed");
        var missingMember = Write("incomplete-response.json", new JsonObject { ["id"] = "AAAA", ["type"] = "public-key" });
        AssertRefused(await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", missingMember, "--origin", Origin, "--level", "low", "--json"), 1, "webauthn.malformed");
    }

    [Fact]
    public async Task Oversized_input_file_is_refused_before_reading()
    {
        var (options, _) = RegistrationFiles("none-es256");
        var response = _dir.File("huge.json", "{\"id\":\"" + new string('A', 1100 * 1024) + "\"}");
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--json");
        AssertRefused(run, 2, "webauthn.too-large");
    }

    [Fact]
    public async Task Malformed_options_are_bad_input()
    {
        var (_, response) = RegistrationFiles("none-es256");
        var options = _dir.File("bad-options.json", "[1, 2");
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--level", "low", "--json");
        AssertRefused(run, 2, "webauthn.malformed");
        Assert.Contains("creation options", (string?)run.Json["error"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("{\"id\":\"!!\",\"publicKey\":\"AA\",\"signCount\":0,\"aaguid\":\"00000000-0000-0000-0000-000000000000\",\"backupEligible\":false,\"backedUp\":false,\"userHandle\":\"AQ\",\"owner\":{\"idNat\":\"899700075122\",\"familyName\":\"X\"},\"createdAt\":\"2026-01-01T00:00:00Z\"}")]
    [InlineData("{\"id\":\"AQ\",\"publicKey\":\"AA\",\"signCount\":0,\"aaguid\":\"00000000-0000-0000-0000-000000000000\",\"backupEligible\":false,\"backedUp\":false,\"userHandle\":\"AQ\",\"owner\":{\"idNat\":\"899700075122\",\"familyName\":\"X\"},\"createdAt\":\"2026-01-01T00:00:00Z\"}")]
    public async Task Malformed_stored_credential_is_bad_input(string content)
    {
        var v = SpecVectors.Get("none-es256");
        var credential = _dir.File("bad-credential.json", content);
        var run = await AssertAsync("none-es256", credential, AuthenticationResponse(v));
        AssertRefused(run, 2, "webauthn.malformed");
        Assert.Contains("stored credential", (string?)run.Json["error"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("signCount", "-1")]
    [InlineData("attestationType", "\"weird\"")]
    [InlineData("unknownMember", "1")]
    [InlineData("userHandle", "\"\"")]
    [InlineData("transports", "[null]")]
    [InlineData("owner", "null")]
    [InlineData("publicKey", "\"pQECAyYgASFYIA\"")]
    public async Task Edited_stored_credential_members_are_checked(string member, string value)
    {
        var credential = await RegisteredAsync("none-es256");
        var record = JsonNode.Parse(await File.ReadAllTextAsync(credential))!;
        record[member] = JsonNode.Parse(value);
        await File.WriteAllTextAsync(credential, record.ToJsonString());
        var run = await AssertAsync("none-es256", credential);
        AssertRefused(run, 2, "webauthn.malformed");
    }

    [Fact]
    public async Task Owner_id_nat_in_the_stored_credential_is_checked()
    {
        var credential = await RegisteredAsync("none-es256");
        var record = JsonNode.Parse(await File.ReadAllTextAsync(credential))!;
        record["owner"]!["idNat"] = "12";
        await File.WriteAllTextAsync(credential, record.ToJsonString());
        AssertRefused(await AssertAsync("none-es256", credential), 2, "webauthn.malformed");
    }

    [Theory]
    [InlineData("verify-registration", "--response", "r.json", "--origin", Origin)]
    [InlineData("verify-registration", "--options", "o.json", "--response", "r.json")]
    [InlineData("verify-assertion", "--options", "o.json", "--response", "r.json", "--origin", Origin)]
    public async Task Missing_required_option_is_a_usage_error(params string[] args)
    {
        var run = await CliRun.RunAsync(["webauthn", .. args, "--json"]);
        AssertRefused(run, 2, "cli.usage");
    }

    [Fact]
    public async Task Unknown_level_is_a_usage_error()
    {
        var (options, response) = RegistrationFiles("none-es256");
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", Origin, "--level", "extreme", "--json");
        AssertRefused(run, 2, "cli.usage");
    }

    [Fact]
    public async Task Origin_outside_the_rp_id_is_invalid_options()
    {
        var (options, response) = RegistrationFiles("none-es256");
        var run = await CliRun.RunAsync("webauthn", "verify-registration", "--options", options, "--response", response, "--origin", "https://example.com", "--level", "low", "--json");
        AssertRefused(run, 2, "webauthn.invalid-options");
    }
}
