using Microsoft.Extensions.Configuration;

namespace CarteAuth.Gateway.Tests;

public sealed class RouteTableTests
{
    private static readonly string[] Policies = ["a", "b", "c", "default"];

    private static ForwardAuthRouteTable Table(Action<ForwardAuthOptions> configure)
    {
        var options = new ForwardAuthOptions();
        configure(options);
        return new ForwardAuthRouteTable(options, Policies);
    }

    [Fact]
    public void FirstMatchWins_OnPathSegmentBoundaries_ThenDefault()
    {
        var table = Table(o =>
        {
            o.Routes.Add(new ForwardAuthRoute { PathPrefix = "/admin", Policy = "a", Zone = NetworkZone.Internal });
            o.Routes.Add(new ForwardAuthRoute { PathPrefix = "/", Host = "dpi.chu.fr", Policy = "b" });
            o.DefaultPolicy = "default";
        });

        Assert.Equal("a", table.Match("x.fr", "/admin")!.Policy);
        Assert.Equal(NetworkZone.Internal, table.Match("x.fr", "/admin/users")!.Zone);
        Assert.Equal("default", table.Match("x.fr", "/administration")!.Policy);
        Assert.Equal("b", table.Match("DPI.chu.fr", "/administration")!.Policy);
        Assert.Equal("a", table.Match("dpi.chu.fr", "/admin/")!.Policy);
        var fallback = table.Match(null, "/x")!;
        Assert.Equal("default", fallback.Policy);
        Assert.Equal(NetworkZone.Remote, fallback.Zone);
    }

    [Fact]
    public void WildcardHost_MatchesSubdomainsOnly()
    {
        var table = Table(o => o.Routes.Add(new ForwardAuthRoute { Host = "*.chu.fr", Policy = "c" }));
        Assert.Equal("c", table.Match("dpi.chu.fr", "/")!.Policy);
        Assert.Equal("c", table.Match("a.b.chu.fr", "/x")!.Policy);
        Assert.Null(table.Match("chu.fr", "/"));
        Assert.Null(table.Match("evilchu.fr", "/"));
        Assert.Null(table.Match(null, "/"));
    }

    [Fact]
    public void NoDefault_UnmatchedIsNull()
    {
        var table = Table(o => o.Routes.Add(new ForwardAuthRoute { PathPrefix = "/a", Policy = "a" }));
        Assert.Null(table.Default);
        Assert.Null(table.Match("h", "/b"));
    }

    [Fact]
    public void BindsFromConfiguration()
    {
        var config = new ConfigurationBuilder().AddJsonStream(new MemoryStream("""
            { "Routes": [ { "Host": "dpi.chu.fr", "PathPrefix": "/dossier", "Policy": "a", "Zone": "Internal" }, { "PathPrefix": "/b", "Policy": "b" } ],
              "DefaultPolicy": "default", "TrustedProxies": [ "10.0.0.5", "10.1.0.0/16" ], "UpstreamAudience": "dpi", "AssertionLifetime": "00:00:30" }
            """u8.ToArray())).Build();
        var options = new ForwardAuthOptions();
        config.Bind(options);
        var table = new ForwardAuthRouteTable(options, Policies);
        Assert.Equal(new ForwardAuthRoute { Host = "dpi.chu.fr", PathPrefix = "/dossier", Policy = "a", Zone = NetworkZone.Internal }, table.Routes[0]);
        Assert.Equal("b", table.Match("x", "/b/c")!.Policy);
        Assert.Equal(["127.0.0.0/8", "::1/128", "10.0.0.5", "10.1.0.0/16"], options.TrustedProxies);
        Assert.Equal(TimeSpan.FromSeconds(30), options.AssertionLifetime);
        Assert.Equal("dpi", options.UpstreamAudience);
    }

    [Theory]
    [InlineData("policy", "Routes[0] has no Policy")]
    [InlineData("unknown", "Routes[0].Policy 'nope' is not a registered CarteAuth policy")]
    [InlineData("path", "Routes[0].PathPrefix 'admin'")]
    [InlineData("encoded", "Routes[0].PathPrefix '/a%2Fb'")]
    [InlineData("host", "Routes[0].Host 'https://dpi.chu.fr'")]
    [InlineData("proxy", "TrustedProxies contains 'proxy.local'")]
    [InlineData("audience", "UpstreamAudience is empty")]
    [InlineData("lifetime", "AssertionLifetime is 01:00:00")]
    [InlineData("default", "DefaultPolicy 'nope'")]
    public void InvalidOptions_AreGatewayInvalidOptions_WithWhatToFix(string what, string expected)
    {
        var options = new ForwardAuthOptions();
        var route = new ForwardAuthRoute { Policy = "a" };
        switch (what)
        {
            case "policy": route = route with { Policy = "" }; break;
            case "unknown": route = route with { Policy = "nope" }; break;
            case "path": route = route with { PathPrefix = "admin" }; break;
            case "encoded": route = route with { PathPrefix = "/a%2Fb" }; break;
            case "host": route = route with { Host = "https://dpi.chu.fr" }; break;
            case "proxy": options.TrustedProxies.Add("proxy.local"); break;
            case "audience": options.UpstreamAudience = " "; break;
            case "lifetime": options.AssertionLifetime = TimeSpan.FromHours(1); break;
            case "default": options.DefaultPolicy = "nope"; break;
        }

        options.Routes.Add(route);
        var e = Assert.Throws<CarteAuthException>(() => new ForwardAuthRouteTable(options, Policies));
        Assert.Equal(ReasonCodes.GatewayInvalidOptions, e.ReasonCode);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
