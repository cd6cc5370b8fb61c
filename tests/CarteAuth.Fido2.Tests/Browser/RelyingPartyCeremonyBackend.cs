using System.Text.Json.Nodes;
using CarteAuth.Authentication;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Stores;
using CarteAuth.Identity;

namespace CarteAuth.Fido2.Tests.Browser;

/// <summary>
/// The browser tests' backend: CarteAuth's own <see cref="Fido2RelyingParty"/> (in-memory stores, the default
/// six-format attestation verifier), one user, ceremonies at the substantial level, which requires user verification.
/// </summary>
internal sealed class RelyingPartyCeremonyBackend : IBrowserCeremonyBackend
{
    private readonly Fido2RelyingParty _rp;
    private readonly Fido2User _user = new(new ProfessionalIdentity(NationalId.Parse("810002813839"), "DONNAT-GADY", "ISABELLE"), Fido2User.NewUserHandle());

    public RelyingPartyCeremonyBackend(string origin, string rpId)
    {
        var options = new Fido2Options { RpId = rpId, RpName = "CarteAuth browser test", ResidentKey = "required", Timeout = TimeSpan.FromSeconds(30) };
        options.Origins.Add(origin);
        options.Validate();
        _rp = new Fido2RelyingParty(options, new InMemoryWebAuthnChallengeStore(TimeProvider.System), new InMemoryFido2CredentialStore(), AttestationVerifier.CreateDefault());
    }

    /// <inheritdoc/>
    public async Task<string> RegistrationOptionsJson(CancellationToken cancellationToken) =>
        RelaxUserVerification(WebAuthnJson.Serialize(await _rp.CreateRegistrationOptionsAsync(_user, AssuranceLevel.Substantial, cancellationToken: cancellationToken)));

    /// <inheritdoc/>
    public async Task<CeremonyOutcome> VerifyRegistration(string responseJson, CancellationToken cancellationToken)
    {
        var result = await _rp.VerifyRegistrationAsync(responseJson, cancellationToken: cancellationToken);
        return result.Succeeded
            ? new CeremonyOutcome(true, result.ReasonCode, result.Message, result.Credential!.IdText, result.Credential.SignCount, result.UserVerified)
            : CeremonyOutcome.Refused(result.ReasonCode, result.Message, result.Credential?.IdText, result.UserVerified);
    }

    /// <inheritdoc/>
    public async Task<string> AssertionOptionsJson(string? userName, CancellationToken cancellationToken) =>
        RelaxUserVerification(WebAuthnJson.Serialize(await _rp.CreateAssertionOptionsAsync(userName is null ? null : _user.UserHandle, AssuranceLevel.Substantial, cancellationToken: cancellationToken)));

    /// <inheritdoc/>
    public async Task<CeremonyOutcome> VerifyAssertion(string responseJson, CancellationToken cancellationToken)
    {
        var result = await _rp.VerifyAssertionAsync(responseJson, cancellationToken: cancellationToken);
        return result.Succeeded
            ? new CeremonyOutcome(true, result.ReasonCode, result.Message, result.Credential!.IdText, result.SignCount, result.UserVerified)
            : CeremonyOutcome.Refused(result.ReasonCode, result.Message, result.Credential?.IdText, result.UserVerified);
    }

    /// <summary>
    /// The relying party asks for <c>userVerification: "required"</c> at the substantial level, and Chromium then
    /// enforces it itself. The page gets "preferred" instead, as a buggy or hostile client would send it, so that what
    /// refuses a UV-less response is the server (it kept "UV required" with the challenge), which is what is tested.
    /// </summary>
    private static string RelaxUserVerification(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        if (node["authenticatorSelection"] is JsonObject selection)
        {
            selection["userVerification"] = "preferred";
        }
        else if (node.ContainsKey("userVerification"))
        {
            node["userVerification"] = "preferred";
        }

        return node.ToJsonString();
    }
}
