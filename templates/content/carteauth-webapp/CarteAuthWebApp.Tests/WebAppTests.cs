using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuthWebApp.Tests;

/// <summary>Starts the real app (Kestrel on 127.0.0.1, a free port) and checks what a visitor without a session gets.</summary>
public sealed class WebAppTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("carteauth-webapp-").FullName;
    private WebApplication? _app;
    private HttpClient? _client;

    public async Task InitializeAsync()
    {
        _app = WebApp.Build(["--urls", "http://127.0.0.1:0", "--CarteAuthDev:DataDirectory", _dataDirectory]);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task HomePageIsPublic()
    {
        var response = await _client!.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Dossier patient", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ProtectedPageSendsAVisitorWithoutSessionToTheLoginPage()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dossier");
        request.Headers.Accept.ParseAdd("text/html");
        var response = await _client!.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/carteauth/login", response.Headers.Location!.IsAbsoluteUri ? response.Headers.Location.PathAndQuery : response.Headers.Location.OriginalString);
    }

    [Fact]
    public async Task SessionTokenKeysArePublished()
    {
        var response = await _client!.GetAsync("/.well-known/carteauth/jwks.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"keys\"", await response.Content.ReadAsStringAsync());
    }
}
