using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Authentication.Attempts;
using CarteAuth.Core.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Core.Tests.Authentication;

public sealed class AuthenticationServiceAttemptLimitTests
{
    private sealed class PasswordRequest : AuthenticationRequest
    {
        public required string User { get; init; }

        public required string Password { get; init; }

        public override string? AttemptIdentity => "toy-password:" + User;
    }

    /// <summary>Password "right" succeeds, "down" reports an unavailable dependency; it counts how often it ran.</summary>
    private sealed class ToyPasswordAuthenticator : Authenticator<PasswordRequest>
    {
        public int Calls;

        /// <summary>Password "blocked" waits for this (a directory that has not answered yet).</summary>
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Name => "toy-password";

        protected override async ValueTask<AuthenticationResult> AuthenticateAsync(PasswordRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            if (request.Password == "blocked")
            {
                await Gate.Task.WaitAsync(cancellationToken);
            }

            if (request.Password.StartsWith("slow", StringComparison.Ordinal))
            {
                await Task.Delay(50, cancellationToken); // a directory round trip: parallel attempts overlap
            }

            return request.Password switch
            {
                "right" => AuthenticationResult.Success(Evidence.Card()),
                "down" => AuthenticationResult.Fail("toy.directory-unavailable", "Directory down."),
                _ => AuthenticationResult.Fail("toy.wrong-password", "Wrong password.", request.User),
            };
        }
    }

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly InMemoryAuditStore _audit = new();
    private readonly ToyPasswordAuthenticator _authenticator = new();

    private AuthenticationService Service(int perIdentity = 3, int perSource = 10) => new([_authenticator], _audit)
    {
        AttemptLimiter = new InMemoryAuthenticationAttemptLimiter(
            new AttemptLimiterOptions { MaxFailuresPerIdentity = perIdentity, MaxFailuresPerSource = perSource, LockoutDuration = TimeSpan.FromMinutes(15) }, _time),
    };

    private static PasswordRequest Attempt(string user, string password, string from = "10.1.2.3") =>
        new() { User = user, Password = password, Context = new AuthenticationContext { ClientAddress = from, CorrelationId = "c-" + user } };

    private async Task<List<AuditEvent>> EventsAsync()
    {
        var events = new List<AuditEvent>();
        await foreach (var e in _audit.ReadAsync())
        {
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public async Task ParallelGuessesForOneIdentity_TakeTurns_SoNoMoreThanTheMaximumAreChecked()
    {
        var service = Service(perIdentity: 3, perSource: 1000);
        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () => await service.AuthenticateAsync(Attempt("alice", "slow-guess" + i, from: "10.0.0." + i)))));

        // Without turns all 20 passed the check before the first failure was counted (20 calls).
        Assert.Equal(3, _authenticator.Calls);
        Assert.Equal(3, attempts.Count(a => a.ReasonCode == "toy.wrong-password"));
        Assert.Equal(17, attempts.Count(a => a.ReasonCode == ReasonCodes.AuthLockedOut));
        Assert.Equal(20, (await EventsAsync()).Count);

        // Another identity is not held up by alice's turns, and nothing is kept once the attempts are done.
        Assert.Equal("toy.wrong-password", (await service.AuthenticateAsync(Attempt("bob", "guess"))).ReasonCode);
    }

    [Fact]
    public async Task AnAttemptCancelledWhileWaitingForItsTurn_IsStillAuditedOnce()
    {
        var service = Service(perIdentity: 3, perSource: 1000);
        var holding = service.AuthenticateAsync(Attempt("carol", "blocked", from: "10.0.0.1")).AsTask(); // holds carol's turn
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await service.AuthenticateAsync(Attempt("carol", "guess", from: "10.0.0.2"), cancel.Token));
        _authenticator.Gate.SetResult();
        Assert.Equal("toy.wrong-password", (await holding).ReasonCode);

        var events = await EventsAsync();
        Assert.Equal(2, events.Count);
        Assert.Contains(events, e => e.ReasonCode == ReasonCodes.AuthenticationCancelled && e.ClientAddress == "10.0.0.2");
        Assert.Equal(1, _authenticator.Calls); // the cancelled attempt never reached the authenticator
    }

    [Fact]
    public async Task AfterMaxFailures_TheIdentityIsRefusedWithoutCheckingThePassword_AndAudited()
    {
        var service = Service();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("toy.wrong-password", (await service.AuthenticateAsync(Attempt("alice", "guess" + i))).ReasonCode);
        }

        var locked = await service.AuthenticateAsync(Attempt("alice", "right"));
        Assert.Equal(ReasonCodes.AuthLockedOut, locked.ReasonCode);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(15), locked.RetryAt);
        Assert.Equal(3, _authenticator.Calls);

        var events = await EventsAsync();
        Assert.Equal(4, events.Count);
        var refusal = events[^1];
        Assert.Equal(AuditResults.Failure, refusal.Result);
        Assert.Equal(ReasonCodes.AuthLockedOut, refusal.ReasonCode);
        Assert.Equal("toy-password", refusal.Authenticator);
        Assert.Equal("10.1.2.3", refusal.ClientAddress);
        Assert.Equal("toy-password:alice", refusal.Subject);

        // Another identity from another source is not affected; after the lockout alice can log in.
        Assert.True((await service.AuthenticateAsync(Attempt("bob", "right", "10.9.9.9"))).Succeeded);
        _time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        Assert.True((await service.AuthenticateAsync(Attempt("alice", "right"))).Succeeded);
    }

    [Fact]
    public async Task ASourceGuessingManyIdentities_IsRateLimited()
    {
        var service = Service(perIdentity: 3, perSource: 4);
        for (var i = 0; i < 4; i++)
        {
            await service.AuthenticateAsync(Attempt("user" + i, "guess", "192.0.2.7"));
        }

        var refused = await service.AuthenticateAsync(Attempt("someone-else", "right", "192.0.2.7"));
        Assert.Equal(ReasonCodes.AuthRateLimited, refused.ReasonCode);
        Assert.NotNull(refused.RetryAt);
        Assert.Equal(4, _authenticator.Calls);
        Assert.Equal(ReasonCodes.AuthRateLimited, (await EventsAsync())[^1].ReasonCode);

        // The same person from another address is fine.
        Assert.True((await service.AuthenticateAsync(Attempt("someone-else", "right", "192.0.2.8"))).Succeeded);
    }

    [Fact]
    public async Task ASuccess_ResetsTheIdentity_NotTheSource()
    {
        var service = Service(perIdentity: 3, perSource: 5);
        await service.AuthenticateAsync(Attempt("alice", "guess"));
        await service.AuthenticateAsync(Attempt("alice", "guess"));
        Assert.True((await service.AuthenticateAsync(Attempt("alice", "right"))).Succeeded);
        await service.AuthenticateAsync(Attempt("alice", "guess"));
        await service.AuthenticateAsync(Attempt("alice", "guess"));
        Assert.True((await service.AuthenticateAsync(Attempt("alice", "right"))).Succeeded); // 2 failures since the reset, not 4

        // The source has now 4 failures (the success did not reset it): one more and it is limited.
        await service.AuthenticateAsync(Attempt("bob", "guess"));
        Assert.Equal(ReasonCodes.AuthRateLimited, (await service.AuthenticateAsync(Attempt("carole", "right"))).ReasonCode);
    }

    [Fact]
    public async Task UnavailableDependencies_AreNotCountedAsGuesses()
    {
        var service = Service(perIdentity: 2);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("toy.directory-unavailable", (await service.AuthenticateAsync(Attempt("alice", "down"))).ReasonCode);
        }

        Assert.True((await service.AuthenticateAsync(Attempt("alice", "right"))).Succeeded);
    }

    [Fact]
    public async Task AttemptSource_OverridesTheClientAddress()
    {
        var service = Service(perIdentity: 10, perSource: 2);
        var viaNas = new AuthenticationContext { ClientAddress = "10.0.0.1", AttemptSource = "203.0.113.5" };
        await service.AuthenticateAsync(new PasswordRequest { User = "a", Password = "guess", Context = viaNas });
        await service.AuthenticateAsync(new PasswordRequest { User = "b", Password = "guess", Context = viaNas });
        Assert.Equal(ReasonCodes.AuthRateLimited, (await service.AuthenticateAsync(new PasswordRequest { User = "c", Password = "right", Context = viaNas })).ReasonCode);

        // Another VPN user behind the same NAS is not limited.
        Assert.True((await service.AuthenticateAsync(new PasswordRequest { User = "c", Password = "right", Context = viaNas with { AttemptSource = "203.0.113.6" } })).Succeeded);
    }

    [Fact]
    public async Task AddCarteAuthCore_TurnsTheLimiterOn_AndAddCarteAuthAttemptLimitsSetsIt()
    {
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton<IAuthenticator>(_authenticator)
            .AddCarteAuthInMemoryAudit()
            .AddCarteAuthCore()
            .AddCarteAuthAttemptLimits(o => o.MaxFailuresPerIdentity = 1);
        await using var provider = services.BuildServiceProvider();
        var service = provider.GetRequiredService<IAuthenticationService>();
        await service.AuthenticateAsync(Attempt("alice", "guess"));
        Assert.Equal(ReasonCodes.AuthLockedOut, (await service.AuthenticateAsync(Attempt("alice", "right"))).ReasonCode);
    }

    [Fact]
    public async Task Disabled_LimitsNothing()
    {
        var service = new AuthenticationService([_authenticator], _audit)
        {
            AttemptLimiter = new InMemoryAuthenticationAttemptLimiter(new AttemptLimiterOptions { Enabled = false, MaxFailuresPerIdentity = 1 }, _time),
        };
        await service.AuthenticateAsync(Attempt("alice", "guess"));
        await service.AuthenticateAsync(Attempt("alice", "guess"));
        Assert.True((await service.AuthenticateAsync(Attempt("alice", "right"))).Succeeded);
    }

    private sealed class DownLimiter : IAuthenticationAttemptLimiter
    {
        public AttemptLimiterOptions Options { get; } = new();

        public ValueTask<AttemptStatus> GetStatusAsync(AttemptKey key, CancellationToken cancellationToken = default) =>
            throw new CarteAuthException(ReasonCodes.AuthAttemptStoreUnavailable, "Redis down.");

        public ValueTask<AttemptStatus> RecordFailureAsync(AttemptKey key, CancellationToken cancellationToken = default) =>
            throw new CarteAuthException(ReasonCodes.AuthAttemptStoreUnavailable, "Redis down.");

        public ValueTask ResetAsync(AttemptKey key, CancellationToken cancellationToken = default) =>
            throw new CarteAuthException(ReasonCodes.AuthAttemptStoreUnavailable, "Redis down.");
    }

    [Fact]
    public async Task AnUnavailableLimiter_RefusesTheAttemptUnchecked_AndAuditsIt()
    {
        var service = new AuthenticationService([_authenticator], _audit) { AttemptLimiter = new DownLimiter() };
        var result = await service.AuthenticateAsync(Attempt("alice", "right"));
        Assert.Equal(ReasonCodes.AuthAttemptStoreUnavailable, result.ReasonCode);
        Assert.Null(result.RetryAt);
        Assert.Equal(0, _authenticator.Calls);
        Assert.Equal(ReasonCodes.AuthAttemptStoreUnavailable, Assert.Single(await EventsAsync()).ReasonCode);
    }

    [Fact]
    public async Task LongIdentities_AreCountedByTheirHash()
    {
        var service = Service(perIdentity: 2);
        var longUser = new string('u', 10_000);
        await service.AuthenticateAsync(Attempt(longUser, "guess"));
        await service.AuthenticateAsync(Attempt(longUser, "guess"));
        var locked = await service.AuthenticateAsync(Attempt(longUser, "right"));
        Assert.Equal(ReasonCodes.AuthLockedOut, locked.ReasonCode);
        Assert.StartsWith("sha256:", locked.AttemptedSubject, StringComparison.Ordinal);
        Assert.Equal(71, locked.AttemptedSubject!.Length);
    }
}
