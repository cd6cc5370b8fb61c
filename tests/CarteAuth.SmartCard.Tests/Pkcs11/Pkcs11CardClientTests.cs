using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Pkcs11;
using CarteAuth.SmartCard.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.SmartCard.Tests.Pkcs11;

/// <summary>The client against a real PKCS#11 module: SoftHSM2 with dev PKI cards imported by pkcs11-tool.</summary>
[Collection(SoftHsmCollection.Name)]
public sealed class Pkcs11CardClientTests(SoftHsmFixture hsm)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Full_round_trip_signs_on_the_token_and_verifies_on_the_server()
    {
        var time = new FakeTimeProvider(Now);
        var store = new InMemoryCardChallengeStore(time);
        var challenge = await new CardChallengeIssuer(store, timeProvider: time).IssueAsync();
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        var response = client.SignChallenge(challenge, SoftHsmFixture.Pin, SoftHsmFixture.DoctorToken);
        time.Advance(TimeSpan.FromSeconds(20)); // the professional typed the PIN
        var result = await new Pkcs11ChallengeVerifier(store, time).VerifyAsync(response);

        Assert.True(result.IsVerified, result.Message);
        Assert.Equal(ReasonCodes.Pkcs11Verified, result.ReasonCode);
        Assert.Equal(challenge.Id, response.ChallengeId);
        Assert.Equal(256, response.Signature.Length); // RSA 2048
        Assert.Equal(hsm.Doctor.Certificate.Thumbprint, result.Certificate!.Thumbprint);
        Assert.Contains("CN=810002813839", result.Certificate.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signature_is_CKM_SHA256_RSA_PKCS_over_the_domain_separated_challenge()
    {
        var value = RandomNumberGenerator.GetBytes(32);
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        var response = client.SignChallenge("abc_DEF-123", value, SoftHsmFixture.Pin, SoftHsmFixture.DoctorToken);

        using var rsa = hsm.Doctor.Certificate.GetRSAPublicKey()!;
        Assert.True(rsa.VerifyData(CardChallenge.ToBeSigned("abc_DEF-123", value), response.Signature.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.False(rsa.VerifyData(value, response.Signature.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void The_clientAuth_certificate_with_a_matching_key_is_chosen_over_the_signature_one_and_the_CA()
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        using var certificate = client.ReadAuthenticationCertificate(SoftHsmFixture.DoctorToken);

        Assert.Equal(hsm.Doctor.Certificate.Thumbprint, certificate.Thumbprint);
        Assert.False(certificate.HasPrivateKey);
    }

    [Fact]
    public void ListTokens_shows_the_initialised_tokens_with_their_PIN_flags_and_not_the_free_slot()
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        var tokens = client.ListTokens();

        Assert.Equal(
            new[] { SoftHsmFixture.DoctorToken, SoftHsmFixture.PinToken, SoftHsmFixture.FinalTryToken, SoftHsmFixture.LockedToken, SoftHsmFixture.EmptyToken, SoftHsmFixture.CertificateOnlyToken }.Order(),
            tokens.Select(t => t.Label).Order());
        Assert.True(tokens.Single(t => t.Label == SoftHsmFixture.LockedToken).PinLocked);
        Assert.True(tokens.Single(t => t.Label == SoftHsmFixture.FinalTryToken).PinFinalTry);
        Assert.False(tokens.Single(t => t.Label == SoftHsmFixture.DoctorToken).PinLocked);
        Assert.All(tokens, t => Assert.Equal("SoftHSM project", t.Manufacturer));
        Assert.All(tokens, t => Assert.NotEmpty(t.SerialNumber));
    }

    [Fact]
    public void Wrong_PIN_is_pin_incorrect_with_the_count_low_hint_and_the_right_PIN_still_works()
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);
        var value = RandomNumberGenerator.GetBytes(32);

        var error = Assert.Throws<Pkcs11CardException>(() => client.SignChallenge("wrong-pin", value, "000000", SoftHsmFixture.PinToken));

        Assert.Equal(ReasonCodes.Pkcs11PinIncorrect, error.ReasonCode);
        Assert.Equal("CKR_PIN_INCORRECT", error.ReturnValue);
        Assert.Contains("few tries left (CKF_USER_PIN_COUNT_LOW)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("000000", error.Message, StringComparison.Ordinal);
        Assert.True(client.ListTokens().Single(t => t.Label == SoftHsmFixture.PinToken).PinCountLow);

        var response = client.SignChallenge("right-pin", value, SoftHsmFixture.Pin, SoftHsmFixture.PinToken);

        using var rsa = hsm.Pharmacist.Certificate.GetRSAPublicKey()!;
        Assert.True(rsa.VerifyData(CardChallenge.ToBeSigned("right-pin", value), response.Signature.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.False(client.ListTokens().Single(t => t.Label == SoftHsmFixture.PinToken).PinCountLow); // a good login resets it
    }

    [Fact]
    public void Wrong_PIN_on_the_final_try_warns_that_the_next_one_locks_the_card()
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        var error = Assert.Throws<Pkcs11CardException>(() => client.SignChallenge("final", new byte[32], "999999", SoftHsmFixture.FinalTryToken));

        Assert.Equal(ReasonCodes.Pkcs11PinIncorrect, error.ReasonCode);
        Assert.Contains("ONE try left (CKF_USER_PIN_FINAL_TRY)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Locked_token_is_pin_locked_and_no_PIN_is_tried_even_the_right_one()
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        var error = Assert.Throws<Pkcs11CardException>(() => client.SignChallenge("locked", new byte[32], SoftHsmFixture.Pin, SoftHsmFixture.LockedToken));

        Assert.Equal(ReasonCodes.Pkcs11PinLocked, error.ReasonCode);
        Assert.Contains("PUK", error.Message, StringComparison.Ordinal);
        Assert.Contains("CKF_USER_PIN_LOCKED", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Missing_module_path_is_module_not_found(string path)
    {
        var error = Assert.Throws<Pkcs11CardException>(() => Pkcs11CardClient.Open(path));

        Assert.Equal(ReasonCodes.Pkcs11ModuleNotFound, error.ReasonCode);
        Assert.Contains("Cryptolib CPS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Module_path_naming_no_file_is_module_not_found()
    {
        var path = Path.Combine(hsm.TempPath, "no-such-module.so");

        var error = Assert.Throws<Pkcs11CardException>(() => Pkcs11CardClient.Open(path));

        Assert.Equal(ReasonCodes.Pkcs11ModuleNotFound, error.ReasonCode);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Module_path_naming_a_directory_is_module_not_found()
    {
        var error = Assert.Throws<Pkcs11CardException>(() => Pkcs11CardClient.Open(hsm.TempPath));

        Assert.Equal(ReasonCodes.Pkcs11ModuleNotFound, error.ReasonCode);
        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Module_path_naming_a_text_file_is_module_load_failed()
    {
        var path = Path.Combine(hsm.TempPath, "not-a-library.so");
        File.WriteAllText(path, "this is not a shared library\n");

        var error = Assert.Throws<Pkcs11CardException>(() => Pkcs11CardClient.Open(path));

        Assert.Equal(ReasonCodes.Pkcs11ModuleLoadFailed, error.ReasonCode);
        Assert.Contains("cannot be loaded as a PKCS#11 module", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Module_path_naming_a_shared_library_that_is_not_PKCS11_is_module_load_failed()
    {
        // A real shared library without C_GetFunctionList: the .NET runtime's own native helper.
        var path = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so");
        Assert.True(File.Exists(path), path);

        var error = Assert.Throws<Pkcs11CardException>(() => Pkcs11CardClient.Open(path));

        Assert.Equal(ReasonCodes.Pkcs11ModuleLoadFailed, error.ReasonCode);
        Assert.Contains("C_GetFunctionList", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absent_token_label_is_no_token_and_lists_the_tokens_present()
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        var error = Assert.Throws<Pkcs11CardException>(() => client.SignChallenge("absent", new byte[32], SoftHsmFixture.Pin, "NOT-INSERTED"));

        Assert.Equal(ReasonCodes.Pkcs11NoToken, error.ReasonCode);
        Assert.Contains("NOT-INSERTED", error.Message, StringComparison.Ordinal);
        Assert.Contains(SoftHsmFixture.DoctorToken, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_with_no_certificate_is_no_certificate()
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        var error = Assert.Throws<Pkcs11CardException>(() => client.SignChallenge("blank", new byte[32], SoftHsmFixture.Pin, SoftHsmFixture.EmptyToken));
        var read = Assert.Throws<Pkcs11CardException>(() => client.ReadAuthenticationCertificate(SoftHsmFixture.EmptyToken));

        Assert.Equal(ReasonCodes.Pkcs11NoCertificate, error.ReasonCode);
        Assert.Equal(ReasonCodes.Pkcs11NoCertificate, read.ReasonCode);
        Assert.Contains(SoftHsmFixture.EmptyToken, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_with_a_certificate_but_no_matching_private_key_is_no_certificate()
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        var error = Assert.Throws<Pkcs11CardException>(() => client.SignChallenge("nokey", new byte[32], SoftHsmFixture.Pin, SoftHsmFixture.CertificateOnlyToken));

        Assert.Equal(ReasonCodes.Pkcs11NoCertificate, error.ReasonCode);
        Assert.Contains("no private key with the same CKA_ID", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Empty_PIN_is_pin_invalid_before_anything_reaches_the_card(string pin)
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        var error = Assert.Throws<Pkcs11CardException>(() => client.SignChallenge("empty", new byte[32], pin, SoftHsmFixture.PinToken));

        Assert.Equal(ReasonCodes.Pkcs11PinInvalid, error.ReasonCode);
    }

    [Theory]
    [InlineData("", 32)]
    [InlineData("has space", 32)]
    [InlineData("ok-id", 31)]
    [InlineData("ok-id", 0)]
    public void Malformed_challenge_is_refused_before_the_card_is_used(string id, int length)
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        var error = Assert.Throws<Pkcs11CardException>(() => client.SignChallenge(id, new byte[length], SoftHsmFixture.Pin, SoftHsmFixture.DoctorToken));

        Assert.Equal(ReasonCodes.Pkcs11MalformedResponse, error.ReasonCode);
    }

    [Fact]
    public void Two_clients_of_one_module_share_it_and_disposing_one_leaves_the_other_working()
    {
        var first = Pkcs11CardClient.Open(hsm.ModulePath);
        using var second = Pkcs11CardClient.Open(hsm.ModulePath);

        first.Dispose();
        first.Dispose(); // idempotent

        Assert.NotEmpty(second.ListTokens());
        Assert.Throws<ObjectDisposedException>(() => first.ListTokens());
    }

    [Fact]
    public async Task Logs_use_event_ids_2200_to_2299_and_never_carry_the_PIN()
    {
        var clientLog = new CapturingLogger<Pkcs11CardClient>();
        var verifierLog = new CapturingLogger<Pkcs11ChallengeVerifier>();
        var issuerLog = new CapturingLogger<CardChallengeIssuer>();
        var store = new InMemoryCardChallengeStore();
        var challenge = await new CardChallengeIssuer(store, logger: issuerLog).IssueAsync();
        using var client = Pkcs11CardClient.Open(hsm.ModulePath, clientLog);
        Assert.Throws<Pkcs11CardException>(() => client.SignChallenge(challenge, "987654", SoftHsmFixture.PinToken));

        var response = client.SignChallenge(challenge, SoftHsmFixture.Pin, SoftHsmFixture.DoctorToken);
        await new Pkcs11ChallengeVerifier(store, logger: verifierLog).VerifyAsync(response);
        await new Pkcs11ChallengeVerifier(store, logger: verifierLog).VerifyAsync(new Pkcs11CardResponse("bad\nid", [], []));

        var entries = clientLog.Entries.Concat(verifierLog.Entries).Concat(issuerLog.Entries).ToList();
        Assert.Contains(entries, e => e.EventId.Id == 2203 && e.Message.Contains(ReasonCodes.Pkcs11PinIncorrect, StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EventId.Id == 2204);
        Assert.Contains(entries, e => e.EventId.Id == 2230);
        Assert.Contains(entries, e => e.EventId.Id == 2231 && e.Message.Contains("(malformed)", StringComparison.Ordinal));
        Assert.All(entries, e => Assert.InRange(e.EventId.Id, 2200, 2299));
        Assert.All(entries, e => Assert.DoesNotContain("987654", e.Message, StringComparison.Ordinal));
        Assert.All(entries, e => Assert.DoesNotContain(SoftHsmFixture.Pin, e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_label_the_first_token_holding_a_card_certificate_is_used()
    {
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);

        using var certificate = client.ReadAuthenticationCertificate();

        var cards = new[] { hsm.Doctor, hsm.Pharmacist, hsm.Nurse, hsm.Staff }.Select(c => c.Certificate.Thumbprint).ToList();
        Assert.True(cards.Contains(certificate.Thumbprint) || certificate.Subject.Contains("INFIRMIER", StringComparison.Ordinal), certificate.Subject);
    }
}
