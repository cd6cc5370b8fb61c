using CarteAuth.Authentication;
using CarteAuth.Core.Tests.TestSupport;

namespace CarteAuth.Core.Tests.Authentication;

public sealed class AuthenticatorTests
{
    private class CardRequest : AuthenticationRequest
    {
        public string Pin { get; init; } = "1234";
    }

    private sealed class ContactlessCardRequest : CardRequest;

    private sealed class PasskeyRequest : AuthenticationRequest;

    private sealed class CardAuthenticator : Authenticator<CardRequest>
    {
        public List<(CardRequest Request, CancellationToken Token)> Calls { get; } = [];

        public override string Name => "smartcard";

        protected override ValueTask<AuthenticationResult> AuthenticateAsync(CardRequest request, CancellationToken cancellationToken)
        {
            Calls.Add((request, cancellationToken));
            return ValueTask.FromResult(request.Pin == "1234"
                ? AuthenticationResult.Success(Evidence.Create())
                : AuthenticationResult.Fail("cert.bad-pin", "Wrong PIN."));
        }
    }

    [Fact]
    public void CanAuthenticate_ItsOwnRequestType_IsTrue()
    {
        IAuthenticator authenticator = new CardAuthenticator();

        Assert.True(authenticator.CanAuthenticate(new CardRequest()));
    }

    [Fact]
    public void CanAuthenticate_DerivedRequestType_IsTrue()
    {
        IAuthenticator authenticator = new CardAuthenticator();

        Assert.True(authenticator.CanAuthenticate(new ContactlessCardRequest()));
    }

    [Fact]
    public void CanAuthenticate_OtherRequestType_IsFalse()
    {
        IAuthenticator authenticator = new CardAuthenticator();

        Assert.False(authenticator.CanAuthenticate(new PasskeyRequest()));
    }

    [Fact]
    public async Task AuthenticateAsync_ItsRequestType_DispatchesToTheTypedOverload()
    {
        var card = new CardAuthenticator();
        IAuthenticator authenticator = card;
        var request = new CardRequest();
        using var cts = new CancellationTokenSource();

        var result = await authenticator.AuthenticateAsync(request, cts.Token);

        Assert.True(result.Succeeded);
        var call = Assert.Single(card.Calls);
        Assert.Same(request, call.Request);
        Assert.Equal(cts.Token, call.Token);
    }

    [Fact]
    public async Task AuthenticateAsync_TypedFailure_IsReturnedAsIs()
    {
        IAuthenticator authenticator = new CardAuthenticator();

        var result = await authenticator.AuthenticateAsync(new CardRequest { Pin = "0000" });

        Assert.False(result.Succeeded);
        Assert.Equal("cert.bad-pin", result.ReasonCode);
    }

    [Fact]
    public async Task AuthenticateAsync_DerivedRequestType_IsDispatched()
    {
        var card = new CardAuthenticator();
        var request = new ContactlessCardRequest();

        var result = await ((IAuthenticator)card).AuthenticateAsync(request);

        Assert.True(result.Succeeded);
        Assert.Same(request, Assert.Single(card.Calls).Request);
    }

    [Fact]
    public async Task AuthenticateAsync_WrongRequestType_FailsWithNoAuthenticatorInsteadOfThrowing()
    {
        var card = new CardAuthenticator();
        IAuthenticator authenticator = card;

        var result = await authenticator.AuthenticateAsync(new PasskeyRequest());

        Assert.False(result.Succeeded);
        Assert.Null(result.Evidence);
        Assert.Equal(ReasonCodes.NoAuthenticator, result.ReasonCode);
        Assert.Contains("smartcard", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(nameof(CardRequest), result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(nameof(PasskeyRequest), result.FailureMessage, StringComparison.Ordinal);
        Assert.Empty(card.Calls);
    }

    [Fact]
    public async Task AuthenticateAsync_NullRequest_ThrowsArgumentNullException()
    {
        IAuthenticator authenticator = new CardAuthenticator();

        var ex = await Assert.ThrowsAsync<ArgumentNullException>(async () => await authenticator.AuthenticateAsync(null!));

        Assert.Equal("request", ex.ParamName);
    }

    [Fact]
    public void Request_ByDefault_HasTheEmptyInternalContext()
    {
        var request = new CardRequest();

        Assert.Same(AuthenticationContext.Empty, request.Context);
        Assert.Equal(NetworkZone.Internal, request.Context.Zone);
        Assert.Null(request.Context.ClientAddress);
        Assert.Null(request.Context.CorrelationId);
    }

    [Fact]
    public void Request_WithContext_KeepsIt()
    {
        var context = AuthenticationContext.Empty with { ClientAddress = "203.0.113.7", CorrelationId = "c-1", Zone = NetworkZone.Remote };

        var request = new CardRequest { Context = context };

        Assert.Equal(NetworkZone.Remote, request.Context.Zone);
        Assert.Equal("203.0.113.7", request.Context.ClientAddress);
        Assert.Equal("c-1", request.Context.CorrelationId);
        Assert.Equal(NetworkZone.Internal, AuthenticationContext.Empty.Zone);
    }
}
