using CarteAuth.Authentication;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Stores;
using CarteAuth.Identity;

namespace CarteAuth.Fido2;

/// <summary>A user account for WebAuthn registration: the professional and the account's user handle.</summary>
/// <param name="Identity">The professional (idNat and names).</param>
/// <param name="UserHandle">The WebAuthn user handle: 1 to 64 random bytes, no personal data (see <see cref="NewUserHandle"/>).</param>
public sealed record Fido2User(ProfessionalIdentity Identity, byte[] UserHandle)
{
    /// <summary>Largest user handle (WebAuthn L3 §5.4.3: at most 64 bytes).</summary>
    public const int MaxUserHandleLength = 64;

    /// <summary>A new random user handle (32 bytes).</summary>
    public static byte[] NewUserHandle() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
}

/// <summary>The outcome of a registration (WebAuthn L3 §7.1): the stored credential, or a failure with a reason code.</summary>
public sealed class Fido2RegistrationResult
{
    /// <summary>True when the credential was verified and stored.</summary>
    public required bool Succeeded { get; init; }

    /// <summary><see cref="ReasonCodes.WebAuthnVerified"/> on success, otherwise a <c>webauthn.*</c> failure code.</summary>
    public required string ReasonCode { get; init; }

    /// <summary>What happened, actionable.</summary>
    public required string Message { get; init; }

    /// <summary>The stored credential record, on success.</summary>
    public Fido2CredentialRecord? Credential { get; init; }

    /// <summary>The UV flag.</summary>
    public bool UserVerified { get; init; }

    /// <summary>The BE flag.</summary>
    public bool BackupEligible { get; init; }

    /// <summary>The BS flag.</summary>
    public bool BackedUp { get; init; }

    /// <summary>The authenticator model.</summary>
    public Guid Aaguid { get; init; }

    /// <summary>The attestation statement format.</summary>
    public string? AttestationFormat { get; init; }

    /// <summary>The attestation type.</summary>
    public AttestationType? AttestationType { get; init; }

    /// <summary>True when the attestation is trusted.</summary>
    public bool AttestationTrusted { get; init; }

    /// <summary>The level the registration was made for.</summary>
    public AssuranceLevel Level { get; init; }

    internal static Fido2RegistrationResult Fail(string reasonCode, string message) => new() { Succeeded = false, ReasonCode = reasonCode, Message = message };

    /// <inheritdoc/>
    public override string ToString() => Succeeded ? $"registered {Credential!.IdText}" : $"failure: {ReasonCode}: {Message}";
}

/// <summary>The outcome of an authentication (WebAuthn L3 §7.2): the updated credential, or a failure with a reason code.</summary>
public sealed class Fido2AssertionResult
{
    /// <summary>True when the assertion verified and the credential was updated.</summary>
    public required bool Succeeded { get; init; }

    /// <summary><see cref="ReasonCodes.WebAuthnVerified"/> on success, otherwise a <c>webauthn.*</c> failure code.</summary>
    public required string ReasonCode { get; init; }

    /// <summary>What happened, actionable.</summary>
    public required string Message { get; init; }

    /// <summary>The credential record after the update on success; on failure, the record when it was found.</summary>
    public Fido2CredentialRecord? Credential { get; init; }

    /// <summary>The UV flag of this assertion.</summary>
    public bool UserVerified { get; init; }

    /// <summary>The BE flag.</summary>
    public bool BackupEligible { get; init; }

    /// <summary>The BS flag of this assertion.</summary>
    public bool BackedUp { get; init; }

    /// <summary>The signature counter of this assertion.</summary>
    public uint SignCount { get; init; }

    /// <summary>The level the options were created for.</summary>
    public AssuranceLevel Level { get; init; }

    internal static Fido2AssertionResult Fail(string reasonCode, string message, Fido2CredentialRecord? credential = null) =>
        new() { Succeeded = false, ReasonCode = reasonCode, Message = message, Credential = credential };

    /// <inheritdoc/>
    public override string ToString() => Succeeded ? $"verified {Credential!.IdText}" : $"failure: {ReasonCode}: {Message}";
}
