using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using CarteAuth.Oidc.Development;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace CarteAuth.Samples.HospitalPortal;

/// <summary>
/// The HospitalPortal demo, startable from <c>Program</c> and from tests: <see cref="StartAsync"/> prepares the data
/// directory (<see cref="DevEnvironment"/>), starts the PSC simulator when it can, and runs Kestrel on localhost with two
/// https listeners: the portal (<see cref="Address"/>) and the card login (<see cref="CardAddress"/>, which asks for the
/// TLS client certificate; every other path there is redirected to the portal).
/// </summary>
public sealed class HospitalPortalApp : IAsyncDisposable
{
    /// <summary>The portal's PSC client id, registered in the simulator at start.</summary>
    public const string PscClientId = "hospital-portal";

    /// <summary>The portal's PSC client secret (simulator only: a public development value).</summary>
    public const string PscClientSecret = "hospital-portal-dev-secret-not-for-production";

    /// <summary>The login page.</summary>
    public const string LoginPath = "/login";

    /// <summary>The FIDO2 registration policy (a card with PIN, directly or through PSC).</summary>
    public const string KeyRegistrationPolicy = "enregistrement-cle";

    private readonly DevEnvironment _environment;

    private HospitalPortalApp(WebApplication app, DevEnvironment environment, Uri address, Uri cardAddress, PscSimulatorHost? psc, string? pscUnavailable)
    {
        App = app;
        _environment = environment;
        Address = address;
        CardAddress = cardAddress;
        PscSimulator = psc;
        PscUnavailableReason = pscUnavailable;
    }

    /// <summary>The running application.</summary>
    public WebApplication App { get; }

    /// <summary>The data directory and its generated material.</summary>
    public DevEnvironment Environment => _environment;

    /// <summary>The portal, e.g. <c>https://localhost:5443/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The card login listener, e.g. <c>https://localhost:5444/</c>.</summary>
    public Uri CardAddress { get; }

    /// <summary>The PSC simulator started alongside, or null (see <see cref="PscUnavailableReason"/>).</summary>
    public PscSimulatorHost? PscSimulator { get; }

    /// <summary>Why PSC login is off (what to install), or null when it is on.</summary>
    public string? PscUnavailableReason { get; }

    /// <summary>Prepares the data directory, starts the PSC simulator (when installed) and the portal.</summary>
    public static async Task<HospitalPortalApp> StartAsync(HospitalPortalOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var contentRoot = AppContext.BaseDirectory;
        var environment = DevEnvironment.Prepare(options.ResolveDataDirectory(contentRoot));
        PscSimulatorHost? psc = null;
        try
        {
            var httpsPort = options.HttpsPort == 0 ? FreePort() : options.HttpsPort;
            var cardPort = options.CardPort == 0 ? FreePort(httpsPort) : options.CardPort;
            var address = new Uri($"https://localhost:{httpsPort}/");
            var cardAddress = new Uri($"https://localhost:{cardPort}/");

            string? pscUnavailable;
            (psc, pscUnavailable) = await StartPscAsync(options, environment, address, cancellationToken).ConfigureAwait(false);

            var app = Build(options, environment, address, cardAddress, psc);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await app.DisposeAsync().ConfigureAwait(false); // e.g. a port in use: release what Build created
                throw;
            }

            return new HospitalPortalApp(app, environment, address, cardAddress, psc, pscUnavailable);
        }
        catch
        {
            if (psc is not null)
            {
                await psc.DisposeAsync().ConfigureAwait(false);
            }

            environment.Dispose();
            throw;
        }
    }

    /// <summary>Stops the portal and the simulator.</summary>
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        if (PscSimulator is not null)
        {
            await PscSimulator.DisposeAsync().ConfigureAwait(false);
        }

        _environment.Dispose();
    }

    private static WebApplication Build(HospitalPortalOptions options, DevEnvironment environment, Uri address, Uri cardAddress, PscSimulatorHost? psc)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, ApplicationName = typeof(HospitalPortalApp).Assembly.GetName().Name });
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", Microsoft.Extensions.Logging.LogLevel.Warning); // no line per request
        builder.Configuration.AddJsonStream(Embedded("HospitalPortal.appsettings.json"));

        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            // ListenLocalhost: 127.0.0.1 and ::1 (browsers try both for "localhost"); never another interface.
            k.ListenLocalhost(address.Port, l => l.UseHttps(environment.TlsCertificate));
            k.ListenLocalhost(cardAddress.Port, l =>
            {
                // One request per card login: HTTP/1.1 only keeps the client-authenticated connection simple for every
                // browser and TLS intermediary (HTTP/2 forbids the TLS renegotiation some clients use for client
                // certificates, RFC 9113 §9.2.1).
                l.Protocols = HttpProtocols.Http1;
                l.UseHttps(environment.TlsCertificate, h =>
                {
                    // The card listener asks for the card's certificate; TLS only proves possession of its key and the smart
                    // card authenticator decides trust (docs/smart-card.md). AllowCertificate: no card gives cert.missing on
                    // the login page instead of a TLS error.
                    h.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    h.AllowAnyClientCertificate();
                });
            });
        });

        // The PSC pending-request cookie is data-protected: keep the keys with the rest, so a restart keeps working.
        builder.Services.AddDataProtection()
            .SetApplicationName("CarteAuth.HospitalPortal")
            .PersistKeysToFileSystem(Directory.CreateDirectory(Path.Combine(environment.Directory, "dataprotection-keys")));
        builder.Services.AddCarteAuthSqliteAudit(o => o.Path = environment.AuditPath);
        builder.Services.AddCarteAuthPolicies(builder.Configuration.GetSection("CarteAuth"));
        var carteAuth = builder.Services.AddCarteAuth(o =>
            {
                o.SigningKeys = SigningKeyRing.Create(environment.SessionKey);
                o.LoginPath = LoginPath;
                o.Fido2RegistrationPolicy = KeyRegistrationPolicy;
            })
            .ConfigureSessions(o =>
            {
                o.IdleTimeout = TimeSpan.FromMinutes(30);
                o.AbsoluteTimeout = TimeSpan.FromHours(12);
            })
            .UseSqliteSessionStore(o => o.Path = environment.SessionsPath)
            .AddSmartCard(o =>
            {
                o.TrustAnchors.Add(environment.Root);
                o.Intermediates.Add(environment.Intermediate);
            })
            .AddFido2(
                o =>
                {
                    o.RpId = "localhost";
                    o.RpName = "Portail CHU (démo CarteAuth)";
                    o.Origins.Add(address.GetLeftPart(UriPartial.Authority));
                },
                f => f.UseSqliteCredentialStore(environment.Fido2Path))
            // HOSPI-Connect pairing ("appairage"): the first card or PSC sign-in links a local account to the idNat; FIDO2
            // keys are then registered and accepted for the paired identity only (docs/aspnetcore.md).
            .AddPairing(o => o.StorePath = environment.PairingsPath);
        if (psc is not null)
        {
            carteAuth.AddProSanteConnect(o =>
            {
                o.Issuer = psc.Issuer.ToString();
                o.ClientId = PscClientId;
                o.ClientSecret = PscClientSecret;
                o.RedirectUri = new Uri(address, "/carteauth/psc/callback");
                o.PostLogoutRedirectUri = address;
            });
        }

        carteAuth.AddHealthChecks();
        builder.Services.AddSingleton(new PortalSettings(address, cardAddress, psc is not null));

        var app = builder.Build();
        app.UsePortalSecurityHeaders();
        app.Use(async (http, next) =>
        {
            // The card listener serves only the card login; anything else (the redirect after login, the login page on
            // failure) continues on the portal. The session cookie is host-only: cookies ignore ports (RFC 6265 §8.5).
            var onCardPort = http.Connection.LocalPort == cardAddress.Port;
            var cardLogin = http.Request.Path.StartsWithSegments("/carteauth/login/card", StringComparison.Ordinal);
            if (onCardPort != cardLogin)
            {
                // Concatenated, not resolved as a relative URI: a path like "//evil.example/" must stay a path (no open redirect).
                var origin = (onCardPort ? address : cardAddress).GetLeftPart(UriPartial.Authority);
                http.Response.Redirect(origin + http.Request.PathBase.ToUriComponent() + http.Request.Path.ToUriComponent() + http.Request.QueryString.ToUriComponent());
                return;
            }

            await next(http).ConfigureAwait(false);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();
        // Read-only, for monitoring: mapped for every method, so declared as accepting cross-site requests (CarteAuthCsrf).
        app.MapHealthChecks("/health").AllowCrossSite("Read-only health report, no session state changed.");
        PortalPages.Map(app);
        return app;
    }

    private static async Task<(PscSimulatorHost? Host, string? Unavailable)> StartPscAsync(HospitalPortalOptions options, DevEnvironment environment, Uri address, CancellationToken cancellationToken)
    {
        if (!options.StartPscSimulator)
        {
            return (null, "the PSC simulator is turned off (HospitalPortal:StartPscSimulator=false).");
        }

        var directory = options.PscSimulatorDirectory
            ?? PscSimulatorHost.FindInRepository(Directory.GetCurrentDirectory())
            ?? PscSimulatorHost.FindInRepository(AppContext.BaseDirectory);
        if (directory is null)
        {
            return (null, "samples/psc-simulator was not found (run from a CarteAuth checkout, or set HospitalPortal:PscSimulatorDirectory).");
        }

        if (!PscSimulatorHost.IsInstalled(directory))
        {
            return (null, $"the PSC simulator's npm packages are not installed: run `(cd {directory} && npm ci)` (Node.js 20+), then restart.");
        }

        // The portal registers itself as a web client of the simulator (its redirect URI is https on localhost).
        var clients = Path.Combine(environment.Directory, "psc-clients.json");
        await File.WriteAllTextAsync(clients, ClientsJson(address), cancellationToken).ConfigureAwait(false);
        try
        {
            // NODE_EXTRA_CA_CERTS: node trusts the portal's self-signed TLS certificate, so the simulator can POST
            // back-channel logout tokens to https://localhost:<port>/carteauth/psc/backchannel-logout.
            var host = await PscSimulatorHost.StartAsync(
                directory,
                ["--clients", clients],
                new Dictionary<string, string> { ["NODE_EXTRA_CA_CERTS"] = environment.TlsCertificatePemPath },
                options.PscStartTimeout,
                cancellationToken).ConfigureAwait(false);
            return (host, null);
        }
        catch (InvalidOperationException e)
        {
            return (null, "the PSC simulator did not start: " + e.Message);
        }
    }

    /// <summary>The simulator's client registration for this portal (see samples/psc-simulator/README.md).</summary>
    internal static string ClientsJson(Uri address) => JsonSerializer.Serialize(new
    {
        clients = new[]
        {
            new Dictionary<string, object>
            {
                ["client_id"] = PscClientId,
                ["client_secret"] = PscClientSecret,
                ["client_name"] = "Portail CHU (démo CarteAuth HospitalPortal)",
                ["application_type"] = "web",
                ["token_endpoint_auth_method"] = "client_secret_basic",
                ["redirect_uris"] = new[] { new Uri(address, "/carteauth/psc/callback").AbsoluteUri },
                ["post_logout_redirect_uris"] = new[] { address.AbsoluteUri },
                // OpenID Connect Back-Channel Logout 1.0 §2.2: PSC POSTs a logout token here when the PSC session ends;
                // session_required: the token (and the ID token) carry the PSC sid, so only the sessions of that PSC
                // session end here.
                ["backchannel_logout_uri"] = new Uri(address, "/carteauth/psc/backchannel-logout").AbsoluteUri,
                ["backchannel_logout_session_required"] = true,
                ["grant_types"] = new[] { "authorization_code", "refresh_token" },
                ["response_types"] = new[] { "code" },
                ["scope"] = "openid scope_all profile",
            },
        },
    });

    private static Stream Embedded(string name) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");

    /// <summary>A free TCP port on 127.0.0.1 (other than <paramref name="except"/>).</summary>
    private static int FreePort(int except = -1)
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (port != except)
            {
                return port;
            }
        }
    }
}

/// <summary>What the pages need to know about the running portal.</summary>
/// <param name="Address">The portal's address.</param>
/// <param name="CardAddress">The card login listener's address.</param>
/// <param name="PscEnabled">True when Pro Santé Connect login is available (the simulator runs).</param>
internal sealed record PortalSettings(Uri Address, Uri CardAddress, bool PscEnabled);
