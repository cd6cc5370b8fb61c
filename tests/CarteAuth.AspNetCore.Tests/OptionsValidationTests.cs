using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Audit;
using CarteAuth.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public async Task MissingSigningKeys_FailsAtStart_SayingHowToFix()
    {
        var e = await StartFailsAsync(() => TestHost.StartAsync(options: o => o.SigningKeys = null));
        Assert.Contains("SigningKeys is required", e.Message, StringComparison.Ordinal);
        Assert.Contains(ReasonCodes.SessionInvalidOptions, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadSessionOptions_FailAtStart()
    {
        var e = await StartFailsAsync(() => TestHost.StartAsync(carteAuth: b => b.ConfigureSessions(o =>
        {
            o.IdleTimeout = TimeSpan.FromHours(2);
            o.AbsoluteTimeout = TimeSpan.FromHours(1);
            o.CookieName = "bad name;";
        })));
        Assert.Contains("IdleTimeout (02:00:00) is longer than AbsoluteTimeout", e.Message, StringComparison.Ordinal);
        Assert.Contains("CookieName 'bad name;' is not a valid cookie name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadSqliteStoreOptions_FailAtStart()
    {
        var e = await StartFailsAsync(() => TestHost.StartAsync(carteAuth: b => b.UseSqliteSessionStore(o => o.Path = " ")));
        Assert.Contains("Path is required", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://login.example/", "LoginPath 'https://login.example/' is not a local path")]
    [InlineData("//evil", "is not a local path")]
    public void LoginPath_MustBeLocal(string path, string expected)
    {
        var o = new CarteAuthOptions { SigningKeys = SigningKeyRing.Create(TestHost.Key1), LoginPath = new Microsoft.AspNetCore.Http.PathString(path.StartsWith('/') ? path : "/x") };
        if (!path.StartsWith('/'))
        {
            // PathString refuses non-path values itself; the validator sees only paths.
            Assert.Throws<ArgumentException>(() => new Microsoft.AspNetCore.Http.PathString(path));
            return;
        }

        var e = Assert.Throws<CarteAuthException>(() => o.Validate());
        Assert.Equal(ReasonCodes.SessionInvalidOptions, e.ReasonCode);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InternalNetworks_MustBeCidr()
    {
        var o = new CarteAuthOptions { SigningKeys = SigningKeyRing.Create(TestHost.Key1), InternalNetworks = ["10.0.0.0/8", "10.0.0.0/33", "intranet"] };
        var e = Assert.Throws<CarteAuthException>(() => o.Validate());
        Assert.Contains("'10.0.0.0/33', which is not a CIDR network", e.Message, StringComparison.Ordinal);
        Assert.Contains("'intranet'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SigningKeys_MustBePrivate()
    {
        using var publicOnly = SessionSigningKey.FromPem(TestHost.Key1.ExportPublicKeyPem(), SessionTokenAlgorithm.ES256);
        var e = Assert.Throws<CarteAuthException>(() => new CarteAuthOptions { SigningKeys = SigningKeyRing.Create(publicOnly) }.Validate());
        Assert.Contains("has no private part", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultOptions_WithKeys_AreValid()
    {
        new CarteAuthOptions { SigningKeys = SigningKeyRing.Create(TestHost.Key1) }.Validate();
        new CarteAuthOptions().Validate(keysRegistered: true);
        new CarteAuthSessionOptions().ValidateSettings();
    }

    [Fact]
    public async Task MissingAuditStore_FailsAtStart_SayingHowToFix()
    {
        var e = await Assert.ThrowsAsync<CarteAuthException>(() => TestHost.StartAsync(services: s => s.RemoveAll<IAuditStore>()));
        Assert.Equal(ReasonCodes.AuditInvalidOptions, e.ReasonCode);
        Assert.Contains("AddCarteAuthSqliteAudit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_WiresTheSchemeAndAuthorization()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCarteAuthInMemoryAudit();
        services.AddCarteAuth(o => o.SigningKeys = SigningKeyRing.Create(TestHost.Key1));
        using var sp = services.BuildServiceProvider();
        Assert.IsType<InMemoryCarteAuthSessionStore>(sp.GetRequiredService<ICarteAuthSessionStore>());
        Assert.IsType<CarteAuthAuthorizationPolicyProvider>(sp.GetRequiredService<Microsoft.AspNetCore.Authorization.IAuthorizationPolicyProvider>());
        Assert.IsType<CarteAuthAuthorizationResultHandler>(sp.GetRequiredService<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler>());
        Assert.Equal("carteauth", sp.GetRequiredService<IOptions<SessionTokenOptions>>().Value.Issuer);
    }

    [Fact]
    public void SessionTokenOptions_ConfiguredBeforeOrAfterAddCarteAuth_AreKept_OthersComeFromCarteAuthOptions()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCarteAuthInMemoryAudit();
        services.Configure<SessionTokenOptions>(t => t.Issuer = "https://portail.chu-exemple.fr");
        services.AddCarteAuth(o =>
        {
            o.SigningKeys = SigningKeyRing.Create(TestHost.Key1);
            o.TokenIssuer = "ignored-because-set-on-the-token-options";
            o.TokenAudience = "portail";
        });
        using (var sp = services.BuildServiceProvider())
        {
            var t = sp.GetRequiredService<IOptions<SessionTokenOptions>>().Value;
            Assert.Equal("https://portail.chu-exemple.fr", t.Issuer);
            Assert.Equal("portail", t.Audience);
        }

        services.Configure<SessionTokenOptions>(t => t.Audience = "gateway");
        using (var sp = services.BuildServiceProvider())
        {
            Assert.Equal("gateway", sp.GetRequiredService<IOptions<SessionTokenOptions>>().Value.Audience);
        }
    }

    /// <summary>The options validation failure of a host start (alone or inside an AggregateException).</summary>
    private static async Task<OptionsValidationException> StartFailsAsync(Func<Task<TestHost>> start)
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(start);
        return e as OptionsValidationException
            ?? new OptionsValidationException("all", typeof(object), [.. Assert.IsType<AggregateException>(e).InnerExceptions.OfType<OptionsValidationException>().SelectMany(x => x.Failures)]);
    }
}
