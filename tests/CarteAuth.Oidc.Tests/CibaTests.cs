using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Oidc.Tests;

public sealed class CibaTests : IAsyncLifetime
{
    private FakeProvider _op = null!;
    private FakeTimeProvider _time = null!;

    public async Task InitializeAsync()
    {
        _op = await FakeProvider.StartAsync();
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
    }

    public async Task DisposeAsync() => await _op.DisposeAsync();

    private static PscCibaRequest Request => new() { LoginHint = "810002813839", BindingMessage = "A1B2" };

    /// <summary>Answers the token endpoint from a script; records when (on the fake clock) each poll came.</summary>
    private List<DateTimeOffset> Script(params string[] answers)
    {
        var polls = new List<DateTimeOffset>();
        var i = 0;
        _op.Token = ctx =>
        {
            lock (polls)
            {
                polls.Add(_time.GetUtcNow());
            }

            var answer = answers[Math.Min(i++, answers.Length - 1)];
            return answer == "ok"
                ? FakeProvider.Json(ctx, 200, new { access_token = "at-1", token_type = "Bearer", expires_in = 60, id_token = _op.Sign(WithoutNonce(_op.IdTokenClaims(sub: "f:1:810002813839", now: _time.GetUtcNow()))) })
                : FakeProvider.Json(ctx, 400, new { error = answer });
        };
        _op.UserInfo = ctx => FakeProvider.Json(ctx, 200, System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>(PscUserInfoTests.Sample.Replace("f:550dc1c8:810002813839", "f:1:810002813839"))!);
        return polls;
    }

    private static Dictionary<string, object> WithoutNonce(Dictionary<string, object> claims)
    {
        claims.Remove("nonce");
        return claims;
    }

    /// <summary>Runs the poll loop while moving the fake clock forward a second at a time.</summary>
    private async Task<T> DriveAsync<T>(Task<T> task)
    {
        for (var i = 0; i < 2000 && !task.IsCompleted; i++)
        {
            await Task.Delay(5);
            if (_time.GetUtcNow() - _time.Start < TimeSpan.FromHours(1))
            {
                _time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        return await task;
    }

    [Fact]
    public async Task Pending_then_slow_down_then_approval_honours_interval_and_slow_down()
    {
        string? form = null;
        _op.Ciba = async ctx =>
        {
            form = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            await FakeProvider.Json(ctx, 200, new { auth_req_id = "req-1", expires_in = 300, interval = 3 });
        };
        var polls = Script("authorization_pending", "slow_down", "authorization_pending", "ok");
        var client = _op.Client(time: _time);
        var started = _time.GetUtcNow();
        var result = await DriveAsync(client.Ciba.AuthenticateAsync(Request));

        Assert.Equal("810002813839", result.Identity.NationalId.Value);
        Assert.Equal(4, polls.Count);
        var gaps = polls.Select((p, i) => (p - (i == 0 ? started : polls[i - 1])).TotalSeconds).ToArray();
        Assert.True(gaps[0] >= 3 && gaps[1] >= 3, string.Join(",", gaps));
        Assert.True(gaps[2] >= 8 && gaps[3] >= 8, "slow_down adds 5 s to the 3 s interval: " + string.Join(",", gaps));
        var sent = QueryHelpers.ParseQuery(form);
        Assert.Equal("810002813839", sent["login_hint"]);
        Assert.Equal("A1B2", sent["binding_message"]);
        Assert.Equal("openid scope_all", sent["scope"]);
        Assert.Equal("eidas1", sent["acr_values"]);
        Assert.Equal("120", sent["requested_expiry"]);
    }

    [Fact]
    public async Task Without_interval_the_client_waits_five_seconds()
    {
        _op.Ciba = static ctx => FakeProvider.Json(ctx, 200, new { auth_req_id = "req-1", expires_in = 60 });
        var polls = Script("ok");
        var started = _time.GetUtcNow();
        await DriveAsync(_op.Client(time: _time).Ciba.AuthenticateAsync(Request));
        Assert.True(polls[0] - started >= TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Access_denied_is_ciba_denied()
    {
        Script("authorization_pending", "access_denied");
        var e = await Assert.ThrowsAsync<PscException>(() => DriveAsync(_op.Client(time: _time).Ciba.AuthenticateAsync(Request)));
        Assert.Equal(ReasonCodes.PscCibaDenied, e.ReasonCode);
    }

    [Fact]
    public async Task Expired_token_is_ciba_expired()
    {
        Script("authorization_pending", "expired_token");
        var e = await Assert.ThrowsAsync<PscException>(() => DriveAsync(_op.Client(time: _time).Ciba.AuthenticateAsync(Request)));
        Assert.Equal(ReasonCodes.PscCibaExpired, e.ReasonCode);
    }

    [Fact]
    public async Task The_local_expiry_stops_polling()
    {
        _op.Ciba = static ctx => FakeProvider.Json(ctx, 200, new { auth_req_id = "req-1", expires_in = 20, interval = 5 });
        var polls = Script("authorization_pending");
        var e = await Assert.ThrowsAsync<PscException>(() => DriveAsync(_op.Client(time: _time).Ciba.AuthenticateAsync(Request)));
        Assert.Equal(ReasonCodes.PscCibaExpired, e.ReasonCode);
        Assert.InRange(polls.Count, 3, 4);
    }

    [Fact]
    public async Task A_refused_request_is_ciba_failed()
    {
        _op.Ciba = static ctx => FakeProvider.Json(ctx, 400, new { error = "unknown_user_id", error_description = "no e-CPS" });
        var e = await Assert.ThrowsAsync<PscException>(() => _op.Client(time: _time).Ciba.StartAsync(Request));
        Assert.Equal(ReasonCodes.PscCibaFailed, e.ReasonCode);
        Assert.Contains("unknown_user_id", e.Message);
    }

    [Fact]
    public async Task Cancellation_stops_the_poll_loop()
    {
        Script("authorization_pending");
        using var cts = new CancellationTokenSource();
        var task = _op.Client(time: _time).Ciba.AuthenticateAsync(Request, cts.Token);
        _time.Advance(TimeSpan.FromSeconds(6));
        await Task.Delay(50);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }

    [Fact]
    public async Task The_ciba_authenticator_returns_typed_failures()
    {
        Script("access_denied");
        var authenticator = new ProSanteConnectCibaAuthenticator(_op.Client(time: _time));
        var result = await DriveAsync(authenticator.AuthenticateAsync(new PscCibaAuthenticationRequest { Request = Request }).AsTask());
        Assert.Equal(ReasonCodes.PscCibaDenied, result.ReasonCode);
        Assert.Equal("810002813839", result.AttemptedSubject);
    }
}
