using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Tests.TestSupport;

namespace CarteAuth.Cli.Tests;

/// <summary>
/// <c>carteauth cert verify --ocsp/--crl</c> against openssl's real OCSP responder and a loopback CRL server, with a
/// dev PKI written to a temporary folder whose certificates point at them (AIA OCSP, CRL distribution point).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // openssl
public sealed class CertRevocationCommandTests : IAsyncLifetime
{
    private const int Bound = 60_000;

    private readonly TempDirectory _dir = new();
    private OpensslOcspResponder _responder = null!;
    private LoopbackHttpServer _crlServer = null!;
    private DevPki _pki = null!;

    public Task InitializeAsync()
    {
        _responder = new OpensslOcspResponder(_dir.Path, maxRequests: 20);
        _crlServer = new LoopbackHttpServer(maxRequests: 20);
        _pki = DevPki.CreateWithStandardCards(new DevPkiOptions { OcspUrl = _responder.Url, CrlUrl = _crlServer.UrlFor("fort-personnes.crl") });
        _pki.Revoke(_pki.Cards[1], DateTimeOffset.UtcNow.AddHours(-2));
        _pki.WriteTo(_dir.Path);
        _crlServer.Body = File.ReadAllBytes(Path.Combine(_dir.Path, "fort-personnes.crl"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _responder.DisposeAsync();
        await _crlServer.DisposeAsync();
        _pki.Dispose();
        _dir.Dispose();
    }

    private string Pki(params string[] parts) => Path.Combine([_dir.Path, .. parts]);

    private Task<CliRun> Verify(string card, params string[] more) =>
        CliRun.RunAsync(["cert", "verify", Pki("cards", card + ".pem"), "--anchors", Pki("root.pem"), "--intermediates", Pki("intermediate.pem"), .. more]);

    [Fact(Timeout = Bound)]
    public async Task Ocsp_from_the_certificate_aia_says_good()
    {
        var json = await Verify("doctor", "--ocsp", "--json");
        var text = await Verify("doctor", "--ocsp");

        Assert.Equal(0, json.ExitCode);
        Assert.True((bool?)json.Json["accepted"]);
        Assert.Equal("good", (string?)json.Json["revocation"]);
        Assert.Null((string?)json.Json["revocationReasonCode"]);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("revocation: good", text.Stdout, StringComparison.Ordinal);
        Assert.True(_responder.Requests >= 2);
    }

    [Fact(Timeout = Bound)]
    public async Task Ocsp_says_revoked_and_the_card_is_refused_with_exit_1()
    {
        var json = await Verify("pharmacist", "--ocsp", _responder.Url.AbsoluteUri, "--json");
        var text = await Verify("pharmacist", "--ocsp");

        Assert.Equal(1, json.ExitCode);
        Assert.Equal("cert.revoked", (string?)json.Json["reasonCode"]);
        Assert.Equal("revoked", (string?)json.Json["revocation"]);
        Assert.Equal("cert.revoked", (string?)json.Json["revocationReasonCode"]);
        Assert.Equal("899700075122", (string?)json.Json["idNat"]);
        Assert.Equal(1, text.ExitCode);
        Assert.Contains("revocation: revoked [cert.revoked]", text.Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Responder_down_fails_closed_with_exit_1_and_revocation_unavailable()
    {
        var down = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/");

        var run = await Verify("doctor", "--ocsp", down.AbsoluteUri, "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("cert.revocation-unavailable", (string?)run.Json["reasonCode"]);
        Assert.Equal("unavailable", (string?)run.Json["revocation"]);
        Assert.Equal("cert.revocation-unavailable", (string?)run.Json["revocationReasonCode"]);
    }

    [Fact(Timeout = Bound)]
    public async Task Degraded_mode_without_a_previous_good_answer_still_refuses()
    {
        var down = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/");

        var run = await Verify("doctor", "--ocsp", down.AbsoluteUri, "--degraded-minutes", "60", "--json");

        // A one-shot command has no last good answer to fall back on: débrayage cannot accept, it fails closed.
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("unavailable", (string?)run.Json["revocation"]);
    }

    [Fact(Timeout = Bound)]
    public async Task Crl_from_the_distribution_point_says_good_and_revoked()
    {
        var good = await Verify("nurse", "--crl", "--json");
        var revoked = await Verify("pharmacist", "--crl", _crlServer.UrlFor("fort-personnes.crl").AbsoluteUri, "--json");

        Assert.Equal(0, good.ExitCode);
        Assert.Equal("good", (string?)good.Json["revocation"]);
        Assert.Equal(1, revoked.ExitCode);
        Assert.Equal("cert.revoked", (string?)revoked.Json["reasonCode"]);
        Assert.Equal("revoked", (string?)revoked.Json["revocation"]);
        Assert.True(_crlServer.Requests >= 2);
    }

    [Fact(Timeout = Bound)]
    public async Task Both_ask_ocsp_first_then_the_crl_when_the_responder_is_down()
    {
        var down = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/");

        var viaOcsp = await Verify("doctor", "--ocsp", "--crl", "--json");
        var crlBefore = _crlServer.Requests;
        var fallback = await Verify("doctor", "--ocsp", down.AbsoluteUri, "--crl", "--json");
        var crlAfter = _crlServer.Requests;
        var revoked = await Verify("pharmacist", "--ocsp", down.AbsoluteUri, "--crl", "--json");

        Assert.Equal(0, viaOcsp.ExitCode);
        Assert.Equal("good", (string?)viaOcsp.Json["revocation"]);
        Assert.Equal(0, crlBefore);
        Assert.Equal(0, fallback.ExitCode);
        Assert.Equal("good", (string?)fallback.Json["revocation"]);
        Assert.Equal(1, crlAfter);
        Assert.Equal(1, revoked.ExitCode);
        Assert.Equal("cert.revoked", (string?)revoked.Json["reasonCode"]);
    }

    [Fact(Timeout = Bound)]
    public async Task Both_sources_down_fail_closed()
    {
        var down = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/");

        var run = await Verify("doctor", "--ocsp", down.AbsoluteUri, "--crl", new Uri(down, "x.crl").AbsoluteUri, "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("cert.revocation-unavailable", (string?)run.Json["reasonCode"]);
        Assert.Equal("unavailable", (string?)run.Json["revocation"]);
    }

    [Fact(Timeout = Bound)]
    public async Task Bad_revocation_options_are_usage_errors()
    {
        var ftp = await Verify("doctor", "--ocsp", "ftp://ocsp.example/", "--json");
        var relative = await Verify("doctor", "--crl", "crl/x.crl", "--json");
        var degradedAlone = await Verify("doctor", "--degraded-minutes", "30", "--json");
        var degradedZero = await Verify("doctor", "--ocsp", "--degraded-minutes", "0", "--json");
        var degradedNotNumber = await Verify("doctor", "--ocsp", "--degraded-minutes", "many", "--json");

        foreach (var run in new[] { ftp, relative, degradedAlone, degradedZero, degradedNotNumber })
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Equal("cli.usage", (string?)run.Json["reasonCode"]);
        }

        Assert.Contains("--ocsp", (string?)ftp.Json["error"], StringComparison.Ordinal);
        Assert.Contains("--ocsp and/or --crl", (string?)degradedAlone.Json["error"], StringComparison.Ordinal);
        Assert.Equal(0, _responder.Requests);
    }
}
