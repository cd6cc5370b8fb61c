using System.Security.Cryptography.X509Certificates;
using CarteAuth.Fido2.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CarteAuth.Fido2.Tests.Metadata;

/// <summary>Options validation and the DI registration.</summary>
public sealed class FidoMetadataOptionsTests
{
    public static TheoryData<string> InvalidCases => ["no source", "two sources", "relative url", "ftp url", "no root", "missing root file", "not a certificate", "refresh", "retry", "grace", "max bytes", "timeout", "blank cache", "revocation mode"];

    private static FidoMetadataOptions Invalid(string name, TempDirectory directory)
    {
        var o = FidoMetadataBlobTests.Options(new Uri("https://mds3.fidoalliance.org/"));
        switch (name)
        {
            case "no source": o.BlobUrl = null; break;
            case "two sources": o.BlobFilePath = "/tmp/blob.jwt"; break;
            case "relative url": o.BlobUrl = new Uri("/blob", UriKind.Relative); break;
            case "ftp url": o.BlobUrl = new Uri("ftp://example.org/blob"); break;
            case "no root": o.RootCertificates.Clear(); break;
            case "missing root file": o.RootCertificatePaths.Add(directory.File("absent.pem")); break;
            case "not a certificate": o.RootCertificatePaths.Add(directory.File("junk.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")); break;
            case "refresh": o.RefreshInterval = TimeSpan.Zero; break;
            case "retry": o.RetryInterval = TimeSpan.FromSeconds(-1); break;
            case "grace": o.NextUpdateGrace = TimeSpan.FromSeconds(-1); break;
            case "max bytes": o.MaxBlobBytes = 100; break;
            case "timeout": o.HttpTimeout = TimeSpan.FromHours(1); break;
            case "blank cache": o.CacheFilePath = " "; break;
            case "revocation mode": o.RevocationMode = (X509RevocationMode)42; break;
        }

        return o;
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void InvalidOptions_AreRefusedWithTheFix(string name)
    {
        using var directory = new TempDirectory();
        var options = Invalid(name, directory);

        var e = Assert.Throws<WebAuthnException>(options.Validate);
        Assert.Equal(ReasonCodes.WebAuthnInvalidOptions, e.ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnInvalidOptions, Assert.Throws<WebAuthnException>(() => new FidoMetadataService(options)).ReasonCode);
    }

    [Fact]
    public void MissingRoot_MessageNamesTheFidoRoot()
    {
        var options = new FidoMetadataOptions { BlobUrl = new Uri("https://mds3.fidoalliance.org/") };
        Assert.Contains("GlobalSign Root CA - R3", Assert.Throws<WebAuthnException>(options.Validate).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RootFromPemOrDerFile_IsTrusted(bool pem)
    {
        using var directory = new TempDirectory();
        var rootPath = directory.File(pem ? "root.pem" : "root.cer");
        if (pem)
        {
            await File.WriteAllTextAsync(rootPath, MdsTestPki.Instance.OtherRoot.ExportCertificatePem() + "\n" + MdsTestPki.Instance.Root.ExportCertificatePem());
        }
        else
        {
            await File.WriteAllBytesAsync(rootPath, MdsTestPki.Instance.Root.RawData);
        }

        var blobPath = directory.File("blob.jwt");
        await File.WriteAllBytesAsync(blobPath, TestBlob.Standard());
        var options = new FidoMetadataOptions { BlobFilePath = blobPath, RevocationMode = X509RevocationMode.NoCheck };
        options.RootCertificatePaths.Add(rootPath);
        using var service = new FidoMetadataService(options);

        Assert.NotNull(await service.GetEntryAsync(TestBlob.Aaguid));
    }

    [Fact]
    public void Defaults_AreDocumentedValues()
    {
        var options = new FidoMetadataOptions();
        Assert.Equal(20 * 1024 * 1024, options.MaxBlobBytes);
        Assert.Equal(X509RevocationMode.Online, options.RevocationMode);
        Assert.Equal(TimeSpan.FromDays(7), options.NextUpdateGrace);
    }

    [Fact]
    public void AddFidoMetadataService_ValidatesAtStart()
    {
        var services = new ServiceCollection();
        services.AddFidoMetadataService(o => o.BlobUrl = new Uri("https://mds3.fidoalliance.org/"));
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(ReasonCodes.WebAuthnInvalidOptions, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddFidoMetadataService_RegistersOneServiceOverTheHttpClientFactory()
    {
        using var server = new BlobServer(TestBlob.Standard(no: 9));
        var services = new ServiceCollection();
        services.AddFidoMetadataService(o =>
        {
            o.BlobUrl = server.Url;
            o.RootCertificates.Add(MdsTestPki.Instance.Root);
            o.RevocationMode = X509RevocationMode.NoCheck;
        });
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        var service = provider.GetRequiredService<IFidoMetadataService>();

        Assert.Same(provider.GetRequiredService<FidoMetadataService>(), service);
        Assert.Equal("Test Key", (await service.GetEntryAsync(TestBlob.Aaguid))!.Description);
    }
}
