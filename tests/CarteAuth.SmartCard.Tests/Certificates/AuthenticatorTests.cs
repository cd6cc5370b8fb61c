using System.Security.Cryptography;
using CarteAuth.Authentication;
using CarteAuth.SmartCard.Revocation;
using CarteAuth.SmartCard.Tests.TestSupport;

namespace CarteAuth.SmartCard.Tests.Certificates;

public sealed class AuthenticatorTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static SmartCardAuthenticator Authenticator() =>
        new(CardFixtures.Validator(time: new ManualTimeProvider(Now)), new ManualTimeProvider(Now));

    [Fact]
    public async Task Doctor_card_gives_phishing_resistant_high_evidence_with_sc_pin_hwk()
    {
        var card = CardFixtures.Card("doctor");

        var result = await Authenticator().AuthenticateAsync(new ClientCertificateRequest(card));

        Assert.True(result.Succeeded, result.FailureMessage);
        var evidence = result.Evidence!;
        Assert.Equal("smartcard", evidence.Authenticator);
        Assert.Equal(AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk, evidence.Methods);
        Assert.Equal("sc hwk pin", Amr.Format(evidence.Methods));
        Assert.Equal(AssuranceLevel.High, evidence.Assurance);
        Assert.True(evidence.IsPhishingResistant);
        Assert.Equal(2, evidence.FactorCount);
        Assert.Equal(Now, evidence.AuthenticatedAt);
        Assert.Equal(card.GetCertHashString(HashAlgorithmName.SHA256), evidence.CredentialId);
        Assert.Equal("810002813839", evidence.Identity.NationalId.Value);
        Assert.Equal("10", evidence.Identity.ProfessionCode);
        Assert.Equal(card.Issuer, evidence.Properties["issuer"]);
        Assert.Equal(card.SerialNumber, evidence.Properties["serial"]);
        Assert.Equal("FORT", evidence.Properties["range"]);
        Assert.Equal("not checked", evidence.Properties["revocation"]);
        Assert.False(evidence.Properties.ContainsKey("degraded"));
    }

    /// <summary>Fault matrix (docs/faults.md): a card accepted in degraded mode ("débrayage") is audited as such.</summary>
    [Fact]
    public async Task Card_accepted_in_degraded_mode_is_flagged_and_its_audit_event_carries_the_degraded_code()
    {
        var degraded = new SmartCardAuthenticator(
            CardFixtures.Validator(checker: new StubRevocationChecker(RevocationCheckResult.DegradedGood("CRL server down, last good answer 1 h ago"))),
            new ManualTimeProvider(Now));
        var audit = new CarteAuth.Audit.InMemoryAuditStore();
        var service = new AuthenticationService([degraded], audit);

        var result = await service.AuthenticateAsync(new ClientCertificateRequest(CardFixtures.Card("doctor")));

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(ReasonCodes.CertRevocationDegraded, result.Evidence!.Properties[AuthenticationEvidence.DegradedProperty]);
        var recorded = await audit.GetLastAsync();
        Assert.Equal(CarteAuth.Audit.AuditResults.Success, recorded!.Result);
        Assert.Equal(ReasonCodes.CertRevocationDegraded, recorded.ReasonCode);
        Assert.Contains("degraded", recorded.Detail, StringComparison.Ordinal);

        // A normal acceptance has no degraded code in its audit event.
        var normal = await new AuthenticationService([Authenticator()], audit).AuthenticateAsync(new ClientCertificateRequest(CardFixtures.Card("doctor")));
        Assert.True(normal.Succeeded);
        Assert.Null((await audit.GetLastAsync())!.ReasonCode);
    }

    [Fact]
    public async Task Test_card_and_staff_card_carry_their_facts()
    {
        var pharmacist = await Authenticator().AuthenticateAsync(new ClientCertificateRequest(CardFixtures.Card("pharmacist")));
        var staff = await Authenticator().AuthenticateAsync(new ClientCertificateRequest(CardFixtures.Card("staff")));

        Assert.Equal("true", pharmacist.Evidence!.Properties["testCard"]);
        Assert.Equal("staff", staff.Evidence!.Properties["cardKind"]);
        Assert.Equal("300000000029751", Assert.Single(staff.Evidence.Identity.Structures).Identifier.NationalValue);
    }

    [Fact]
    public async Task Refused_card_fails_with_the_validator_code_and_the_attempted_subject()
    {
        var result = await Authenticator().AuthenticateAsync(new ClientCertificateRequest(CardFixtures.Card("expired")));

        Assert.False(result.Succeeded);
        Assert.Equal(ReasonCodes.CertExpired, result.ReasonCode);
        Assert.Equal("810002813839", result.AttemptedSubject);
    }

    [Fact]
    public async Task Other_request_types_are_not_handled()
    {
        var authenticator = Authenticator();

        Assert.False(authenticator.CanAuthenticate(new OtherRequest()));
        var result = await authenticator.AuthenticateAsync(new OtherRequest());
        Assert.Equal(ReasonCodes.NoAuthenticator, result.ReasonCode);
    }

    [Fact]
    public void Request_needs_a_certificate() =>
        Assert.Throws<ArgumentNullException>(() => new ClientCertificateRequest(null!));

    private sealed class OtherRequest : AuthenticationRequest;
}
