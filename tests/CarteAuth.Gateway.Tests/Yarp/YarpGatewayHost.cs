using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using CarteAuth.AspNetCore;
using CarteAuth.Gateway.Yarp;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Tests.TestSupport;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Gateway.Tests.Yarp;

/// <summary>
/// A real Kestrel YARP gateway on 127.0.0.1 (HTTP and HTTPS with optional client certificates, free ports) proxying to
/// a real Kestrel <see cref="EchoUpstream"/>. Routes and CarteAuth policies come from a JSON file loaded with
/// reloadOnChange, so tests edit it to hot-reload them.
/// </summary>
internal sealed class YarpGatewayHost : IAsyncDisposable
{
    private readonly string _directory;

    private YarpGatewayHost(WebApplication app, EchoUpstream upstream, string directory, Uri http, Uri https, X509Certificate2 serverCertificate)
    {
        App = app;
        Upstream = upstream;
        _directory = directory;
        Http = http;
        Https = https;
        ServerCertificate = serverCertificate;
    }

    public WebApplication App { get; }

    public EchoUpstream Upstream { get; }

    public Uri Http { get; }

    public Uri Https { get; }

    public X509Certificate2 ServerCertificate { get; }

    /// <summary>Every log entry of the gateway (event id, message).</summary>
    public LogCapture Log { get; private init; } = null!;

    public string ConfigPath => Path.Combine(_directory, "gateway.json");

    /// <summary>The default configuration: policies (as in appsettings) and routes with CarteAuth metadata.</summary>
    public static JsonObject DefaultConfig(Uri upstream) => JsonNode.Parse($$"""
        {
          "CarteAuth": {
            "Policies": {
              "acces-distant": { "MinimumAssurance": "Substantial" },
              "dossier-patient": { "MinimumAssurance": "High", "RequiredMethods": [ "pin" ], "RequirePhishingResistant": true },
              "pharmacie": { "Professions": [ "21" ] }
            }
          },
          "ReverseProxy": {
            "Routes": {
              "dossier": { "ClusterId": "app", "Match": { "Path": "/dossier/{**rest}" }, "Metadata": { "CarteAuth.Policy": "dossier-patient" } },
              "pharmacie": { "ClusterId": "app", "Match": { "Path": "/pharmacie/{**rest}" }, "Metadata": { "CarteAuth.Policy": "pharmacie", "CarteAuth.Zone": "Remote" } },
              "sans-politique": { "ClusterId": "app", "Match": { "Path": "/sans-politique/{**rest}" } },
              "app": { "ClusterId": "app", "Match": { "Path": "/app/{**rest}" }, "Metadata": { "CarteAuth.Policy": "acces-distant" } }
            },
            "Clusters": {
              "app": { "Destinations": { "echo": { "Address": "{{upstream}}" } } }
            }
          }
        }
        """)!.AsObject();

    public static async Task<YarpGatewayHost> StartAsync(Func<Uri, JsonObject>? config = null, Action<CarteAuthProxyOptions>? proxy = null, DevPki? pki = null)
    {
        var upstream = await EchoUpstream.StartAsync();
        var directory = Directory.CreateTempSubdirectory("carteauth-yarp-").FullName;
        var path = Path.Combine(directory, "gateway.json");
        await File.WriteAllTextAsync(path, (config ?? DefaultConfig)(upstream.Address).ToJsonString());
        var serverCertificate = TestTls.ServerCertificate();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var log = new LogCapture();
        builder.Logging.AddProvider(log);
        builder.Configuration.AddJsonFile(path, optional: false, reloadOnChange: true);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
            {
                https.ServerCertificate = serverCertificate;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;

                // Cards sign in over mTLS; trust is the smart card authenticator's job (IGC-Santé anchors only).
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.AllowAnyClientCertificate();
            }));
        });
        builder.Services.AddCarteAuthInMemoryAudit();
        builder.Services.AddCarteAuthPolicies(builder.Configuration.GetSection("CarteAuth"));
        builder.Services.Configure<ForwardAuthOptions>(o => o.UpstreamAudience = "upstream-test");
        var carteAuth = builder.Services.AddCarteAuth(o => o.SigningKeys = SigningKeyRing.Create(GatewayHost.Key));
        if (pki is not null)
        {
            carteAuth.AddSmartCard(o =>
            {
                o.TrustAnchors.Add(pki.Root);
                o.Intermediates.Add(pki.Intermediate);
            });
        }

        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddCarteAuthPolicies(proxy);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();
        app.MapTestSignIn();
        app.MapReverseProxy(p =>
        {
            p.UseCarteAuth();
            p.UseSessionAffinity();
            p.UseLoadBalancing();
            p.UsePassiveHealthChecks();
        });

        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToArray();
        return new YarpGatewayHost(app, upstream, directory, addresses.Single(a => a.Scheme == "http"), addresses.Single(a => a.Scheme == "https"), serverCertificate) { Log = log };
    }

    /// <summary>Signs in over HTTP with test evidence; returns the session token.</summary>
    public async Task<string> SignInAsync(string evidence)
    {
        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = Http };
        var response = await client.PostAsync("/test/sign-in", new StringContent(evidence));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return cookies.GetCookies(Http)[CarteAuthDefaults.CookieName]!.Value;
    }

    /// <summary>A client of the HTTP listener that does not follow redirects and keeps no cookies.</summary>
    public HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Http, Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>What the upstream received (header names lower case).</summary>
    public static async Task<Dictionary<string, string>> EchoAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
    }

    /// <summary>Rewrites the configuration file (hot reload).</summary>
    public Task WriteConfigAsync(JsonObject config) => File.WriteAllTextAsync(ConfigPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Polls <paramref name="check"/> until it is true (bounded: 15 s).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> check, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await check())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for: " + what);
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await Upstream.DisposeAsync();
        ServerCertificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>Keeps the host's log entries (event id and message) for assertions.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly List<(int EventId, string Message)> _entries = [];

    public bool Contains(int eventId, string text)
    {
        lock (_entries)
        {
            return _entries.Any(e => e.EventId == eventId && e.Message.Contains(text, StringComparison.Ordinal));
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (capture._entries)
            {
                capture._entries.Add((eventId.Id, formatter(state, exception)));
            }
        }
    }
}
