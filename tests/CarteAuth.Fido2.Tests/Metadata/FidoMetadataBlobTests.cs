using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using CarteAuth.Fido2.Metadata;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Fido2.Tests.Metadata;

/// <summary>BLOB verification and parsing: good BLOBs load and answer lookups, every bad one is refused with a reason code.</summary>
public sealed class FidoMetadataBlobTests
{
    internal static FidoMetadataOptions Options(Uri? url = null, string? file = null, X509Certificate2? root = null)
    {
        var options = new FidoMetadataOptions { BlobUrl = url, BlobFilePath = file, RevocationMode = X509RevocationMode.NoCheck };
        options.RootCertificates.Add(root ?? MdsTestPki.Instance.Root);
        return options;
    }

    private static async Task<WebAuthnException> RefusedFromFile(byte[] blob, string expectedCode = ReasonCodes.WebAuthnMetadataInvalid, Action<FidoMetadataOptions>? configure = null)
    {
        using var directory = new TempDirectory();
        var path = directory.File("blob.jwt");
        await File.WriteAllBytesAsync(path, blob);
        var options = Options(file: path);
        configure?.Invoke(options);
        using var service = new FidoMetadataService(options, timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var e = await Assert.ThrowsAsync<WebAuthnException>(() => service.GetEntryAsync(TestBlob.Aaguid).AsTask());
        Assert.Equal(expectedCode, e.ReasonCode);
        Assert.Null(service.CurrentBlob);
        return e;
    }

    [Fact]
    public async Task ValidBlob_FromHttp_LoadsAndAnswersLookups()
    {
        var other = Guid.NewGuid();
        using var server = new BlobServer(TestBlob.SignEs256(TestBlob.Payload(42, TestBlob.Today.AddDays(30), TestBlob.Certified(TestBlob.Aaguid, "YubiKey-like test key"), TestBlob.Certified(other, "Other key"))));
        using var service = new FidoMetadataService(Options(server.Url), timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        var entry = await service.GetEntryAsync(TestBlob.Aaguid);

        Assert.NotNull(entry);
        Assert.Equal(TestBlob.Aaguid, entry.Aaguid);
        Assert.Equal("YubiKey-like test key", entry.Description);
        Assert.Equal(MdsTestPki.Instance.AttestationRoot.RawData, Assert.Single(entry.AttestationRootCertificates).RawData);
        var report = Assert.Single(entry.StatusReports);
        Assert.Equal(AuthenticatorStatus.FidoCertified, report.Status);
        Assert.Equal(new DateOnly(2024, 1, 15), report.EffectiveDate);
        Assert.Equal(new DateOnly(2024, 1, 15), entry.TimeOfLastStatusChange);
        Assert.Equal(AuthenticatorStatus.FidoCertified, entry.LatestStatus);
        Assert.False(entry.IsCompromised);
        Assert.Equal("Other key", (await service.GetEntryAsync(other))!.Description);
        Assert.Null(await service.GetEntryAsync(Guid.NewGuid()));
        Assert.Equal(42, service.CurrentBlob!.Number);
        Assert.Equal(2, service.CurrentBlob.EntryCount);
        Assert.Equal("Test BLOB: not for production.", service.CurrentBlob.LegalHeader);
        Assert.Equal(new DateTimeOffset(TestBlob.Today.AddDays(30).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), service.CurrentBlob.NextUpdate);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task ValidBlob_FromFile_Loads()
    {
        using var directory = new TempDirectory();
        var path = directory.File("blob.jwt");
        await File.WriteAllBytesAsync(path, TestBlob.Standard(no: 7));
        using var service = new FidoMetadataService(Options(file: path), timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        Assert.Equal("Test Key", (await service.GetEntryAsync(TestBlob.Aaguid))!.Description);
        Assert.Equal(7, service.CurrentBlob!.Number);
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("PS256")]
    public async Task RsaSignedBlob_Loads(string alg)
    {
        using var server = new BlobServer(TestBlob.SignRsa(TestBlob.Payload(3, TestBlob.Today.AddDays(30), TestBlob.Certified(TestBlob.Aaguid)), alg));
        using var service = new FidoMetadataService(Options(server.Url), timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        Assert.NotNull(await service.GetEntryAsync(TestBlob.Aaguid));
    }

    [Theory]
    [InlineData("REVOKED", AuthenticatorStatus.Revoked)]
    [InlineData("USER_VERIFICATION_BYPASS", AuthenticatorStatus.UserVerificationBypass)]
    [InlineData("ATTESTATION_KEY_COMPROMISE", AuthenticatorStatus.AttestationKeyCompromise)]
    [InlineData("USER_KEY_REMOTE_COMPROMISE", AuthenticatorStatus.UserKeyRemoteCompromise)]
    [InlineData("USER_KEY_PHYSICAL_COMPROMISE", AuthenticatorStatus.UserKeyPhysicalCompromise)]
    public async Task CompromisingLatestStatus_MarksTheEntryCompromised(string status, AuthenticatorStatus expected)
    {
        var entry = await LoadSingle(TestBlob.Entry(TestBlob.Aaguid, "Bad key", ("FIDO_CERTIFIED", "2023-01-01", null), (status, "2024-06-01", null)));

        Assert.True(entry.IsCompromised);
        Assert.Equal(expected, entry.LatestStatus);
    }

    [Theory]
    [InlineData("UPDATE_AVAILABLE", AuthenticatorStatus.UpdateAvailable)]
    [InlineData("FIDO_CERTIFIED_L2plus", AuthenticatorStatus.FidoCertified)]
    [InlineData("NOT_FIDO_CERTIFIED", AuthenticatorStatus.NotFidoCertified)]
    [InlineData("SELF_ASSERTION_SUBMITTED", AuthenticatorStatus.SelfAssertionSubmitted)]
    [InlineData("SOME_FUTURE_STATUS", AuthenticatorStatus.Unknown)]
    public async Task NeutralOrUnknownLatestStatus_IsNotCompromised(string status, AuthenticatorStatus expected)
    {
        var entry = await LoadSingle(TestBlob.Entry(TestBlob.Aaguid, "Key", ("FIDO_CERTIFIED", "2023-01-01", null), (status, "2024-06-01", null)));

        Assert.False(entry.IsCompromised);
        Assert.Equal(expected, entry.LatestStatus);
        Assert.Equal(2, entry.StatusReports.Count);
    }

    [Fact]
    public async Task LatestStatus_IsByEffectiveDate_NotArrayOrder()
    {
        var entry = await LoadSingle(TestBlob.Entry(TestBlob.Aaguid, "Key", ("REVOKED", "2024-06-01", null), ("FIDO_CERTIFIED", "2023-01-01", null)));

        Assert.True(entry.IsCompromised);
        Assert.Equal(AuthenticatorStatus.Revoked, entry.LatestStatus);
    }

    [Fact]
    public async Task AttestationKeyCompromise_OfOneCertificate_FlagsThatCertificateOnly()
    {
        var compromised = MdsTestPki.Instance.Expired.RawData;
        var entry = await LoadSingle(TestBlob.Entry(TestBlob.Aaguid, "Key", ("FIDO_CERTIFIED", "2023-01-01", null), ("ATTESTATION_KEY_COMPROMISE", "2024-06-01", compromised)));

        Assert.False(entry.IsCompromised);
        Assert.True(entry.IsAttestationCertificateCompromised(compromised));
        Assert.False(entry.IsAttestationCertificateCompromised(MdsTestPki.Instance.AttestationRoot.RawData));
        Assert.Equal(compromised, entry.StatusReports[1].Certificate);
    }

    [Fact]
    public async Task UnknownFields_AreIgnored()
    {
        var entry = TestBlob.Certified(TestBlob.Aaguid);
        entry["rogueListURL"] = "https://example.org/rogue";
        entry["biometricStatusReports"] = new JsonArray(new JsonObject { ["certLevel"] = 1 });
        ((JsonObject)entry["metadataStatement"]!)["authenticatorGetInfo"] = new JsonObject { ["versions"] = new JsonArray("FIDO_2_1") };
        var payload = TestBlob.Payload(1, TestBlob.Today.AddDays(30), entry);
        payload["futureTopLevelField"] = new JsonObject { ["x"] = 1 };

        using var server = new BlobServer(TestBlob.SignEs256(payload));
        using var service = new FidoMetadataService(Options(server.Url), timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        Assert.NotNull(await service.GetEntryAsync(TestBlob.Aaguid));
    }

    [Fact]
    public async Task U2fEntry_IsFoundByKeyIdentifier_AndUafEntryIsSkippedQuietly()
    {
        var u2f = new JsonObject
        {
            ["attestationCertificateKeyIdentifiers"] = new JsonArray("923881FE2F214EE465484371AEB72E97F5A58E0A"),
            ["metadataStatement"] = new JsonObject { ["description"] = "U2F key" },
            ["statusReports"] = new JsonArray(new JsonObject { ["status"] = "FIDO_CERTIFIED" }),
            ["timeOfLastStatusChange"] = "2020-01-01",
        };
        var uaf = new JsonObject { ["aaid"] = "4e4e#4005", ["statusReports"] = new JsonArray(), ["timeOfLastStatusChange"] = "2020-01-01" };
        using var server = new BlobServer(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30), u2f, uaf, TestBlob.Certified(TestBlob.Aaguid))));
        using var service = new FidoMetadataService(Options(server.Url), timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        var entry = await service.GetEntryByAttestationCertificateKeyIdentifierAsync("923881fe2f214ee465484371aeb72e97f5a58e0a");

        Assert.NotNull(entry);
        Assert.Equal("U2F key", entry.Description);
        Assert.Equal(Guid.Empty, entry.Aaguid);
        Assert.Null(await service.GetEntryAsync(Guid.Empty));
        Assert.NotNull(await service.GetEntryAsync(TestBlob.Aaguid));
        Assert.Equal(2, service.CurrentBlob!.EntryCount);
        Assert.Equal(0, service.CurrentBlob.MalformedEntryCount);
    }

    [Fact]
    public async Task MalformedEntries_AreSkippedOrKeptWithoutTheirUnreadableParts()
    {
        var badAaguid = TestBlob.Certified(Guid.NewGuid());
        badAaguid["aaguid"] = "not-a-uuid";
        var noReports = TestBlob.Certified(Guid.NewGuid(), "No reports");
        noReports.Remove("statusReports");
        var badRoot = TestBlob.Certified(Guid.NewGuid(), "Bad root");
        ((JsonObject)badRoot["metadataStatement"]!)["attestationRootCertificates"] = new JsonArray("!!not base64!!", Convert.ToBase64String(MdsTestPki.Instance.AttestationRoot.RawData));
        var notDer = TestBlob.Certified(Guid.NewGuid(), "Not DER");
        ((JsonObject)notDer["metadataStatement"]!)["attestationRootCertificates"] = new JsonArray(Convert.ToBase64String("not a certificate"u8.ToArray()));
        var duplicate = TestBlob.Certified(TestBlob.Aaguid, "Duplicate");
        using var server = new BlobServer(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30), badAaguid, noReports, TestBlob.Certified(TestBlob.Aaguid), badRoot, notDer, JsonValue.Create(5)!, duplicate)));
        using var service = new FidoMetadataService(Options(server.Url), timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        Assert.Equal("Test Key", (await service.GetEntryAsync(TestBlob.Aaguid))!.Description);
        var kept = (await service.GetEntryAsync(Guid.Parse(badRoot["aaguid"]!.GetValue<string>())))!;
        Assert.Equal(MdsTestPki.Instance.AttestationRoot.RawData, Assert.Single(kept.AttestationRootCertificates).RawData);
        Assert.Empty((await service.GetEntryAsync(Guid.Parse(notDer["aaguid"]!.GetValue<string>())))!.AttestationRootCertificates);
        var withoutReports = (await service.GetEntryAsync(Guid.Parse(noReports["aaguid"]!.GetValue<string>())))!;
        Assert.Empty(withoutReports.StatusReports);
        Assert.Null(withoutReports.LatestStatus);
        Assert.Equal(4, service.CurrentBlob!.EntryCount);
        Assert.Equal(6, service.CurrentBlob.MalformedEntryCount);
    }

    [Fact]
    public async Task RevokedEntry_WithAnUnreadableRoot_IsStillReportedRevoked()
    {
        var entry = TestBlob.Entry(TestBlob.Aaguid, "Revoked", ("REVOKED", "2024-06-01", null));
        ((JsonObject)entry["metadataStatement"]!)["attestationRootCertificates"] = new JsonArray("%%%");

        var loaded = await LoadSingle(entry);

        Assert.True(loaded.IsCompromised);
        Assert.Empty(loaded.AttestationRootCertificates);
    }

    [Fact]
    public async Task UnreadableStatusReport_CountsAsUnknown_AndAnUnreadableCompromisedCertificateCoversTheModel()
    {
        var entry = TestBlob.Entry(TestBlob.Aaguid, "Key", ("FIDO_CERTIFIED", "2023-01-01", null), ("ATTESTATION_KEY_COMPROMISE", "2024-06-01", null));
        var reports = (JsonArray)entry["statusReports"]!;
        reports[1]!["certificate"] = "%%% not base64";
        reports.Add(new JsonObject { ["effectiveDate"] = "2020-01-01" });

        var loaded = await LoadSingle(entry);

        Assert.True(loaded.IsCompromised);
        Assert.Equal(AuthenticatorStatus.Unknown, loaded.StatusReports[2].Status);
    }

    [Fact]
    public async Task DuplicateAaguid_TheCompromisedEntryWins()
    {
        using var server = new BlobServer(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30),
            TestBlob.Certified(TestBlob.Aaguid, "Good"),
            TestBlob.Entry(TestBlob.Aaguid, "Revoked", ("REVOKED", "2024-06-01", null)))));
        using var service = new FidoMetadataService(Options(server.Url), timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        var entry = (await service.GetEntryAsync(TestBlob.Aaguid))!;

        Assert.Equal("Revoked", entry.Description);
        Assert.True(entry.IsCompromised);
    }

    [Fact]
    public async Task TamperedPayload_IsRefused()
    {
        var blob = Encoding.ASCII.GetString(TestBlob.Standard());
        var parts = blob.Split('.');
        var forged = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(TestBlob.Payload(99, TestBlob.Today.AddDays(30)).ToJsonString()));

        var e = await RefusedFromFile(Encoding.ASCII.GetBytes(parts[0] + "." + forged + "." + parts[2]));

        Assert.Contains("signature does not verify", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignatureByAnotherKey_IsRefused()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var e = await RefusedFromFile(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30)), key: otherKey));
        Assert.Contains("signature does not verify", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedUnderAnotherRoot_IsRefused()
    {
        var e = await RefusedFromFile(TestBlob.Standard(), configure: o =>
        {
            o.RootCertificates.Clear();
            o.RootCertificates.Add(MdsTestPki.Instance.OtherRoot);
        });
        Assert.Contains("does not chain to a configured root", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfSignedSigner_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var selfSigned = new CertificateRequest("CN=Impostor MDS", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        await RefusedFromFile(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30)), selfSigned, key));
    }

    [Fact]
    public async Task ExpiredSigningCertificate_IsRefused()
    {
        var e = await RefusedFromFile(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30)), MdsTestPki.Instance.Expired, MdsTestPki.Instance.ExpiredKey));
        Assert.Contains("expired", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("<html><body>Service temporarily unavailable</body></html>")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("..")]
    [InlineData("e30.e30.!!!")]
    [InlineData("e30.e30.AAAA")]
    [InlineData("WyJ4Il0.e30.AAAA")]
    [InlineData("bm90IGpzb24.e30.AAAA")]
    public async Task Garbage_IsRefused(string text) => await RefusedFromFile(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task RandomBytes_AreRefused() => await RefusedFromFile(RandomNumberGenerator.GetBytes(4096));

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999)]
    public async Task TruncatedBlob_IsRefused(double fraction)
    {
        var blob = TestBlob.Standard();
        await RefusedFromFile(blob[..(int)(blob.Length * fraction)]);
    }

    [Fact]
    public async Task OversizedBlob_FromFile_IsRefused()
    {
        var e = await RefusedFromFile(TestBlob.Standard(), configure: o => o.MaxBlobBytes = 1024);
        Assert.Contains("MaxBlobBytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedBlob_FromHttp_IsRefused()
    {
        using var server = new BlobServer(TestBlob.Standard());
        var options = Options(server.Url);
        options.MaxBlobBytes = 1024;
        using var service = new FidoMetadataService(options, timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        var e = await Assert.ThrowsAsync<WebAuthnException>(() => service.GetEntryAsync(TestBlob.Aaguid).AsTask());

        Assert.Equal(ReasonCodes.WebAuthnMetadataInvalid, e.ReasonCode);
        Assert.Contains("MaxBlobBytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no")]
    [InlineData("nextUpdate")]
    [InlineData("entries")]
    public async Task MissingRequiredField_IsRefused(string field)
    {
        var payload = TestBlob.Payload(1, TestBlob.Today.AddDays(30), TestBlob.Certified(TestBlob.Aaguid));
        payload.Remove(field);
        var e = await RefusedFromFile(TestBlob.SignEs256(payload));
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no", "\"5\"")]
    [InlineData("no", "-1")]
    [InlineData("no", "1.5")]
    [InlineData("nextUpdate", "\"next month\"")]
    [InlineData("nextUpdate", "20250101")]
    [InlineData("entries", "{}")]
    public async Task MistypedRequiredField_IsRefused(string field, string json)
    {
        var payload = TestBlob.Payload(1, TestBlob.Today.AddDays(30), TestBlob.Certified(TestBlob.Aaguid));
        payload[field] = JsonNode.Parse(json);
        await RefusedFromFile(TestBlob.SignEs256(payload));
    }

    [Fact]
    public async Task PayloadNotAnObject_IsRefused() => await RefusedFromFile(TestBlob.SignEs256(new JsonArray(1, 2)));

    [Theory]
    [InlineData("none")]
    [InlineData("HS256")]
    [InlineData("ES256K")]
    public async Task UnacceptedAlgorithm_IsRefused(string alg)
    {
        var header = new JsonObject { ["alg"] = alg, ["x5c"] = new JsonArray(Convert.ToBase64String(MdsTestPki.Instance.Signing.RawData)) };
        var e = await RefusedFromFile(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30)), header: header));
        Assert.Contains("not accepted", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlgorithmNotMatchingTheKey_IsRefused()
    {
        var header = new JsonObject { ["alg"] = "RS256", ["x5c"] = new JsonArray(Convert.ToBase64String(MdsTestPki.Instance.Signing.RawData)) };
        var e = await RefusedFromFile(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30)), header: header));
        Assert.Contains("no RSA key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task X5u_IsRefusedWithAClearMessage()
    {
        var header = new JsonObject { ["alg"] = "ES256", ["x5u"] = "https://mds.example.org/chain.pem" };
        var e = await RefusedFromFile(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30)), header: header));
        Assert.Contains("x5u", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"alg\":\"ES256\"}")]
    [InlineData("{\"alg\":\"ES256\",\"x5c\":[]}")]
    [InlineData("{\"alg\":\"ES256\",\"x5c\":\"MIIB\"}")]
    [InlineData("{\"alg\":\"ES256\",\"x5c\":[\"not base64!\"]}")]
    [InlineData("{\"alg\":\"ES256\",\"x5c\":[\"AAAA\"]}")]
    [InlineData("{\"alg\":\"ES256\",\"x5c\":[5]}")]
    [InlineData("{\"x5c\":[]}")]
    [InlineData("{\"alg\":\"ES256\",\"alg\":\"none\",\"x5c\":[]}")]
    [InlineData("{\"alg\":\"ES256\",\"crit\":[\"b64\"],\"x5c\":[]}")]
    public async Task BadHeader_IsRefused(string header)
    {
        await RefusedFromFile(TestBlob.SignRawHeader(header, TestBlob.Payload(1, TestBlob.Today.AddDays(30))));
    }

    [Fact]
    public async Task TooLongChain_IsRefused()
    {
        var der = Convert.ToBase64String(MdsTestPki.Instance.Signing.RawData);
        var chain = new JsonArray();
        for (var i = 0; i < 9; i++)
        {
            chain.Add(der);
        }

        var e = await RefusedFromFile(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30)), header: new JsonObject { ["alg"] = "ES256", ["x5c"] = chain }));
        Assert.Contains("more than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingFile_IsUnavailable()
    {
        using var directory = new TempDirectory();
        using var service = new FidoMetadataService(Options(file: directory.File("absent.jwt")), timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        var e = await Assert.ThrowsAsync<WebAuthnException>(() => service.GetEntryAsync(TestBlob.Aaguid).AsTask());

        Assert.Equal(ReasonCodes.WebAuthnMetadataUnavailable, e.ReasonCode);
    }

    [Fact]
    public async Task HttpError_IsUnavailable()
    {
        using var server = new BlobServer(TestBlob.Standard()) { StatusCode = 404 };
        using var service = new FidoMetadataService(Options(server.Url), timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        var e = await Assert.ThrowsAsync<WebAuthnException>(() => service.GetEntryAsync(TestBlob.Aaguid).AsTask());

        Assert.Equal(ReasonCodes.WebAuthnMetadataUnavailable, e.ReasonCode);
        Assert.Contains("404", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowServer_TimesOut_AsUnavailable()
    {
        using var server = new BlobServer(TestBlob.Standard()) { Delay = TimeSpan.FromSeconds(3) };
        var options = Options(server.Url);
        options.HttpTimeout = TimeSpan.FromMilliseconds(300);
        using var service = new FidoMetadataService(options, timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));

        var e = await Assert.ThrowsAsync<WebAuthnException>(() => service.GetEntryAsync(TestBlob.Aaguid).AsTask());

        Assert.Equal(ReasonCodes.WebAuthnMetadataUnavailable, e.ReasonCode);
        Assert.Contains("HttpTimeout", e.Message, StringComparison.Ordinal);
    }

    private static async Task<MetadataEntry> LoadSingle(JsonObject entry)
    {
        using var server = new BlobServer(TestBlob.SignEs256(TestBlob.Payload(1, TestBlob.Today.AddDays(30), entry)));
        using var service = new FidoMetadataService(Options(server.Url), timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));
        return (await service.GetEntryAsync(TestBlob.Aaguid))!;
    }
}
