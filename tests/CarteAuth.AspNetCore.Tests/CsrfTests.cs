using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>
/// Cross-site request forgery (OWASP ASVS 4.0.3 V4.2.2, V3.4.3): every state-changing endpoint, enumerated from the
/// host's <see cref="EndpointDataSource"/>, has the same-origin check, antiforgery, or a documented exemption; each
/// protected one refuses cross-site POSTs on a real Kestrel host.
/// </summary>
public sealed class CsrfTests
{
    private static Task<TestHost> StartAsync(Action<WebApplication>? endpoints = null) => TestHost.StartAsync(
        carteAuth: b => b
            .AddFido2(
                o =>
                {
                    o.RpId = Fido2.Tests.TestSupport.SoftAuthenticator.DefaultRpId;
                    o.RpName = "Portail";
                    o.Origins.Add(Fido2.Tests.TestSupport.SoftAuthenticator.DefaultOrigin);
                },
                f => f.UseInMemoryCredentialStore())
            .AddPairing(),
        endpoints: endpoints);

    private static List<RouteEndpoint> CarteAuthEndpoints(TestHost host) =>
        [.. host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && (p.StartsWith("/carteauth", StringComparison.Ordinal) || p.StartsWith("/.well-known/carteauth", StringComparison.Ordinal)))];

    /// <summary>A concrete path for a route pattern: every parameter becomes "x".</summary>
    private static string PathOf(RouteEndpoint endpoint) => System.Text.RegularExpressions.Regex.Replace(endpoint.RoutePattern.RawText!, "\\{[^}]+\\}", "x");

    [Fact]
    public async Task EveryStateChangingCarteAuthEndpoint_HasTheSameOriginCheck_OrADocumentedExemption()
    {
        await using var host = await StartAsync();
        var endpoints = CarteAuthEndpoints(host);
        var stateChanging = endpoints.Where(CarteAuthCsrf.IsStateChanging).ToList();

        // Guards against checking nothing: logout, logout-everywhere, sessions/{id}/end, 4 FIDO2 ceremonies, key delete,
        // pair, unpair, back-channel logout.
        Assert.True(stateChanging.Count >= 11, $"Only {stateChanging.Count} state-changing CarteAuth endpoints found.");
        Assert.Empty(CarteAuthCsrf.FindUnprotectedEndpoints(endpoints).Select(e => e.DisplayName));

        // The only exemption is the server-to-server back-channel logout.
        var exempt = Assert.Single(stateChanging, e => e.Metadata.GetMetadata<CarteAuthCrossSiteExemptionMetadata>() is not null);
        Assert.Equal("/carteauth/psc/backchannel-logout", exempt.RoutePattern.RawText);
        Assert.DoesNotContain(endpoints.Where(e => !CarteAuthCsrf.IsStateChanging(e)), e => e.Metadata.GetMetadata<CarteAuthSameOriginMetadata>() is not null);
    }

    [Theory]
    [InlineData("https://evil.example", null)]
    [InlineData("null", null)]
    [InlineData("http://127.0.0.1.evil.example", null)]
    [InlineData(null, "cross-site")]
    [InlineData(null, "same-site")]
    public async Task EveryProtectedEndpoint_RefusesACrossSitePost_AndAcceptsASameOriginOne(string? origin, string? fetchSite)
    {
        await using var host = await StartAsync();
        var own = host.Address.GetLeftPart(UriPartial.Authority);
        var protectedPosts = CarteAuthEndpoints(host).Where(e => e.Metadata.GetMetadata<CarteAuthSameOriginMetadata>() is not null).ToList();
        Assert.True(protectedPosts.Count >= 10);
        foreach (var endpoint in protectedPosts)
        {
            using var browser = host.NewBrowser();
            await browser.SignInAsync(TestHost.Evidence());
            var path = PathOf(endpoint);
            var refused = await browser.PostAsync(path, origin, fetchSite);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path}: {refused.StatusCode}");
            Assert.Equal(ReasonCodes.SessionCrossSiteRequest, Assert.Single(refused.Headers.GetValues(CarteAuthDefaults.ReasonHeader)));

            // The refused POST changed nothing: the session still works.
            Assert.Equal(HttpStatusCode.OK, (await browser.GetApiAsync("/me")).StatusCode);

            // Same origin (what the application's own pages send): past the check, whatever the endpoint then answers.
            var accepted = await browser.PostAsync(path, own, "same-origin");
            Assert.False(
                accepted.Headers.TryGetValues(CarteAuthDefaults.ReasonHeader, out var reasons) && reasons.Contains(ReasonCodes.SessionCrossSiteRequest),
                $"{path}: a same-origin POST was refused as cross-site.");
        }
    }

    [Fact]
    public async Task ApplicationEndpoints_AreReportedUntilProtected_AndRequireCarteAuthSameOrigin_Refuses()
    {
        await using var host = await StartAsync(app =>
        {
            app.MapPost("/app/unprotected", () => Results.Ok());
            app.MapPost("/app/protected", () => Results.Text("done")).RequireCarteAuthSameOrigin();
            app.MapPost("/app/webhook", () => Results.Ok()).AllowCrossSite("Signed webhook from the lab system, no cookie.");
            app.MapDelete("/app/delete", () => Results.Ok());
            app.Map("/app/any-method", () => Results.Ok());
            app.MapGet("/app/read", () => Results.Ok());
        });
        var unprotected = CarteAuthCsrf.FindUnprotectedEndpoints(host.Services.GetRequiredService<EndpointDataSource>().Endpoints)
            .OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText)
            .Where(p => p!.StartsWith("/app/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["/app/any-method", "/app/delete", "/app/unprotected"], unprotected);

        using var browser = host.NewBrowser();
        var refused = await browser.PostAsync("/app/protected", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(ReasonCodes.SessionCrossSiteRequest, (await Browser.JsonAsync(refused)).GetProperty("reasonCode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync("/app/protected", host.Address.GetLeftPart(UriPartial.Authority), "same-origin")).StatusCode);
        Assert.Throws<ArgumentException>(() => new CarteAuthCrossSiteExemptionMetadata(" "));
    }
}
