using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Revocation;
using CarteAuth.SmartCard.Tests.TestSupport;
using CarteAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CarteAuth.SmartCard.Tests.DependencyInjection;

public sealed class SmartCardServiceCollectionTests
{
    private const int Bound = 60_000;

    private static ServiceProvider Provider(Action<SmartCardOptions> configure, Action<CarteAuthSmartCardBuilder>? revocation = null)
    {
        var services = new ServiceCollection();
        services.AddCarteAuthCore().AddCarteAuthInMemoryAudit();
        var builder = services.AddCarteAuthSmartCard(configure);
        revocation?.Invoke(builder);
        // Not ValidateOnBuild: Core's policy evaluator needs policies, which these tests do not register.
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    private static void Trust(SmartCardOptions o, DevPki pki)
    {
        o.TrustAnchors.Add(pki.Root);
        o.Intermediates.Add(pki.Intermediate);
    }

    private static async Task<List<AuditEvent>> Events(IServiceProvider sp)
    {
        var events = new List<AuditEvent>();
        await foreach (var e in sp.GetRequiredService<IAuditStore>().ReadAsync())
        {
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public async Task Resolves_and_authenticates_a_dev_card_through_the_authentication_service_with_one_audit_event()
    {
        await using var sp = Provider(o => Trust(o, CardFixtures.Pki));
        sp.GetRequiredService<IStartupValidator>().Validate();

        var result = await sp.GetRequiredService<IAuthenticationService>().AuthenticateAsync(new ClientCertificateRequest(CardFixtures.Card("doctor")));

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal("smartcard", result.Evidence!.Authenticator);
        Assert.Equal("810002813839", result.Evidence.Identity.NationalId.Value);
        Assert.Equal(AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk, result.Evidence.Methods);
        Assert.Equal("not checked", result.Evidence.Properties["revocation"]);
        var audit = Assert.Single(await Events(sp));
        Assert.Equal("810002813839", audit.Subject);
        Assert.Equal("smartcard", audit.Authenticator);
        Assert.Contains(sp.GetServices<IAuthenticator>(), a => a is SmartCardAuthenticator);
        Assert.False(sp.GetRequiredService<SmartCardCertificateValidator>().ChecksRevocation);
        Assert.Same(sp.GetRequiredService<SmartCardAuthenticator>(), sp.GetServices<IAuthenticator>().OfType<SmartCardAuthenticator>().Single());
    }

    [Fact]
    public async Task A_card_of_another_pki_fails_with_its_reason_code_and_is_audited()
    {
        await using var sp = Provider(o => Trust(o, CardFixtures.Pki));

        var result = await sp.GetRequiredService<IAuthenticationService>().AuthenticateAsync(new ClientCertificateRequest(CardFixtures.OtherPki.Cards[0].Certificate));

        Assert.False(result.Succeeded);
        Assert.Equal("cert.untrusted-chain", result.ReasonCode);
        Assert.Equal("cert.untrusted-chain", Assert.Single(await Events(sp)).ReasonCode);
    }

    [Fact]
    public void Missing_anchors_fail_at_start_naming_the_fix()
    {
        using var sp = Provider(_ => { });

        var start = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());
        var resolve = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<SmartCardAuthenticator>());

        Assert.Contains("TrustAnchorPaths.Add", start.Message, StringComparison.Ordinal);
        Assert.Contains("AddCarteAuthSmartCard", resolve.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreadable_anchor_file_empty_ranges_and_bad_skew_fail_at_start()
    {
        using var dir = new TempDirectory();
        using var missingFile = Provider(o => o.TrustAnchorPaths.Add(dir.File("none.pem")));
        using var noRange = Provider(o => { Trust(o, CardFixtures.Pki); o.AllowedRanges.Clear(); });
        using var skew = Provider(o => { Trust(o, CardFixtures.Pki); o.ClockSkew = TimeSpan.FromHours(2); });

        var file = Assert.Throws<OptionsValidationException>(() => missingFile.GetRequiredService<IStartupValidator>().Validate());
        var range = Assert.Throws<OptionsValidationException>(() => noRange.GetRequiredService<IStartupValidator>().Validate());
        var clock = Assert.Throws<OptionsValidationException>(() => skew.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("none.pem", file.Message, StringComparison.Ordinal);
        Assert.Contains("cert.invalid-options", file.Message, StringComparison.Ordinal);
        Assert.Contains("AllowedRanges", range.Message, StringComparison.Ordinal);
        Assert.Contains("ClockSkew", clock.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_revocation_options_fail_at_start()
    {
        using var ocsp = Provider(o => Trust(o, CardFixtures.Pki), b => b.AddOcspRevocation(o => o.ResponderUrl = new Uri("ftp://ocsp.example/")));
        using var crl = Provider(o => Trust(o, CardFixtures.Pki), b => b.AddCrlRevocation(o => o.RequestTimeout = TimeSpan.Zero));

        var o1 = Assert.Throws<OptionsValidationException>(() => ocsp.GetRequiredService<IStartupValidator>().Validate());
        var o2 = Assert.Throws<OptionsValidationException>(() => crl.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("ResponderUrl", o1.Message, StringComparison.Ordinal);
        Assert.Contains("cert.revocation-invalid-options", o1.Message, StringComparison.Ordinal);
        Assert.Contains("RequestTimeout", o2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ocsp_and_crl_together_compose_ocsp_then_crl()
    {
        using var both = Provider(o => Trust(o, CardFixtures.Pki), b => b.AddOcspRevocation().AddCrlRevocation());
        using var crlOnly = Provider(o => Trust(o, CardFixtures.Pki), b => b.AddCrlRevocation());

        both.GetRequiredService<IStartupValidator>().Validate();
        Assert.True(both.GetRequiredService<SmartCardCertificateValidator>().ChecksRevocation);
        Assert.NotNull(both.GetRequiredService<OcspRevocationChecker>());
        Assert.NotNull(both.GetRequiredService<CrlRevocationChecker>());
        Assert.True(crlOnly.GetRequiredService<SmartCardCertificateValidator>().ChecksRevocation);
        Assert.Null(crlOnly.GetService<OcspRevocationChecker>());
    }

    [Fact]
    public void Null_arguments_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddCarteAuthSmartCard(_ => { }));
        Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddCarteAuthSmartCard(null!));
    }

    [Fact(Timeout = Bound)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // openssl
    public async Task Ocsp_through_di_and_the_http_client_factory_accepts_good_and_refuses_revoked_cards()
    {
        using var dir = new TempDirectory();
        using var pki = DevPki.CreateWithStandardCards();
        pki.Revoke(pki.Cards[1], DateTimeOffset.UtcNow.AddHours(-1));
        pki.WriteTo(dir.Path);
        await using var responder = new OpensslOcspResponder(dir.Path, maxRequests: 10);
        await using var sp = Provider(o => Trust(o, pki), b => b.AddOcspRevocation(o => o.ResponderUrl = responder.Url));
        var service = sp.GetRequiredService<IAuthenticationService>();

        var good = await service.AuthenticateAsync(new ClientCertificateRequest(pki.Cards[0].Certificate));
        var revoked = await service.AuthenticateAsync(new ClientCertificateRequest(pki.Cards[1].Certificate));

        Assert.True(good.Succeeded, good.FailureMessage);
        Assert.Equal("good", good.Evidence!.Properties["revocation"]);
        Assert.Equal("cert.revoked", revoked.ReasonCode);
        Assert.Equal(2, (await Events(sp)).Count);
        Assert.Equal(2, responder.Requests);
    }
}
