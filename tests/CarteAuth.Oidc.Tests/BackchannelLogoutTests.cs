using CarteAuth.Tokens;

namespace CarteAuth.Oidc.Tests;

public sealed class BackchannelLogoutTests : IAsyncLifetime
{
    private FakeProvider _op = null!;
    private readonly InMemoryRevocationEpochStore _epochs = new();
    private readonly InMemoryPscSubjectDirectory _directory = new();
    private ProSanteConnectClient _client = null!;

    public async Task InitializeAsync()
    {
        _op = await FakeProvider.StartAsync();
        _client = new ProSanteConnectClient(_op.Options(), new HttpClient(), subjectDirectory: _directory, sessionRevoker: new RevocationEpochPscSessionRevoker(_epochs, _directory));
    }

    public async Task DisposeAsync() => await _op.DisposeAsync();

    private Dictionary<string, object> LogoutClaims(string? sub = "f:1:810002813839", string? sid = "sid-1")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["iss"] = _op.Issuer,
            ["aud"] = FakeProvider.ClientId,
            ["iat"] = now,
            ["exp"] = now + 120,
            ["jti"] = Guid.NewGuid().ToString(),
            ["events"] = new Dictionary<string, object> { [ProSanteConnectDefaults.BackchannelLogoutEvent] = new Dictionary<string, object>() },
        };
        if (sub is not null)
        {
            claims["sub"] = sub;
        }

        if (sid is not null)
        {
            claims["sid"] = sid;
        }

        return claims;
    }

    [Fact]
    public async Task A_valid_logout_token_revokes_the_professionals_sessions()
    {
        await _directory.RecordAsync(new PscSubjectRecord("f:1:810002813839", "sid-1", "810002813839", DateTimeOffset.UtcNow.AddHours(1)));
        var token = _op.Sign(LogoutClaims(sub: null));
        var result = await _client.BackchannelLogout.HandleFormAsync("logout_token=" + Uri.EscapeDataString(token));
        Assert.Equal("810002813839", result.RevokedNationalId);
        Assert.Equal("sid-1", result.Notification.SessionId);
        Assert.Equal(1, await _epochs.GetEpochAsync("810002813839"));
    }

    [Fact]
    public async Task A_sub_that_is_an_idnat_is_revoked_even_when_unknown_here()
    {
        var result = await _client.BackchannelLogout.HandleAsync(_op.Sign(LogoutClaims(sub: "899700075122", sid: null)));
        Assert.Equal("899700075122", result.RevokedNationalId);
        var unknown = await _client.BackchannelLogout.HandleAsync(_op.Sign(LogoutClaims(sub: "opaque", sid: null)));
        Assert.Null(unknown.RevokedNationalId);
    }

    public static TheoryData<string, Action<Dictionary<string, object>>> Broken => new()
    {
        { "nonce", c => c["nonce"] = "n" },
        { "events missing", c => c.Remove("events") },
        { "events wrong member", c => c["events"] = new Dictionary<string, object> { ["http://other/event"] = new Dictionary<string, object>() } },
        { "events value not an object", c => c["events"] = new Dictionary<string, object> { [ProSanteConnectDefaults.BackchannelLogoutEvent] = "yes" } },
        { "neither sub nor sid", c => { c.Remove("sub"); c.Remove("sid"); } },
        { "no jti", c => c.Remove("jti") },
        { "no iat", c => c.Remove("iat") },
        { "stale iat", c => c["iat"] = DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeSeconds() },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public async Task Invalid_logout_tokens_are_refused(string what, Action<Dictionary<string, object>> breakIt)
    {
        var claims = LogoutClaims();
        breakIt(claims);
        var e = await Assert.ThrowsAsync<PscException>(() => _client.BackchannelLogout.HandleAsync(_op.Sign(claims)));
        Assert.True(e.ReasonCode is ReasonCodes.PscLogoutTokenInvalid or ReasonCodes.PscTokenExpired, what + ": " + e.ReasonCode);
    }

    [Fact]
    public async Task A_replayed_logout_token_is_refused()
    {
        var token = _op.Sign(LogoutClaims());
        await _client.BackchannelLogout.HandleAsync(token);
        var e = await Assert.ThrowsAsync<PscException>(() => _client.BackchannelLogout.HandleAsync(token));
        Assert.Equal(ReasonCodes.PscLogoutTokenInvalid, e.ReasonCode);
    }

    [Fact]
    public async Task A_logout_token_from_another_issuer_or_unsigned_is_refused()
    {
        var claims = LogoutClaims();
        claims["iss"] = "https://evil.example";
        Assert.Equal(ReasonCodes.PscIssuerMismatch, (await Assert.ThrowsAsync<PscException>(() => _client.BackchannelLogout.HandleAsync(_op.Sign(claims)))).ReasonCode);
        Assert.Equal(ReasonCodes.PscAlgNotAllowed, (await Assert.ThrowsAsync<PscException>(() => _client.BackchannelLogout.HandleAsync(FakeProvider.Unsigned(LogoutClaims())))).ReasonCode);
    }

    [Fact]
    public async Task A_form_without_logout_token_is_refused()
    {
        var e = await Assert.ThrowsAsync<PscException>(() => _client.BackchannelLogout.HandleFormAsync("foo=bar"));
        Assert.Equal(ReasonCodes.PscLogoutTokenInvalid, e.ReasonCode);
    }
}

public sealed class InMemoryPscSubjectDirectoryTests
{
    [Fact]
    public async Task Finds_by_session_then_subject_and_forgets_the_oldest_beyond_capacity()
    {
        var directory = new InMemoryPscSubjectDirectory(capacity: 2);
        var exp = DateTimeOffset.UtcNow.AddHours(1);
        await directory.RecordAsync(new PscSubjectRecord("sub-a", "sid-a", "810002813839", exp));
        await directory.RecordAsync(new PscSubjectRecord("sub-b", null, "899700075122", exp));
        Assert.Equal("810002813839", await directory.FindNationalIdAsync(null, "sid-a"));
        Assert.Equal("899700075122", await directory.FindNationalIdAsync("sub-b", "unknown-sid"));

        // sub-a signs in again, then a third professional: the first record of sub-a is dropped, not its newer one.
        await directory.RecordAsync(new PscSubjectRecord("sub-a", "sid-a2", "810002813839", exp));
        await directory.RecordAsync(new PscSubjectRecord("sub-c", null, "899700000013", exp));
        Assert.Equal(2, directory.Count);
        Assert.Equal("810002813839", await directory.FindNationalIdAsync("sub-a", null));
        Assert.Null(await directory.FindNationalIdAsync(null, "sid-a"));
        Assert.Null(await directory.FindNationalIdAsync("sub-b", null));
        Assert.Equal("899700000013", await directory.FindNationalIdAsync("sub-c", null));
    }
}
