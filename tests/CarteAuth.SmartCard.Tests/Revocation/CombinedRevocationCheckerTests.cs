using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Revocation;
using CarteAuth.SmartCard.Tests.TestSupport;
using CarteAuth.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.SmartCard.Tests.Revocation;

/// <summary>OCSP first, CRL fallback, with the real openssl responder and a loopback CRL server.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // openssl
public sealed class CombinedRevocationCheckerTests
{
    private const int Bound = 60_000;

    // No connection reuse: a loopback port freed by one test may be taken by the next test's server.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(20) };

    private static readonly Lazy<(DevPki Pki, TempDirectory Dir)> Shared = new(() =>
    {
        var dir = new TempDirectory();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
        var pki = DevPki.CreateWithStandardCards();
        pki.Revoke(pki.Cards[1]);
        pki.WriteTo(dir.Path);
        return (pki, dir);
    });

    private static DevPki Pki => Shared.Value.Pki;

    private static Uri Down => new($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/");

    private static CombinedRevocationChecker Checker(Uri ocsp, Uri crl, TimeProvider? time = null, RevocationFailurePolicy policy = RevocationFailurePolicy.FailClosed) => new(
        new OcspRevocationChecker(Http, new OcspRevocationOptions { ResponderUrl = ocsp, FailurePolicy = policy, DegradedModeDuration = TimeSpan.FromHours(1) }, time),
        new CrlRevocationChecker(Http, new CrlRevocationOptions { CrlUrl = crl, FailurePolicy = policy, DegradedModeDuration = TimeSpan.FromHours(1) }, time));

    [Fact(Timeout = Bound)]
    public async Task Ocsp_answer_wins_and_the_crl_is_not_downloaded()
    {
        await using var responder = new OpensslOcspResponder(Shared.Value.Dir.Path, maxRequests: 5);
        await using var crl = new LoopbackHttpServer { Body = Pki.BuildCrl() };
        var checker = Checker(responder.Url, crl.Url);

        var good = await checker.CheckAsync(Pki.Cards[0].Certificate, Pki.Intermediate);
        var revoked = await checker.CheckAsync(Pki.Cards[1].Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, good.Status);
        Assert.Equal(RevocationStatus.Revoked, revoked.Status);
        Assert.Equal(0, crl.Requests);
    }

    [Fact(Timeout = Bound)]
    public async Task Crl_answers_when_the_responder_is_down()
    {
        await using var crl = new LoopbackHttpServer { Body = Pki.BuildCrl() };
        var checker = Checker(Down, crl.Url);

        var good = await checker.CheckAsync(Pki.Cards[0].Certificate, Pki.Intermediate);
        var revoked = await checker.CheckAsync(Pki.Cards[1].Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, good.Status);
        Assert.False(good.Degraded);
        Assert.Equal(RevocationStatus.Revoked, revoked.Status);
        Assert.Equal(1, crl.Requests);
    }

    [Fact(Timeout = Bound)]
    public async Task Both_down_is_unavailable_with_both_reasons()
    {
        await using var garbage = new LoopbackHttpServer { Body = "nope"u8.ToArray() };

        var result = await Checker(Down, garbage.Url).CheckAsync(Pki.Cards[0].Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.Contains("Primary:", result.Message, StringComparison.Ordinal);
        Assert.Contains("not a CRL", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task A_fresh_crl_answer_is_preferred_to_a_degraded_ocsp_acceptance()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var responder = new OpensslOcspResponder(Shared.Value.Dir.Path, maxRequests: 5);
        await using var crl = new LoopbackHttpServer { StatusCode = 503 };
        var checker = Checker(responder.Url, crl.Url, time, RevocationFailurePolicy.Degraded);
        Assert.Equal(RevocationStatus.Good, (await checker.CheckAsync(Pki.Cards[0].Certificate, Pki.Intermediate)).Status);
        await responder.DisposeAsync();
        time.Advance(TimeSpan.FromMinutes(11));

        var degraded = await checker.CheckAsync(Pki.Cards[0].Certificate, Pki.Intermediate);
        crl.StatusCode = 200;
        crl.Body = Pki.BuildCrl(time.GetUtcNow().AddMinutes(-1), time.GetUtcNow().AddHours(1));
        var fresh = await checker.CheckAsync(Pki.Cards[0].Certificate, Pki.Intermediate);

        Assert.True(degraded.Degraded);
        Assert.Equal(RevocationStatus.Good, fresh.Status);
        Assert.False(fresh.Degraded);
    }

    [Fact(Timeout = Bound)]
    public async Task Wrong_issuer_is_not_retried()
    {
        await using var crl = new LoopbackHttpServer { Body = Pki.BuildCrl() };

        var result = await Checker(Down, crl.Url).CheckAsync(Pki.Cards[0].Certificate, Pki.Root);

        Assert.Equal(ReasonCodes.CertRevocationWrongIssuer, result.ReasonCode);
        Assert.Equal(0, crl.Requests);
    }
}
