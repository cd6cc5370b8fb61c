using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CarteAuth.Fido2.Metadata;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Fido2.Tests.Metadata;

/// <summary>Signing chains: intermediates in x5c, BLOBs signed by the root itself, CRL checking of the chain.</summary>
public sealed class FidoMetadataChainTests
{
    private static JsonObject Payload() => TestBlob.Payload(1, TestBlob.Today.AddDays(30), TestBlob.Certified(TestBlob.Aaguid));

    private static X509Certificate2 CreateRoot(ECDsa key)
    {
        var request = new CertificateRequest($"CN=CarteAuth Test MDS Root {Guid.NewGuid():N}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddYears(5));
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, ECDsa key, bool ca, Uri? crl = null)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (crl is not null)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crl.AbsoluteUri]));
        }

        return request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-5), DateTimeOffset.UtcNow.AddYears(1), RandomNumberGenerator.GetBytes(8));
    }

    private static byte[] Sign(ECDsa key, params X509Certificate2[] x5c)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = "JWT" };
        if (x5c.Length > 0)
        {
            header["x5c"] = new JsonArray([.. x5c.Select(c => (JsonNode)Convert.ToBase64String(c.RawData))]);
        }

        return TestBlob.SignEs256(Payload(), key: key, header: header);
    }

    private static async Task<FidoMetadataService> Load(BlobServer server, X509Certificate2 root, X509RevocationMode mode = X509RevocationMode.NoCheck)
    {
        var options = FidoMetadataBlobTests.Options(server.Url, root: root);
        options.RevocationMode = mode;
        var service = new FidoMetadataService(options, timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow));
        try
        {
            await service.GetEntryAsync(TestBlob.Aaguid);
            return service;
        }
        catch
        {
            service.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task ChainWithIntermediate_Loads_AndWithoutTheIntermediateIsRefused()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CreateRoot(rootKey);
        using var intermediate = Issue(root, "CN=CarteAuth Test MDS Intermediate", intermediateKey, ca: true).CopyWithPrivateKey(intermediateKey);
        using var signer = Issue(intermediate, "CN=CarteAuth Test MDS Signer", signerKey, ca: false);

        using (var server = new BlobServer(Sign(signerKey, signer, intermediate)))
        using (var service = await Load(server, root))
        {
            Assert.NotNull(await service.GetEntryAsync(TestBlob.Aaguid));
        }

        using var partial = new BlobServer(Sign(signerKey, signer));
        var e = await Assert.ThrowsAsync<WebAuthnException>(() => Load(partial, root));
        Assert.Equal(ReasonCodes.WebAuthnMetadataInvalid, e.ReasonCode);
        Assert.Contains("does not chain", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlobWithoutX5c_SignedByTheRootItself_Loads()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CreateRoot(rootKey);
        using var server = new BlobServer(Sign(rootKey));

        using var service = await Load(server, root);

        Assert.NotNull(await service.GetEntryAsync(TestBlob.Aaguid));
    }

    [Fact]
    public async Task BlobWithoutX5c_SignedByAnotherKey_IsRefused()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CreateRoot(rootKey);
        using var server = new BlobServer(Sign(otherKey));

        var e = await Assert.ThrowsAsync<WebAuthnException>(() => Load(server, root));

        Assert.Equal(ReasonCodes.WebAuthnMetadataInvalid, e.ReasonCode);
        Assert.Contains("x5c", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OnlineRevocation_ChecksTheSignerAgainstItsCrl(bool revoked)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CreateRoot(rootKey);
        using var server = new BlobServer();
        var crlUrl = new Uri(server.Url, $"/crl/{Guid.NewGuid():N}.crl");
        using var signer = Issue(root, "CN=CarteAuth Test MDS Signer", signerKey, ca: false, crlUrl);
        var crl = new CertificateRevocationListBuilder();
        if (revoked)
        {
            crl.AddEntry(signer, DateTimeOffset.UtcNow.AddDays(-1), X509RevocationReason.KeyCompromise);
        }

        server.Documents[crlUrl.AbsolutePath] = crl.Build(root, 1, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256, thisUpdate: DateTimeOffset.UtcNow.AddHours(-1));
        server.Body = Sign(signerKey, signer);

        if (revoked)
        {
            var e = await Assert.ThrowsAsync<WebAuthnException>(() => Load(server, root, X509RevocationMode.Online));
            Assert.Equal(ReasonCodes.WebAuthnMetadataInvalid, e.ReasonCode);
            Assert.Contains("revoked", e.Message, StringComparison.Ordinal);
        }
        else
        {
            using var service = await Load(server, root, X509RevocationMode.Online);
            Assert.NotNull(await service.GetEntryAsync(TestBlob.Aaguid));
        }
    }

    [Fact]
    public async Task OnlineRevocation_WithTheCrlUnreachable_IsUnavailable()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CreateRoot(rootKey);
        using var server = new BlobServer();
        using var signer = Issue(root, "CN=CarteAuth Test MDS Signer", signerKey, ca: false, new Uri($"http://127.0.0.1:1/missing/{Guid.NewGuid():N}.crl"));
        server.Body = Sign(signerKey, signer);

        var e = await Assert.ThrowsAsync<WebAuthnException>(() => Load(server, root, X509RevocationMode.Online));

        Assert.Equal(ReasonCodes.WebAuthnMetadataUnavailable, e.ReasonCode);
        Assert.Contains("RevocationMode", e.Message, StringComparison.Ordinal);
    }
}
