using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Revocation;
using CarteAuth.SmartCard.Tests.TestSupport;
using CarteAuth.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.SmartCard.Tests.Revocation;

/// <summary>The OCSP checker against openssl's real OCSP responder on 127.0.0.1.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // openssl
public sealed class OcspRevocationCheckerTests
{
    private const int Bound = 60_000;

    // No connection reuse: a loopback port freed by one test may be taken by the next test's server.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>A PKI written to disk (doctor good, pharmacist revoked) plus a card issued after the index was written (unknown).</summary>
    private static readonly Lazy<(DevPki Pki, TempDirectory Dir, DevCard Late)> Shared = new(() =>
    {
        var dir = new TempDirectory();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
        var pki = DevPki.CreateWithStandardCards();
        pki.Revoke(pki.Cards[1], DateTimeOffset.UtcNow.AddHours(-3));
        pki.WriteTo(dir.Path);
        using (var key = pki.Intermediate.GetRSAPrivateKey()!)
        {
            File.WriteAllText(Path.Combine(dir.Path, "intermediate.key.pem"), key.ExportPkcs8PrivateKeyPem() + "\n");
        }

        var late = pki.IssueCard(DevPki.StandardCards[0] with { Name = "late", NationalId = "810003000009" });
        return (pki, dir, late);
    });

    private static DevPki Pki => Shared.Value.Pki;

    private static string Dir => Shared.Value.Dir.Path;

    private static DevCard Doctor => Pki.Cards[0];

    private static DevCard Pharmacist => Pki.Cards[1];

    private static OcspRevocationChecker Checker(Uri? url, TimeProvider? time = null, Action<OcspRevocationOptions>? configure = null)
    {
        var options = new OcspRevocationOptions { ResponderUrl = url, RequestTimeout = TimeSpan.FromSeconds(15) };
        configure?.Invoke(options);
        return new OcspRevocationChecker(Http, options, time);
    }

    [Fact(Timeout = Bound)]
    public async Task Good_card_is_good_and_the_answer_is_cached()
    {
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 5);
        var checker = Checker(responder.Url);

        var first = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        var second = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, first.Status);
        Assert.Null(first.ReasonCode);
        Assert.False(first.Degraded);
        Assert.Same(first, second);
        Assert.Equal(1, responder.Requests);
    }

    [Fact(Timeout = Bound)]
    public async Task Responder_from_the_certificate_aia_is_used_when_no_url_is_configured()
    {
        using var dir = new TempDirectory();
        await using var responder = new OpensslOcspResponder(dir.Path, maxRequests: 5);
        using var pki = DevPki.CreateWithStandardCards(new DevPkiOptions { OcspUrl = responder.Url });
        pki.WriteTo(dir.Path);

        var result = await Checker(null).CheckAsync(pki.Cards[3].Certificate, pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, result.Status);
        Assert.Equal(1, responder.Requests);
    }

    [Fact(Timeout = Bound)]
    public async Task Certificate_without_aia_and_no_url_has_no_source()
    {
        var result = await Checker(null).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertRevocationNoSource, result.ReasonCode);
        Assert.Contains("ResponderUrl", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Revoked_card_is_revoked_with_its_revocation_time()
    {
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 5);

        var result = await Checker(responder.Url).CheckAsync(Pharmacist.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Revoked, result.Status);
        Assert.Equal(ReasonCodes.CertRevoked, result.ReasonCode);
        Assert.InRange(result.RevokedAt!.Value, DateTimeOffset.UtcNow.AddHours(-3).AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(-3).AddMinutes(1));
    }

    [Fact(Timeout = Bound)]
    public async Task Card_missing_from_the_index_is_unknown_and_not_cached()
    {
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 5);
        var checker = Checker(responder.Url);

        var result = await checker.CheckAsync(Shared.Value.Late.Certificate, Pki.Intermediate);
        await checker.CheckAsync(Shared.Value.Late.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unknown, result.Status);
        Assert.Equal(ReasonCodes.CertRevocationUnknown, result.ReasonCode);
        Assert.False(result.IsAccepted);
        Assert.Equal(2, responder.Requests);
    }

    [Fact(Timeout = Bound)]
    public async Task Response_signed_by_the_issuer_itself_is_accepted()
    {
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 5,
            signerCert: Path.Combine(Dir, "intermediate.pem"), signerKey: Path.Combine(Dir, "intermediate.key.pem"));

        var result = await Checker(responder.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, result.Status);
    }

    [Fact(Timeout = Bound)]
    public async Task Response_signed_by_a_responder_of_another_ca_has_a_bad_signature()
    {
        using var otherDir = new TempDirectory();
        using var other = DevPki.Create();
        other.WriteTo(otherDir.Path);
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 5,
            signerCert: Path.Combine(otherDir.Path, "ocsp-responder.pem"), signerKey: Path.Combine(otherDir.Path, "ocsp-responder.key.pem"));

        var result = await Checker(responder.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertOcspBadSignature, result.ReasonCode);
        Assert.Contains("did not issue", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Response_signed_by_a_card_of_the_issuer_lacks_ocsp_signing()
    {
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 5,
            signerCert: Path.Combine(Dir, "cards", "nurse.pem"), signerKey: Path.Combine(Dir, "cards", "nurse.key.pem"));

        var result = await Checker(responder.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(ReasonCodes.CertOcspBadSignature, result.ReasonCode);
        Assert.Contains("OCSPSigning", result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Responder_down_is_unavailable_and_fails_closed_by_default()
    {
        var url = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/");

        var result = await Checker(url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.False(result.Degraded);
        Assert.Contains("could not be reached", result.Message, StringComparison.Ordinal);
    }

    /// <summary>Fault matrix (docs/faults.md): one checker, the responder down, then stalling, then back on the same port.</summary>
    [Fact(Timeout = Bound)]
    public async Task Responder_down_then_stalling_then_back_fails_closed_then_recovers_without_a_restart()
    {
        var port = LoopbackHttpServer.FreePort();
        var checker = Checker(new Uri($"http://127.0.0.1:{port}/"), configure: o => o.RequestTimeout = TimeSpan.FromSeconds(1));

        // Down (closed port): unavailable, refused (fail closed is the default policy).
        var down = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        Assert.Equal(ReasonCodes.CertRevocationUnavailable, down.ReasonCode);
        Assert.False(down.IsAccepted);

        // Stalling: the port accepts connections and never answers; the request timeout bounds the wait.
        using (var stall = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port))
        {
            stall.Start();
            var held = new List<System.Net.Sockets.TcpClient>();
            var accepting = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        held.Add(await stall.AcceptTcpClientAsync());
                    }
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
                {
                }
            });
            var started = DateTime.UtcNow;
            var slow = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
            Assert.Equal(ReasonCodes.CertRevocationUnavailable, slow.ReasonCode);
            Assert.Contains("RequestTimeout", slow.Message, StringComparison.Ordinal);
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
            stall.Stop();
            await accepting;
            held.ForEach(c => c.Dispose());
        }

        // Back on the same port: the same checker gets a fresh good answer (failures are not cached).
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 5, port: port);
        var back = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        Assert.Equal(RevocationStatus.Good, back.Status);
        Assert.True(back.IsAccepted);
        Assert.Equal(RevocationStatus.Revoked, (await checker.CheckAsync(Pharmacist.Certificate, Pki.Intermediate)).Status);
    }

    [Fact(Timeout = Bound)]
    public async Task Slow_responder_times_out_as_unavailable()
    {
        await using var server = new LoopbackHttpServer { Delay = TimeSpan.FromSeconds(5), Body = [0x30, 0x03, 0x0A, 0x01, 0x00] };

        var result = await Checker(server.Url, configure: o => o.RequestTimeout = TimeSpan.FromMilliseconds(500)).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.Contains("RequestTimeout", result.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = Bound)]
    [InlineData(200, "garbage", "not an OCSP response")]
    [InlineData(500, "oops", "HTTP 500")]
    [InlineData(200, "trylater", "tryLater")]
    [InlineData(200, "unauthorized", "unauthorized")]
    public async Task Garbage_http_errors_and_unsuccessful_statuses_are_unavailable(int status, string body, string expected)
    {
        byte[] bytes = body switch
        {
            "trylater" => [0x30, 0x03, 0x0A, 0x01, 0x03], // OCSPResponse { responseStatus tryLater }
            "unauthorized" => [0x30, 0x03, 0x0A, 0x01, 0x06],
            _ => System.Text.Encoding.ASCII.GetBytes(body),
        };
        await using var server = new LoopbackHttpServer { StatusCode = status, Body = bytes };

        var result = await Checker(server.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.Contains(expected, result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Replayed_response_with_another_nonce_is_refused()
    {
        var recorded = await RecordAsync(nonce: true);
        await using var server = new LoopbackHttpServer { Body = recorded };

        var result = await Checker(server.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertOcspNonceMismatch, result.ReasonCode);
    }

    [Fact(Timeout = Bound)]
    public async Task Response_without_nonce_is_accepted_unless_a_nonce_is_required()
    {
        var recorded = await RecordAsync(nonce: false);
        await using var server = new LoopbackHttpServer { Body = recorded };

        var lenient = await Checker(server.Url).CheckAsync(Doctor.Certificate, Pki.Intermediate);
        var strict = await Checker(server.Url, configure: o => o.RequireNonce = true).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, lenient.Status);
        Assert.Equal(ReasonCodes.CertOcspNonceMismatch, strict.ReasonCode);
    }

    [Fact(Timeout = Bound)]
    public async Task Response_for_another_certificate_is_unavailable()
    {
        var recorded = await RecordAsync(nonce: false);
        await using var server = new LoopbackHttpServer { Body = recorded };

        var result = await Checker(server.Url).CheckAsync(Pki.Cards[2].Certificate, Pki.Intermediate);

        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.Contains("CertID", result.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = Bound)]
    [InlineData(60, "nextUpdate")] // openssl's nextUpdate is 10 minutes after thisUpdate
    [InlineData(-60, "future")]
    [InlineData(5, "MaxResponseAge")]
    public async Task Responses_that_are_not_fresh_are_stale(int minutesFromNow, string expected)
    {
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 5);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(minutesFromNow));

        var result = await Checker(responder.Url, time, o => o.MaxResponseAge = TimeSpan.FromMinutes(2)).CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Unavailable, result.Status);
        Assert.Equal(ReasonCodes.CertOcspStale, result.ReasonCode);
        Assert.Contains(expected, result.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Bound)]
    public async Task Cache_ends_at_next_update_or_the_configured_maximum()
    {
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 5);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var checker = Checker(responder.Url, time, o => o.MaxCacheDuration = TimeSpan.FromMinutes(3));

        await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        time.Advance(TimeSpan.FromMinutes(2));
        await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        Assert.Equal(1, responder.Requests);
        time.Advance(TimeSpan.FromMinutes(2));
        var again = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(2, responder.Requests);
        Assert.Equal(RevocationStatus.Good, again.Status);
    }

    [Fact(Timeout = Bound)]
    public async Task Degraded_mode_accepts_on_the_last_good_answer_for_its_duration_then_refuses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var responder = new OpensslOcspResponder(Dir, maxRequests: 5);
        var checker = Checker(responder.Url, time, o =>
        {
            o.FailurePolicy = RevocationFailurePolicy.Degraded;
            o.DegradedModeDuration = TimeSpan.FromMinutes(30);
        });
        Assert.Equal(RevocationStatus.Good, (await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate)).Status);
        Assert.Equal(RevocationStatus.Revoked, (await checker.CheckAsync(Pharmacist.Certificate, Pki.Intermediate)).Status);
        await responder.DisposeAsync();

        time.Advance(TimeSpan.FromMinutes(11)); // past openssl's nextUpdate: the cached answers expired
        var degraded = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);
        var revoked = await checker.CheckAsync(Pharmacist.Certificate, Pki.Intermediate);
        time.Advance(TimeSpan.FromMinutes(20));
        var expired = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.Equal(RevocationStatus.Good, degraded.Status);
        Assert.True(degraded.Degraded);
        Assert.Equal(ReasonCodes.CertRevocationDegraded, degraded.ReasonCode);
        Assert.Equal(RevocationStatus.Unavailable, revoked.Status); // a revoked card never had a good answer
        Assert.False(revoked.IsAccepted);
        Assert.Equal(RevocationStatus.Unavailable, expired.Status);
        Assert.False(expired.Degraded);
    }

    [Fact(Timeout = Bound)]
    public async Task Degraded_mode_never_covers_a_bad_signature()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var otherDir = new TempDirectory();
        using var other = DevPki.Create();
        other.WriteTo(otherDir.Path);
        await using var good = new OpensslOcspResponder(Dir, maxRequests: 5);
        await using var forged = new OpensslOcspResponder(Dir, maxRequests: 5,
            signerCert: Path.Combine(otherDir.Path, "ocsp-responder.pem"), signerKey: Path.Combine(otherDir.Path, "ocsp-responder.key.pem"));
        var options = new OcspRevocationOptions { ResponderUrl = good.Url, FailurePolicy = RevocationFailurePolicy.Degraded, MaxCacheDuration = TimeSpan.Zero };
        var checker = new OcspRevocationChecker(Http, options, time);
        Assert.Equal(RevocationStatus.Good, (await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate)).Status);

        options.ResponderUrl = forged.Url;
        var result = await checker.CheckAsync(Doctor.Certificate, Pki.Intermediate);

        Assert.False(result.Degraded);
        Assert.Equal(ReasonCodes.CertOcspBadSignature, result.ReasonCode);
    }

    [Fact(Timeout = Bound)]
    public async Task Wrong_issuer_is_reported_without_asking_the_responder()
    {
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 5);

        var result = await Checker(responder.Url).CheckAsync(Doctor.Certificate, Pki.Root);

        Assert.Equal(ReasonCodes.CertRevocationWrongIssuer, result.ReasonCode);
        Assert.Equal(0, responder.Requests);
    }

    [Theory]
    [InlineData("age")]
    [InlineData("nonce")]
    [InlineData("url")]
    [InlineData("policy")]
    public void Invalid_options_are_refused_with_a_reason_code(string what)
    {
        var options = new OcspRevocationOptions();
        switch (what)
        {
            case "age": options.MaxResponseAge = TimeSpan.Zero; break;
            case "nonce": options.UseNonce = false; options.RequireNonce = true; break;
            case "url": options.ResponderUrl = new Uri("file:///etc/passwd"); break;
            default: options.FailurePolicy = (RevocationFailurePolicy)42; break;
        }

        var e = Assert.Throws<CarteAuthException>(() => new OcspRevocationChecker(Http, options));

        Assert.Equal(ReasonCodes.CertRevocationInvalidOptions, e.ReasonCode);
    }

    /// <summary>An answer from the real responder to openssl's own request (with or without its nonce), to replay.</summary>
    private static async Task<byte[]> RecordAsync(bool nonce)
    {
        await using var responder = new OpensslOcspResponder(Dir, maxRequests: 2);
        var output = Path.Combine(Dir, $"recorded-{Guid.NewGuid():N}.der");
        string[] args = ["ocsp", "-issuer", Path.Combine(Dir, "intermediate.pem"), "-cert", Path.Combine(Dir, "cards", "doctor.pem"),
            "-url", responder.Url.AbsoluteUri, "-respout", output, "-noverify", "-timeout", "10", nonce ? "-nonce" : "-no_nonce"];
        var (code, text) = Openssl.Run(args);
        Assert.True(code == 0 && File.Exists(output), text);
        return await File.ReadAllBytesAsync(output);
    }
}
