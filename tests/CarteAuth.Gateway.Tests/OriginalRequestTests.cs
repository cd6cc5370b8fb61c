using Microsoft.AspNetCore.Http;

namespace CarteAuth.Gateway.Tests;

public sealed class OriginalRequestTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/dossier?id=1", "/dossier")]
    [InlineData("/a/b/", "/a/b/")]
    [InlineData("//dossier//x", "/dossier/x")]
    [InlineData("/public/../dossier", "/dossier")]
    [InlineData("/public/%2e%2e/dossier", "/dossier")]
    [InlineData("/%64ossier", "/dossier")]
    [InlineData("/./dossier/.", "/dossier/")]
    [InlineData("/../../dossier", "/dossier")]
    [InlineData("/caf%C3%A9", "/café")]
    [InlineData("/a#frag", "/a")]
    public void NormalizePath_MatchesWhatTheUpstreamSees(string uri, string expected) => Assert.Equal(expected, OriginalRequest.NormalizePath(uri));

    [Theory]
    [InlineData("/a%2")]
    [InlineData("/a%zz")]
    [InlineData("/a%00")]
    [InlineData("/a%0d%0aX: y")]
    [InlineData("/a%5cb")]
    [InlineData("/a%ff")]
    [InlineData("/é")]
    public void NormalizePath_RefusesBadEscapes(string uri) => Assert.Null(OriginalRequest.NormalizePath(uri));

    [Fact]
    public void Read_NginxHeaders()
    {
        var request = Request(("X-Original-URI", "/dossier/1?x=2"), ("X-Original-Method", "post"), ("X-Forwarded-Host", "DPI.chu.fr:8443"), ("X-Forwarded-Proto", "https"));
        var original = OriginalRequest.Read(request, out var reason)!;
        Assert.Null(reason);
        Assert.Equal(new OriginalRequest("POST", "https", "dpi.chu.fr", "/dossier/1?x=2", "/dossier/1"), original);
    }

    [Fact]
    public void Read_TraefikHeaders_AndHostFallback()
    {
        var request = Request(("X-Forwarded-Uri", "/a"), ("X-Forwarded-Method", "GET"));
        request.Host = new HostString("gw.local", 80);
        var original = OriginalRequest.Read(request, out _)!;
        Assert.Equal(("GET", "http", "gw.local", "/a"), (original.Method, original.Scheme, original.Host, original.Path));
    }

    [Theory]
    [InlineData(null, null, ReasonCodes.GatewayMissingOriginalRequest)]
    [InlineData("http://evil/x", null, ReasonCodes.GatewayBadOriginalRequest)]
    [InlineData("/a b", null, ReasonCodes.GatewayBadOriginalRequest)]
    [InlineData("/a%", null, ReasonCodes.GatewayBadOriginalRequest)]
    [InlineData("/a", "evil host/x", ReasonCodes.GatewayBadOriginalRequest)]
    public void Read_Refusals(string? uri, string? host, string expected)
    {
        var headers = new List<(string, string)>();
        if (uri is not null)
        {
            headers.Add(("X-Original-URI", uri));
        }

        if (host is not null)
        {
            headers.Add(("X-Forwarded-Host", host));
        }

        Assert.Null(OriginalRequest.Read(Request([.. headers]), out var reason));
        Assert.Equal(expected, reason);
    }

    private static HttpRequest Request(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }
}
