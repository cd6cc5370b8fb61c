namespace CarteAuth.Fido2.Tests.Browser;

/// <summary>
/// What the browser test page's server endpoints call: the relying party side of the two ceremonies, in the W3C JSON
/// forms (<c>PublicKeyCredentialCreationOptionsJSON</c>, <c>RegistrationResponseJSON</c>,
/// <c>PublicKeyCredentialRequestOptionsJSON</c>, <c>AuthenticationResponseJSON</c>). The page, the Kestrel host, the
/// CDP virtual authenticator and the assertions on what the browser did depend only on this; the backend is CarteAuth's
/// relying party (<see cref="RelyingPartyCeremonyBackend"/> over <see cref="Fido2RelyingParty"/>).
/// </summary>
internal interface IBrowserCeremonyBackend
{
    /// <summary>Starts a registration: the creation options JSON for <c>PublicKeyCredential.parseCreationOptionsFromJSON</c>.</summary>
    Task<string> RegistrationOptionsJson(CancellationToken cancellationToken);

    /// <summary>Verifies <c>credential.toJSON()</c> of a <c>navigator.credentials.create</c> result.</summary>
    Task<CeremonyOutcome> VerifyRegistration(string responseJson, CancellationToken cancellationToken);

    /// <summary>Starts a sign-in: the request options JSON for <c>PublicKeyCredential.parseRequestOptionsFromJSON</c>.</summary>
    /// <param name="userName">
    /// Null for a usernameless sign-in (empty <c>allowCredentials</c>: only a discoverable credential can answer);
    /// else the user who says who they are (<c>allowCredentials</c> lists that user's credentials).
    /// </param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<string> AssertionOptionsJson(string? userName, CancellationToken cancellationToken);

    /// <summary>Verifies <c>credential.toJSON()</c> of a <c>navigator.credentials.get</c> result.</summary>
    Task<CeremonyOutcome> VerifyAssertion(string responseJson, CancellationToken cancellationToken);
}

/// <summary>What the server answers the page after verifying a ceremony (serialized camelCase to the page).</summary>
/// <param name="Ok">True when the ceremony is accepted.</param>
/// <param name="ReasonCode">A stable <c>webauthn.*</c> code: <c>webauthn.verified</c> when accepted, else why it is refused.</param>
/// <param name="Message">What happened, for a person.</param>
/// <param name="CredentialId">The credential id (base64url) when known.</param>
/// <param name="SignCount">The signature counter the authenticator reported (and the server now stores).</param>
/// <param name="UserVerified">The UV flag of the authenticator data, when it could be read.</param>
internal sealed record CeremonyOutcome(bool Ok, string ReasonCode, string Message, string? CredentialId = null, uint? SignCount = null, bool? UserVerified = null)
{
    /// <summary>A refusal.</summary>
    public static CeremonyOutcome Refused(string reasonCode, string message, string? credentialId = null, bool? userVerified = null) =>
        new(false, reasonCode, message, credentialId, null, userVerified);
}
