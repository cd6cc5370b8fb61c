using System.Net;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Development;
using Microsoft.AspNetCore.WebUtilities;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>
/// Open redirects (OWASP ASVS 4.0.3 V5.1.5, RFC 9700 §4.11): the return URL of the real login endpoints, as a browser
/// sends it in the query string (raw, percent-encoded), is followed only when it is a path of this application; anything
/// else becomes "/". The 302 Location is checked on a real Kestrel host.
/// </summary>
public sealed class OpenRedirectTests : IDisposable
{
    private readonly DevPki _pki = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = TestHost.Start.AddDays(-1) });

    public void Dispose() => _pki.Dispose();

    /// <summary>The <c>returnUrl</c> query value as written in the URL (percent-encoded), and the Location expected.</summary>
    public static TheoryData<string, string> ReturnUrls => new()
    {
        { "%2Fme", "/me" },
        { "%2Fme%3Fx%3D1", "/me?x=1" },
        { "https%3A%2F%2Fevil.example%2F", "/" },                 // absolute URL to another host
        { "https://evil.example/", "/" },                         // the same, unencoded
        { "http%3A%2F%2F127.0.0.1%2Fme", "/" },                   // absolute URLs are refused even for this host
        { "%2F%2Fevil.example", "/" },                            // network-path reference (protocol-relative)
        { "//evil.example", "/" },
        { "%2F%2F%2Fevil.example", "/" },
        { "%2F%5Cevil.example", "/" },                            // /\evil: browsers read "\" as "/"
        { "%5C%5Cevil.example", "/" },
        { "%20%2F%2Fevil.example", "/" },                         // leading space, stripped by browsers from Location
        { "https%3Aevil.example", "/" },                          // scheme-relative, no slashes
        { "javascript%3Aalert(1)", "/" },
        { "JaVaScRiPt:alert(1)", "/" },
        { "data%3Atext%2Fhtml%2C%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/" },
        { "%252F%252Fevil.example", "/" },                        // double-encoded: the value is "%2F%2Fevil.example", not a path
        { "%2F%252F%252Fevil.example", "/%2F%2Fevil.example" },   // a path whose encoded slashes stay a path of this host
        { "%2Fa%0D%0ALocation%3A%20https%3A%2F%2Fevil.example", "/" }, // CR/LF (header injection)
        { "%2F%09%2Fevil.example", "/" },                         // control character (browsers drop tabs: "//evil")
        { "%2F%00evil", "/" },
        { "%EF%BC%8F%EF%BC%8Fevil.example", "/" },                // fullwidth solidus "／／"
        { "~%2F%2Fevil.example", "/" },
        { "", "/" },
        { "%2Fdossier%2F%C3%A9t%C3%A9", "/dossier/%C3%A9t%C3%A9" },   // non-ASCII: kept, percent-encoded (a header is ASCII)
        { "%2F%E2%80%A8evil", "/%E2%80%A8evil" },                 // U+2028, encoded: stays a path
        { "%2F%C2%85evil", "/" },                                 // C1 control (NEL)
        { "%2F%7Fevil", "/" },                                    // DEL
        { "%2F%ED%A0%80", "/%ED%A0%80" },                         // invalid UTF-8 (a lone surrogate's bytes): left encoded by the query parser, a path
    };

    private Task<TestHost> StartAsync() => TestHost.StartAsync(
        options: o =>
        {
            o.ForwardedCertificate = new ForwardedCertificateOptions();
            o.ForwardedCertificate.TrustedProxies.Add(IPAddress.Loopback);
        },
        carteAuth: b => b.AddSmartCard(o =>
        {
            o.TrustAnchors.Add(_pki.Root);
            o.Intermediates.Add(_pki.Intermediate);
        }));

    private static Task<HttpResponseMessage> CardLoginAsync(Browser browser, string query, string? certificateHeader)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/carteauth/login/card?returnUrl=" + query);
        request.Headers.Accept.ParseAdd("text/html");
        if (certificateHeader is not null)
        {
            request.Headers.Add("X-SSL-Client-Cert", certificateHeader);
        }

        return browser.Client.SendAsync(request);
    }

    [Fact]
    public async Task LoginEndpoints_FollowOnlyLocalReturnUrls()
    {
        // One host for the whole table (bounded time); each case says which input failed.
        await using var host = await StartAsync();
        var doctor = Uri.EscapeDataString(_pki.Cards.Single(c => c.Spec.Name == "doctor").Certificate.ExportCertificatePem());
        foreach (var row in ReturnUrls)
        {
            var (query, expected) = ((string)row[0], (string)row[1]);

            // Card login, success: straight to the return URL.
            using (var browser = host.NewBrowser())
            {
                var response = await CardLoginAsync(browser, query, doctor);
                Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"card login, returnUrl={query}: {response.StatusCode}");
                Assert.True(expected == response.Headers.Location!.OriginalString, $"card login, returnUrl={query}: Location {response.Headers.Location.OriginalString}, expected {expected}");
            }

            // Card login, failure (no certificate): back to the login page, which keeps only the safe return URL.
            using (var browser = host.NewBrowser())
            {
                var response = await CardLoginAsync(browser, query, null);
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                var location = response.Headers.Location!.OriginalString;
                Assert.StartsWith("/carteauth/login?", location, StringComparison.Ordinal);
                var parameters = QueryHelpers.ParseQuery(location[location.IndexOf('?', StringComparison.Ordinal)..]);
                Assert.True(expected == parameters["returnUrl"].ToString(), $"failed card login, returnUrl={query}: Location {location}, expected returnUrl {expected}");
                Assert.Equal(ReasonCodes.CertMissing, parameters["error"].ToString());
            }

            // An application's own login endpoint using CarteAuthHttp.SafeReturnUrl (TestHost's /test/sign-in).
            using (var browser = host.NewBrowser())
            {
                var response = await browser.SignInAsync(TestHost.Evidence(), "?returnUrl=" + query);
                Assert.True(expected == response.Headers.Location!.OriginalString, $"sign-in, returnUrl={query}: Location {response.Headers.Location.OriginalString}, expected {expected}");
            }
        }
    }

    [Theory]
    [InlineData("/dossier/\u00e9t\u00e9", "/dossier/%C3%A9t%C3%A9")]
    [InlineData("/\U0001F600", "/%F0%9F%98%80")]
    [InlineData("/a b", "/a b")]
    [InlineData("/\u0085", "/")]      // C1 control
    [InlineData("/\u007f", "/")]
    public void SafeReturnUrl_PercentEncodesNonAscii_AndRefusesWhatHasNoUtf8Form(string url, string expected) =>
        Assert.Equal(expected, CarteAuthHttp.SafeReturnUrl(url));

    [Fact]
    public void SafeReturnUrl_WithAnUnpairedSurrogate_IsTheFallback() =>
        Assert.Equal("/", CarteAuthHttp.SafeReturnUrl("/" + '\ud800' + "x"));

    [Fact]
    public async Task StepUpChallenge_ReturnUrlIsThisRequestsOwnPath()
    {
        await using var host = await StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.GetHtmlAsync("/dossier?next=%2F%2Fevil.example");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        var returnUrl = QueryHelpers.ParseQuery(location[location.IndexOf('?', StringComparison.Ordinal)..])["returnUrl"].ToString();
        Assert.Equal("/dossier?next=%2F%2Fevil.example", returnUrl);
        Assert.True(CarteAuthHttp.IsLocalUrl(returnUrl));
    }
}
