using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>Over HTTPS the session cookie is a __Host- cookie (RFC 6265bis §4.1.3.2): Secure, path /, no Domain.</summary>
public sealed class HttpsCookieTests
{
    internal static X509Certificate2 ServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    [Fact]
    public async Task OverHttps_TheCookieIsHostPrefixedAndSecure()
    {
        using var certificate = ServerCertificate();
        await using var host = await TestHost.StartAsync(https: certificate);
        Assert.Equal("https", host.Address.Scheme);
        using var browser = host.NewBrowser(certificate);
        var signIn = await browser.SignInAsync(TestHost.Evidence());
        var setCookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("__Host-carteauth=", setCookie, StringComparison.Ordinal);
        Assert.Contains("secure", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetApiAsync("/me")).StatusCode);

        // A plain "carteauth" cookie (set by a sibling over HTTP, say) is not read over HTTPS.
        using var other = host.NewBrowser(certificate);
        other.Cookies.Add(host.Address, new Cookie(CarteAuthDefaults.CookieName, browser.SessionCookie));
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetApiAsync("/me")).StatusCode);
    }
}
