using System.Security.Cryptography;
using Microsoft.Playwright;

namespace CarteAuth.Samples.HospitalPortal.Tests;

/// <summary>The portal tests share one portal and one Chromium, one test at a time (2-core CI machine).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "HospitalPortal (portal + PSC simulator + Chromium)";
}

/// <summary>
/// The HospitalPortal started in-process on 127.0.0.1 (free ports, browsed as https://localhost) with a temporary data
/// directory (its first run: dev PKI, TLS certificate, session key), the PSC simulator it starts alongside, and Debian
/// Chromium launched with <c>--ignore-certificate-errors-spki-list</c> set to the portal's TLS key: the dev certificate
/// is then valid for Chromium (no certificate error, so WebAuthn is allowed), nothing else is trusted.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly ChromiumFixture _chromium = new();

    public HospitalPortalApp Portal { get; private set; } = null!;

    public IBrowser Browser => _chromium.Browser;

    /// <summary>The doctor's dev card (PFX, password carteauth-dev), made by the portal's first run.</summary>
    public string DoctorPfx => Portal.Environment.CardPfx("doctor");

    /// <summary>Starts the portal on free ports with its data in <paramref name="dataDirectory"/> and the PSC simulator (required).</summary>
    internal static async Task<HospitalPortalApp> StartPortalAsync(string dataDirectory)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var portal = await HospitalPortalApp.StartAsync(
            new HospitalPortalOptions
            {
                DataDirectory = dataDirectory,
                HttpsPort = 0,
                CardPort = 0,
                LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
                PscSimulatorDirectory = RepositoryPaths.Of("samples", "psc-simulator"),
            },
            timeout.Token);
        if (portal.PscSimulator is null)
        {
            var reason = portal.PscUnavailableReason;
            await portal.DisposeAsync();
            throw new InvalidOperationException("The portal started without the PSC simulator: " + reason);
        }

        return portal;
    }

    public async Task InitializeAsync()
    {
        Portal = await StartPortalAsync(_data.Path);

        var spki = Convert.ToBase64String(SHA256.HashData(Portal.Environment.TlsCertificate.PublicKey.ExportSubjectPublicKeyInfo()));
        await _chromium.StartAsync([$"--ignore-certificate-errors-spki-list={spki}"]);
    }

    /// <summary>A new browser context (its own cookies), optionally holding a dev card (<paramref name="card"/>: doctor, nurse, pharmacist) for the card login origin.</summary>
    public async Task<IBrowserContext> NewContextAsync(bool withCard = false, string card = "doctor")
    {
        var options = new BrowserNewContextOptions { BaseURL = Portal.Address.ToString() };
        if (withCard)
        {
            // The card listener asks for a client certificate; Playwright presents this one to that origin only, through
            // its own TLS proxy (in the node driver), which checks the server certificate itself and does not know the
            // dev certificate: IgnoreHTTPSErrors lets it through. The portal's own origin is still checked by Chromium
            // (the SPKI pin above), so WebAuthn there runs on a valid certificate.
            options.IgnoreHTTPSErrors = true;
            options.ClientCertificates = [new ClientCertificate { Origin = Portal.CardAddress.GetLeftPart(UriPartial.Authority), PfxPath = Portal.Environment.CardPfx(card), Passphrase = DevEnvironment.CardPfxPassword }];
        }

        var context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(ChromiumFixture.ActionTimeoutMs);
        context.SetDefaultNavigationTimeout(ChromiumFixture.ActionTimeoutMs);
        return context;
    }

    public async Task DisposeAsync()
    {
        await _chromium.DisposeAsync();
        if (Portal is not null)
        {
            await Portal.DisposeAsync();
        }

        _data.Dispose();
    }
}
