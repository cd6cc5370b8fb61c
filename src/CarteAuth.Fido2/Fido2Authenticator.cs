using CarteAuth.Authentication;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Stores;

namespace CarteAuth.Fido2;

/// <summary>A WebAuthn assertion to authenticate (the browser's <c>credential.toJSON()</c> after <c>navigator.credentials.get()</c>).</summary>
public sealed class Fido2AssertionRequest : AuthenticationRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="response">The authentication response.</param>
    /// <param name="binding">The session binding given when the assertion options were created, if any.</param>
    public Fido2AssertionRequest(AuthenticationResponseJSON response, string? binding = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        Response = response;
        Binding = binding;
    }

    /// <summary>The authentication response.</summary>
    public AuthenticationResponseJSON Response { get; }

    /// <summary>The session binding of the options.</summary>
    public string? Binding { get; }

    /// <summary>Failed assertions are counted per credential id (<c>webauthn:&lt;base64url id&gt;</c>) by the attempt limiter.</summary>
    public override string? AttemptIdentity => string.IsNullOrEmpty(Response.Id) ? null : "webauthn:" + Response.Id;
}

/// <summary>
/// Authenticates health professionals with a registered FIDO2 / WebAuthn credential (<see cref="Fido2RelyingParty"/>,
/// WebAuthn L3 §7.2), and turns a verified assertion into evidence for the credential's owner.
/// </summary>
/// <remarks>
/// <para><b>Methods (RFC 8176).</b> A device-bound credential (BE=0) is <c>hwk</c>; a backup-eligible one (BE=1, a
/// synced passkey, whose private key leaves the device) is <c>swk</c>. With UV, <c>pin</c> and <c>mfa</c> are added.
/// The relying party is not told how the authenticator verified the user (PIN, fingerprint, face…): the UV flag only
/// says that it did. CarteAuth reports <c>pin</c>, the knowledge factor every FIDO2 authenticator with UV supports
/// (clientPin is mandatory when built-in UV exists, and is the fallback for biometrics), and never <c>fpt</c>, which it
/// cannot tell apart; both give the same factor count (possession + one more).</para>
/// <para><b>Assurance.</b> High when UV was done with a device-bound credential whose attestation was trusted at
/// registration and whose model is allowed (<see cref="Fido2Options.AllowedAaguids"/>, when set); substantial with
/// UV otherwise; low without UV. Evidence is phishing-resistant (the signature covers the origin).</para>
/// <para>Failures (counter regression included) are typed results with their <c>webauthn.*</c> reason code, which
/// Core's authentication service audits.</para>
/// </remarks>
public sealed class Fido2Authenticator : Authenticator<Fido2AssertionRequest>
{
    /// <summary>The authenticator's name, recorded in evidence and audit events.</summary>
    public const string AuthenticatorName = "fido2";

    private readonly Fido2RelyingParty _relyingParty;
    private readonly TimeProvider _time;

    /// <summary>Creates the authenticator.</summary>
    /// <param name="relyingParty">Verifies assertions.</param>
    /// <param name="timeProvider">The clock for the authentication time (default the system clock).</param>
    public Fido2Authenticator(Fido2RelyingParty relyingParty, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(relyingParty);
        _relyingParty = relyingParty;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public override string Name => AuthenticatorName;

    /// <inheritdoc/>
    protected override async ValueTask<AuthenticationResult> AuthenticateAsync(Fido2AssertionRequest request, CancellationToken cancellationToken)
    {
        var result = await _relyingParty.VerifyAssertionAsync(request.Response, request.Binding, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return AuthenticationResult.Fail(result.ReasonCode, result.Message, result.Credential?.Owner.NationalId.Value);
        }

        return AuthenticationResult.Success(CreateEvidence(result, _relyingParty.Options, _time.GetUtcNow()));
    }

    /// <summary>The evidence of a verified assertion.</summary>
    internal static AuthenticationEvidence CreateEvidence(Fido2AssertionResult result, Fido2Options options, DateTimeOffset now)
    {
        var record = result.Credential!;
        var methods = Methods(result.BackupEligible, result.UserVerified);
        var level = Level(record, result.UserVerified, options);
        return new AuthenticationEvidence(record.Owner, methods, level, now, AuthenticatorName)
        {
            CredentialId = record.IdText,
            IsPhishingResistant = true,
            Properties = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["aaguid"] = record.Aaguid.ToString("D"),
                ["attestation_format"] = record.AttestationFormat,
                ["attestation_type"] = record.AttestationType.ToString(),
                ["attestation_trusted"] = record.AttestationTrusted ? "true" : "false",
                ["backup_eligible"] = result.BackupEligible ? "true" : "false",
                ["backed_up"] = result.BackedUp ? "true" : "false",
                ["user_verified"] = result.UserVerified ? "true" : "false",
                ["sign_count"] = result.SignCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>RFC 8176 methods: hwk (device-bound) or swk (synced passkey), plus pin and mfa with UV.</summary>
    internal static AuthenticationMethods Methods(bool backupEligible, bool userVerified)
    {
        var methods = backupEligible ? AuthenticationMethods.Swk : AuthenticationMethods.Hwk;
        return userVerified ? methods | AuthenticationMethods.Pin | AuthenticationMethods.Mfa : methods;
    }

    /// <summary>The level reached: high (UV, device-bound, trusted attestation, allowed model), substantial (UV), low.</summary>
    internal static AssuranceLevel Level(Fido2CredentialRecord record, bool userVerified, Fido2Options options)
    {
        if (!userVerified)
        {
            return AssuranceLevel.Low;
        }

        var modelAllowed = !options.HasAaguidAllowList || options.AllowedAaguids.Contains(record.Aaguid);
        return !record.BackupEligible && record.AttestationTrusted && modelAllowed ? AssuranceLevel.High : AssuranceLevel.Substantial;
    }
}
