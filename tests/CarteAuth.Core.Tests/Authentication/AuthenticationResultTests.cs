using CarteAuth.Authentication;
using CarteAuth.Core.Tests.TestSupport;

namespace CarteAuth.Core.Tests.Authentication;

public sealed class AuthenticationResultTests
{
    [Fact]
    public void Success_CarriesEvidenceAndNoFailure()
    {
        var evidence = Evidence.Create();

        var result = AuthenticationResult.Success(evidence);

        Assert.True(result.Succeeded);
        Assert.Same(evidence, result.Evidence);
        Assert.Null(result.ReasonCode);
        Assert.Null(result.FailureMessage);
    }

    [Fact]
    public void Success_RecordsTheAuthenticatedIdNatAsTheAttemptedSubject()
    {
        var result = AuthenticationResult.Success(Evidence.Create());

        Assert.Equal("810002813839", result.AttemptedSubject);
    }

    [Fact]
    public void Success_NullEvidence_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => AuthenticationResult.Success(null!));

        Assert.Equal("evidence", ex.ParamName);
    }

    [Fact]
    public void Fail_CarriesReasonAndMessageAndNoEvidence()
    {
        var result = AuthenticationResult.Fail("cert.revoked", "The certificate was revoked on 2025-01-02; ask for a new card.");

        Assert.False(result.Succeeded);
        Assert.Null(result.Evidence);
        Assert.Equal("cert.revoked", result.ReasonCode);
        Assert.Equal("The certificate was revoked on 2025-01-02; ask for a new card.", result.FailureMessage);
        Assert.Null(result.AttemptedSubject);
    }

    [Fact]
    public void Fail_WithAttemptedSubject_KeepsItForTheAuditTrail()
    {
        var result = AuthenticationResult.Fail(ReasonCodes.InvalidEvidence, "Unknown amr value.", "899700075122");

        Assert.False(result.Succeeded);
        Assert.Equal("899700075122", result.AttemptedSubject);
    }

    [Theory]
    [InlineData(null, "message")]
    [InlineData("", "message")]
    [InlineData("auth.no-authenticator", null)]
    [InlineData("auth.no-authenticator", "")]
    public void Fail_WithoutReasonCodeOrMessage_ThrowsArgumentException(string? reasonCode, string? message)
    {
        Assert.ThrowsAny<ArgumentException>(() => AuthenticationResult.Fail(reasonCode!, message!));
    }

    [Fact]
    public void ToString_OnSuccess_NamesTheProfessional()
    {
        var result = AuthenticationResult.Success(Evidence.Create());

        Assert.Equal("success: ISABELLE DONNAT-GADY (810002813839)", result.ToString());
    }

    [Fact]
    public void ToString_OnFailure_GivesReasonCodeAndMessage()
    {
        var result = AuthenticationResult.Fail(ReasonCodes.NoAuthenticator, "No authenticator for this credential.");

        Assert.Equal("failure: auth.no-authenticator: No authenticator for this credential.", result.ToString());
    }
}
