using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Core.Tests.TestSupport;

namespace CarteAuth.Core.Tests.Authentication;

public sealed class AuthenticationServiceTests
{
    private sealed class PinRequest : AuthenticationRequest
    {
        public required string Pin { get; init; }
    }

    private sealed class OtherRequest : AuthenticationRequest;

    /// <summary>A toy card authenticator: PIN 1234 succeeds, 0000 throws, anything else fails.</summary>
    private sealed class ToyCardAuthenticator : Authenticator<PinRequest>
    {
        public override string Name => "toy-card";

        protected override ValueTask<AuthenticationResult> AuthenticateAsync(PinRequest request, CancellationToken cancellationToken) => request.Pin switch
        {
            "1234" => ValueTask.FromResult(AuthenticationResult.Success(Evidence.Card())),
            "0000" => throw new InvalidOperationException("reader unplugged"),
            "wait" => WaitAsync(cancellationToken),
            _ => ValueTask.FromResult(AuthenticationResult.Fail("toy.wrong-pin", "Wrong PIN.", "810002813839")),
        };

        private static async ValueTask<AuthenticationResult> WaitAsync(CancellationToken ct)
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        }
    }

    private static readonly AuthenticationContext Context = new() { ClientAddress = "10.1.2.3", CorrelationId = "corr-1" };

    private static async Task<List<AuditEvent>> EventsAsync(InMemoryAuditStore store)
    {
        var events = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync())
        {
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public async Task Success_returns_evidence_and_records_one_audit_event()
    {
        var store = new InMemoryAuditStore();
        var service = new AuthenticationService([new ToyCardAuthenticator()], store);

        var result = await service.AuthenticateAsync(new PinRequest { Pin = "1234", Context = Context });

        Assert.True(result.Succeeded);
        var e = Assert.Single(await EventsAsync(store));
        Assert.Equal(AuditEventKinds.Authentication, e.Kind);
        Assert.Equal(AuditResults.Success, e.Result);
        Assert.Equal("810002813839", e.Subject);
        Assert.Equal("sc hwk pin", e.Methods);
        Assert.Equal("toy-card", e.Authenticator);
        Assert.Equal("10.1.2.3", e.ClientAddress);
        Assert.Equal("corr-1", e.CorrelationId);
    }

    [Fact]
    public async Task Failure_is_recorded_with_its_reason_code_and_claimed_subject()
    {
        var store = new InMemoryAuditStore();
        var service = new AuthenticationService([new ToyCardAuthenticator()], store);

        var result = await service.AuthenticateAsync(new PinRequest { Pin = "9999", Context = Context });

        Assert.False(result.Succeeded);
        Assert.Equal("toy.wrong-pin", result.ReasonCode);
        var e = Assert.Single(await EventsAsync(store));
        Assert.Equal(AuditResults.Failure, e.Result);
        Assert.Equal("toy.wrong-pin", e.ReasonCode);
        Assert.Equal("810002813839", e.Subject);
        Assert.Equal("Wrong PIN.", e.Detail);
    }

    [Fact]
    public async Task Throwing_authenticator_fails_closed_and_is_recorded()
    {
        var store = new InMemoryAuditStore();
        var service = new AuthenticationService([new ToyCardAuthenticator()], store);

        var result = await service.AuthenticateAsync(new PinRequest { Pin = "0000", Context = Context });

        Assert.False(result.Succeeded);
        Assert.Equal(ReasonCodes.AuthenticatorError, result.ReasonCode);
        Assert.Contains("corr-1", result.FailureMessage, StringComparison.Ordinal);
        Assert.Equal(ReasonCodes.AuthenticatorError, Assert.Single(await EventsAsync(store)).ReasonCode);
    }

    [Fact]
    public async Task Credential_without_authenticator_is_a_recorded_failure()
    {
        var store = new InMemoryAuditStore();
        var service = new AuthenticationService([new ToyCardAuthenticator()], store);

        var result = await service.AuthenticateAsync(new OtherRequest());

        Assert.Equal(ReasonCodes.NoAuthenticator, result.ReasonCode);
        Assert.Contains("OtherRequest", result.FailureMessage, StringComparison.Ordinal);
        Assert.Single(await EventsAsync(store));
    }

    [Fact]
    public async Task Cancelled_attempt_is_recorded_then_cancellation_propagates()
    {
        var store = new InMemoryAuditStore();
        var service = new AuthenticationService([new ToyCardAuthenticator()], store);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await service.AuthenticateAsync(new PinRequest { Pin = "wait" }, cts.Token));

        Assert.Equal(ReasonCodes.AuthenticationCancelled, Assert.Single(await EventsAsync(store)).ReasonCode);
    }

    [Fact]
    public async Task Success_that_cannot_be_audited_is_refused()
    {
        var service = new AuthenticationService([new ToyCardAuthenticator()], new FailingAuditTrail());

        var result = await service.AuthenticateAsync(new PinRequest { Pin = "1234" });

        Assert.False(result.Succeeded);
        Assert.Equal(ReasonCodes.AuditStoreUnavailable, result.ReasonCode);
        Assert.Contains("traceability", result.FailureMessage, StringComparison.Ordinal);
    }
}
