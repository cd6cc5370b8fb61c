using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Revocation;
using CarteAuth.SmartCard.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.SmartCard.Tests.Revocation;

/// <summary>The CRL checker against CRLs served over HTTP by a real listener on 127.0.0.1.</summary>
public sealed class CrlRevocationCheckerTests
{
    private const int Bound = 30_000;

    // Cards carry a distribution point where nothing listens; tests configure CrlUrl, except the one that uses the extension.
    private static readonly Lazy<DevPki> Shared = new(() =>
    {
        var pki = DevPki.CreateWithStandardCards(new DevPkiOptions { CrlUrl = new Uri("http://127.0.0.1:1/fort-personnes.crl") });
        pki.Revoke(pki.Cards[1], DateTimeOffset.UtcNow.AddHours(-2));
        return pki;
    });

    private static DevPki Pki => Shared.Value;

    private static DevCard Doctor => Pki.Cards[0];

    private static DevCard Pharmacist => Pki.Cards[1];

    // No connection reuse: a loopback port freed by one test may be taken by the next test's server.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(20) };

    private static CrlRevocationChecker Checker(Uri? url, TimeProvider? time = null, Action<CrlRevocationOptions>? configure = null, ListLogger<CrlRevocationChecker>? logger = null)
    {
        var options = new CrlRevocationOptions { CrlUrl = url, RequestTimeout = TimeSpan.FromSeconds(5) };
        configure?.Invoke(options);
        return new CrlRevocationChecker(Http, options, time, logger);
    }

    [Fact(Timeout = Bound)]
    public async Task Card_not_on_the_crl_is_good_and_the_crl_is_downloaded_once()
    {
        await using var server = new LoopbackHttpServer { Body = Pki.BuildCrl() };
        var checker = Checker(server.UrlFor("fort-personnes.crl"));

        var first = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        var second = await checker.CheckAsync(Pki.Cards[2].Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, first.Status);
        Assert.Null(first.ReasonCode);
        Assert.False(first.Degraded);
        Assert.Equal(RevocationStatus.Good, second.Status);
        Assert.Equal(1, server.Requests);
    }

    [Fact(Timeout = Bound)]
    public async Task Card_on_the_crl_is_revoked_with_its_revocation_time()
    {
        await using var server = new LoopbackHttpServer { Body = Pki.BuildCrl() };

        var result = await Checker(server.Url).CheckAsync(Pharmacist.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Revoked, result.Status);
        Assert.Equal(ReasonCodes.CertRevoked, result.ReasonCode);
        Assert.NotNull(result.RevokedAt);
        Assert.InRange(result.RevokedAt!.Value, DateTimeOffset.UtcNow.AddHours(-2).AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(-2).AddMinutes(1));
        Assert.False(result.IsAccepted);
    }

    [Fact(Timeout = Bound)]
    public async Task Distribution_point_of_the_certificate_is_used_when_no_url_is_configured()
    {
        await using var server = new LoopbackHttpServer();
        using var pki = DevPki.CreateWithStandardCards(new DevPkiOptions { CrlUrl = server.UrlFor("fort-personnes.crl") });
        server.Body = pki.BuildCrl();

        var result = await Checker(null).CheckAsync(pki.Cards[0].Certificate, pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, result.Status);
        Assert.Equal(1, server.Requests);
    }

    [Fact(Timeout = Bound)]
    public async Task Certificate_without_distribution_point_and_no_url_has_no_source()
    {
        using var pki = DevPki.CreateWithStandardCards();

        var result = await Checker(null).CheckAsync(pki.Cards[0].Certificate, pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertRevocationNoSource, result.ReasonCode);
        Assert.Contains("CrlUrl", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Stale_crl_is_refused_but_still_proves_a_listed_serial_revoked()
    {
        var stale = Pki.BuildCrl(DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow.AddDays(-2));
        await using var server = new LoopbackHttpServer { Body = stale };
        var checker = Checker(server.Url);

        var good = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        var revoked = await checker.CheckAsync(Pharmacist.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, good.Status);
        Assert.Equal(ReasonCodes.CertCrlStale, good.ReasonCode);
        Assert.Contains("nextUpdate", good.Message, StringComparison.Ordinal);
        Assert.Equal(RevocationStatus.Revoked, revoked.Status);
    }

    /// <summary>Fault matrix (docs/faults.md): an expired CRL fails closed; once a fresh one is published the same checker accepts.</summary>
    [Fact(Timeout = Bound)]
    public async Task Expired_crl_fails_closed_then_a_fresh_crl_is_accepted_without_a_restart()
    {
        await using var server = new LoopbackHttpServer { Body = Pki.BuildCrl(DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow.AddDays(-1)) };
        var checker = Checker(server.Url);

        var expired = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        Assert.Equal(ReasonCodes.CertCrlStale, expired.ReasonCode);
        Assert.False(expired.IsAccepted);
        Assert.False(expired.Degraded);

        server.Body = Pki.BuildCrl();
        var fresh = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, fresh.Status);
        Assert.Equal(2, server.Requests); // the expired CRL was not cached
    }

    /// <summary>Fault matrix (docs/faults.md): one checker, the CRL server down, then back on the same port.</summary>
    [Fact(Timeout = Bound)]
    public async Task Crl_server_down_then_back_recovers_without_a_restart()
    {
        var port = LoopbackHttpServer.FreePort();
        var checker = Checker(new Uri($"http://127.0.0.1:{port}/c.crl"));

        var down = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        Assert.Equal(ReasonCodes.CertRevocationUnavailable, down.ReasonCode);
        Assert.False(down.IsAccepted);

        await using var server = new LoopbackHttpServer(port: port) { Body = Pki.BuildCrl() };
        Assert.Equal(RevocationStatus.Good, (await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate)).Status);
        Assert.Equal(RevocationStatus.Revoked, (await checker.CheckAsync(Pharmacist.Certificate, Pki.Intermediate)).Status);
    }

    [Fact(Timeout = Bound)]
    public async Task Crl_within_the_next_update_tolerance_is_used_and_beyond_it_is_stale()
    {
        var now = DateTimeOffset.UtcNow;
        await using var server = new LoopbackHttpServer { Body = Pki.BuildCrl(now.AddDays(-1), now.AddMinutes(-30)) };

        var tolerated = await Checker(server.Url, configure: o => o.NextUpdateTolerance = TimeSpan.FromHours(1)).CheckAsync(Doctor.Certificate, Pki.Intermediate);
        var strict = await Checker(server.Url, configure: o => o.NextUpdateTolerance = TimeSpan.FromMinutes(10)).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.True(tolerated.Status == RevocationStatus.Good, tolerated.ToString());
        Assert.True(strict.ReasonCode == ReasonCodes.CertCrlStale, strict.ToString());
    }

    [Fact(Timeout = Bound)]
    public async Task Crl_from_the_future_is_stale()
    {
        await using var server = new LoopbackHttpServer { Body = Pki.BuildCrl(DateTimeOffset.UtcNow.AddHours(2), DateTimeOffset.UtcNow.AddDays(1)) };

        var result = await Checker(server.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(ReasonCodes.CertCrlStale, result.ReasonCode);
        Assert.Contains("clock", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Crl_signed_by_another_ca_with_the_same_name_has_a_bad_signature()
    {
        using var impostor = DevPki.Create();
        await using var server = new LoopbackHttpServer { Body = impostor.BuildCrl() };

        var result = await Checker(server.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertCrlBadSignature, result.ReasonCode);
        Assert.Contains("signature", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Crl_of_another_ca_name_has_a_bad_signature()
    {
        using var elementaire = DevPki.Create(new DevPkiOptions { Range = IgcSanteRange.Elementaire });
        await using var server = new LoopbackHttpServer { Body = elementaire.BuildCrl() };

        var result = await Checker(server.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(ReasonCodes.CertCrlBadSignature, result.ReasonCode);
        Assert.Contains("ELEMENTAIRE", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Garbage_body_is_unavailable()
    {
        await using var server = new LoopbackHttpServer { Body = "<html>captive portal</html>"u8.ToArray() };

        var result = await Checker(server.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.Contains("not a CRL", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Http_error_is_unavailable()
    {
        await using var server = new LoopbackHttpServer { StatusCode = 404, Body = "not found"u8.ToArray() };

        var result = await Checker(server.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.Contains("HTTP 404", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Oversized_body_is_unavailable()
    {
        await using var server = new LoopbackHttpServer { Body = new byte[4096] };

        var result = await Checker(server.Url, configure: o => o.MaxResponseBytes = 1024).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.Contains("MaxResponseBytes", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Server_down_is_unavailable()
    {
        var url = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/fort-personnes.crl");

        var result = await Checker(url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.False(result.IsAccepted);
    }

    [Fact(Timeout = Bound)]
    public async Task Slow_server_times_out_as_unavailable()
    {
        await using var server = new LoopbackHttpServer { Body = Pki.BuildCrl(), Delay = TimeSpan.FromSeconds(5) };

        var result = await Checker(server.Url, configure: o => o.RequestTimeout = TimeSpan.FromMilliseconds(500)).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.Contains("RequestTimeout", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Wrong_issuer_is_reported()
    {
        await using var server = new LoopbackHttpServer { Body = Pki.BuildCrl() };
        using var impostor = DevPki.Create();

        var byName = await Checker(server.Url).CheckAsync(Doctor.Certificate, Pki.Root);
        var byKey = await Checker(server.Url).CheckAsync(Doctor.Certificate, impostor.Intermediate);

        Assert.Equal(ReasonCodes.CertRevocationWrongIssuer, byName.ReasonCode);
        Assert.Equal(ReasonCodes.CertRevocationWrongIssuer, byKey.ReasonCode);
        Assert.Equal(0, server.Requests);
    }

    [Fact(Timeout = Bound)]
    public async Task Cache_lasts_until_next_update()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = new LoopbackHttpServer { Body = Pki.BuildCrl(time.GetUtcNow().AddMinutes(-1), time.GetUtcNow().AddMinutes(10)) };
        var checker = Checker(server.Url, time);

        await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        time.Advance(TimeSpan.FromMinutes(9));
        await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        Assert.Equal(1, server.Requests);

        server.Body = Pki.BuildCrl(time.GetUtcNow().AddMinutes(-1), time.GetUtcNow().AddHours(1));
        time.Advance(TimeSpan.FromMinutes(2));
        var after = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(2, server.Requests);
        Assert.Equal(RevocationStatus.Good, after.Status);
    }

    [Fact(Timeout = Bound)]
    public async Task Fail_closed_by_default_when_the_server_goes_down()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new LoopbackHttpServer { Body = Pki.BuildCrl(time.GetUtcNow().AddMinutes(-1), time.GetUtcNow().AddMinutes(10)) };
        var checker = Checker(server.UrlFor("c.crl"), time);
        Assert.Equal(RevocationStatus.Good, (await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate)).Status);
        await server.DisposeAsync();

        time.Advance(TimeSpan.FromMinutes(11));
        var result = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.False(result.Degraded);
    }

    [Fact(Timeout = Bound)]
    public async Task Degraded_mode_accepts_on_the_last_good_answer_for_its_duration_then_refuses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logger = new ListLogger<CrlRevocationChecker>();
        var server = new LoopbackHttpServer { Body = Pki.BuildCrl(time.GetUtcNow().AddMinutes(-1), time.GetUtcNow().AddMinutes(10)) };
        var checker = Checker(server.UrlFor("c.crl"), time, o =>
        {
            o.FailurePolicy = RevocationFailurePolicy.Degraded;
            o.DegradedModeDuration = TimeSpan.FromMinutes(30);
            o.NextUpdateTolerance = TimeSpan.Zero;
        }, logger);
        Assert.Equal(RevocationStatus.Good, (await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate)).Status);
        await server.DisposeAsync();

        time.Advance(TimeSpan.FromMinutes(20));
        var degraded = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        var neverSeen = await checker.CheckAsync(Pki.Cards[2].Certificate, Pki.Intermediate);
        time.Advance(TimeSpan.FromMinutes(11));
        var expired = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, degraded.Status);
        Assert.True(degraded.Degraded);
        Assert.True(degraded.IsAccepted);
        Assert.Equal(ReasonCodes.CertRevocationDegraded, degraded.ReasonCode);
        Assert.Contains(ReasonCodes.CertRevocationUnavailable, degraded.Message, StringComparison.Ordinal);
        Assert.Contains(logger.Entries, e => e.EventId == 2103 && e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Equal(RevocationStatus.Unavailable, neverSeen.Status);
        Assert.Contains("no earlier good answer", neverSeen.Message, StringComparison.Ordinal);
        Assert.Equal(RevocationStatus.Unavailable, expired.Status);
        Assert.False(expired.Degraded);
        Assert.Equal(ReasonCodes.CertRevocationUnavailable, expired.ReasonCode);
    }

    [Fact(Timeout = Bound)]
    public async Task Degraded_mode_covers_a_stale_crl_but_never_a_bad_signature()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = new LoopbackHttpServer { Body = Pki.BuildCrl(time.GetUtcNow().AddMinutes(-1), time.GetUtcNow().AddMinutes(10)) };
        var checker = Checker(server.Url, time, o =>
        {
            o.FailurePolicy = RevocationFailurePolicy.Degraded;
            o.DegradedModeDuration = TimeSpan.FromHours(2);
            o.NextUpdateTolerance = TimeSpan.Zero;
        });
        Assert.Equal(RevocationStatus.Good, (await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate)).Status);

        time.Advance(TimeSpan.FromMinutes(11)); // the CA publishes nothing new: the same CRL is now stale
        var stale = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        using var impostor = DevPki.Create();
        server.Body = impostor.BuildCrl(time.GetUtcNow().AddMinutes(-1), time.GetUtcNow().AddHours(1));
        var forged = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.True(stale.Degraded);
        Assert.Contains(ReasonCodes.CertCrlStale, stale.Message, StringComparison.Ordinal);
        Assert.False(forged.Degraded);
        Assert.Equal(ReasonCodes.CertCrlBadSignature, forged.ReasonCode);
    }

    [Fact(Timeout = Bound)]
    public async Task Caller_cancellation_propagates_instead_of_a_result()
    {
        await using var server = new LoopbackHttpServer { Body = Pki.BuildCrl(), Delay = TimeSpan.FromSeconds(5) };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Checker(server.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate, cancel.Token));
    }

    [Theory]
    [InlineData("timeout")]
    [InlineData("skew")]
    [InlineData("tolerance")]
    [InlineData("url")]
    [InlineData("degraded")]
    [InlineData("size")]
    public void Invalid_options_are_refused_with_a_reason_code(string what)
    {
        var options = new CrlRevocationOptions();
        switch (what)
        {
            case "timeout": options.RequestTimeout = TimeSpan.Zero; break;
            case "skew": options.ClockSkew = TimeSpan.FromMinutes(-1); break;
            case "tolerance": options.NextUpdateTolerance = TimeSpan.FromMinutes(-1); break;
            case "url": options.CrlUrl = new Uri("ldap://ldap.example/cn=crl"); break;
            case "degraded": options.DegradedModeDuration = TimeSpan.Zero; break;
            default: options.MaxResponseBytes = 10; break;
        }

        var e = Assert.Throws<CarteAuthException>(() => new CrlRevocationChecker(Http, options));

        Assert.Equal(ReasonCodes.CertRevocationInvalidOptions, e.ReasonCode);
    }
}
