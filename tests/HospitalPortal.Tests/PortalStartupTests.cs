using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace CarteAuth.Samples.HospitalPortal.Tests;

/// <summary>The portal's embedded defaults over HTTP (no browser): first run, restart, PSC turned off.</summary>
public sealed class PortalStartupTests
{
    private static HospitalPortalOptions Options(string data) => new()
    {
        DataDirectory = data,
        HttpsPort = 0,
        CardPort = 0,
        StartPscSimulator = false,
        LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
    };

    private static HttpClient Client(HospitalPortalApp portal, CookieContainer cookies, X509Certificate2? card = null)
    {
        var server = portal.Environment.TlsCertificate.RawData;
        var handler = new HttpClientHandler
        {
            CookieContainer = cookies,
            AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.RawData.AsSpan().SequenceEqual(server),
        };
        if (card is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(card);
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    [Fact]
    public async Task Restart_ReusesTheDataDirectory_SessionsSurvive()
    {
        using var data = new TempDirectory();
        var cookies = new CookieContainer();
        string keyPem;
        await using (var first = await HospitalPortalApp.StartAsync(Options(data.Path)))
        {
            Assert.True(first.Environment.Created);
            Assert.Null(first.PscSimulator);
            keyPem = await File.ReadAllTextAsync(Path.Combine(data.Path, "session-key.pem"));
            using var card = X509CertificateLoader.LoadPkcs12FromFile(first.Environment.CardPfx("doctor"), DevEnvironment.CardPfxPassword);
            using var client = Client(first, cookies, card);
            var login = await client.GetAsync(new Uri(first.CardAddress, "/carteauth/login/card?returnUrl=%2F"));
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Assert.Equal("/", login.Headers.Location!.OriginalString);

            // Any other path on the card listener goes back to the portal.
            var other = await client.GetAsync(new Uri(first.CardAddress, "/journal?x=1"));
            Assert.Equal(new Uri(first.Address, "/journal?x=1"), other.Headers.Location);
            var networkPath = await client.GetAsync(new Uri($"https://localhost:{first.CardAddress.Port}//evil.example/x"));
            Assert.Equal($"https://localhost:{first.Address.Port}//evil.example/x", networkPath.Headers.Location!.OriginalString);
        }

        await using var second = await HospitalPortalApp.StartAsync(Options(data.Path));
        Assert.False(second.Environment.Created);
        Assert.Equal(keyPem, await File.ReadAllTextAsync(Path.Combine(data.Path, "session-key.pem")));
        using var again = Client(second, cookies);
        var home = await again.GetAsync(second.Address);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("<dd id=\"idnat\">810002813839</dd>", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // PSC is off: the login page says so and offers no PSC button.
        var loginPage = await (await again.GetAsync(new Uri(second.Address, "/login"))).Content.ReadAsStringAsync();
        Assert.Contains("id=\"psc-unavailable\"", loginPage, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"login-psc\"", loginPage, StringComparison.Ordinal);
        Assert.Equal("the PSC simulator is turned off (HospitalPortal:StartPscSimulator=false).", second.PscUnavailableReason);
    }

    [Fact]
    public void ClientsJson_RegistersTheHttpsCallbackAsAWebClient()
    {
        using var json = System.Text.Json.JsonDocument.Parse(HospitalPortalApp.ClientsJson(new Uri("https://localhost:5443/")));
        var client = json.RootElement.GetProperty("clients")[0];
        Assert.Equal(HospitalPortalApp.PscClientId, client.GetProperty("client_id").GetString());
        Assert.Equal("web", client.GetProperty("application_type").GetString());
        Assert.Equal("https://localhost:5443/carteauth/psc/callback", client.GetProperty("redirect_uris")[0].GetString());
        Assert.Equal("https://localhost:5443/carteauth/psc/backchannel-logout", client.GetProperty("backchannel_logout_uri").GetString());
        Assert.True(client.GetProperty("backchannel_logout_session_required").GetBoolean());
    }

    [Fact]
    public void Options_FromConfiguration_RefusesUnknownKeys()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["HospitalPortal:HttpsPort"] = "6443", ["HospitalPortal:Nope"] = "1" })
            .Build();
        Assert.Throws<InvalidOperationException>(() => HospitalPortalOptions.FromConfiguration(configuration));
    }

    [Theory]
    [InlineData("HttpsPort", "-1", "HospitalPortal:HttpsPort is -1")]
    [InlineData("CardPort", "70000", "HospitalPortal:CardPort is 70000")]
    [InlineData("PscStartTimeout", "00:00:00", "HospitalPortal:PscStartTimeout")]
    [InlineData("HttpsPort", "abc", "HttpsPort")]
    public void Options_FromConfiguration_RefusesBadValues_SayingWhichSetting(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["HospitalPortal:" + key] = value }).Build();
        var e = Assert.Throws<InvalidOperationException>(() => HospitalPortalOptions.FromConfiguration(configuration));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_SamePortForPortalAndCard_IsRefused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new HospitalPortalOptions { HttpsPort = 6443, CardPort = 6443 }.Validate());
        Assert.Contains("needs its own port", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SimulatorNotInstalled_PortalStarts_AndSaysToRunNpmCi()
    {
        using var data = new TempDirectory();
        using var simulator = new TempDirectory(); // a folder without node_modules
        await using var portal = await HospitalPortalApp.StartAsync(Options(data.Path) with { StartPscSimulator = true, PscSimulatorDirectory = simulator.Path });
        Assert.Null(portal.PscSimulator);
        Assert.Contains($"run `(cd {simulator.Path} && npm ci)`", portal.PscUnavailableReason, StringComparison.Ordinal);
    }
}
