using CarteAuth.Authentication;

namespace CarteAuth.Gateway.Radius;

/// <summary>A PAP first factor: User-Name and the unhidden User-Password.</summary>
internal sealed class RadiusPapRequest : AuthenticationRequest
{
    public required string UserName { get; init; }

    public required ReadOnlyMemory<byte> Password { get; init; }

    /// <summary>Password guesses are counted per User-Name (the user directory compares names ordinally).</summary>
    public override string AttemptIdentity => "radius-password:" + UserName;
}

/// <summary>The answer to an OTP Access-Challenge, with the first factor it completes.</summary>
internal sealed class RadiusOtpRequest : AuthenticationRequest
{
    public required RadiusChallenge Challenge { get; init; }

    public required string Code { get; init; }

    /// <summary>OTP guesses are counted apart from the password's, so a right password does not reset them.</summary>
    public override string AttemptIdentity => "radius-otp:" + Challenge.UserName;
}

/// <summary>Names and evidence shapes of the RADIUS authenticators.</summary>
public static class RadiusAuthenticatorNames
{
    /// <summary>The PAP password first factor (amr <c>pwd</c>, level low).</summary>
    public const string Pap = "radius-pap";

    /// <summary>PAP then TOTP (amr <c>otp mfa pwd</c>, level substantial).</summary>
    public const string Otp = "radius-otp";

    /// <summary>PAP then the Pro Santé Connect e-CPS push (CIBA; amr <c>pwd mfa</c> plus PSC's, level from PSC's acr).</summary>
    public const string Push = "radius-psc-push";
}

/// <summary>The PAP first factor through <see cref="IRadiusPasswordVerifier"/>.</summary>
internal sealed class RadiusPapAuthenticator(IRadiusPasswordVerifier verifier, TimeProvider time) : Authenticator<RadiusPapRequest>
{
    public override string Name => RadiusAuthenticatorNames.Pap;

    protected override async ValueTask<AuthenticationResult> AuthenticateAsync(RadiusPapRequest request, CancellationToken cancellationToken)
    {
        var (user, reason) = await verifier.VerifyAsync(request.UserName, request.Password, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return AuthenticationResult.Fail(
                reason ?? ReasonCodes.RadiusBadPassword,
                reason == ReasonCodes.RadiusUnknownUser ? "The RADIUS User-Name is not a known user." : "The RADIUS password does not match.",
                request.UserName);
        }

        return AuthenticationResult.Success(new AuthenticationEvidence(user.Identity, AuthenticationMethods.Pwd, AssuranceLevel.Low, time.GetUtcNow(), Name));
    }
}

/// <summary>The OTP second factor through <see cref="IRadiusOtpVerifier"/>: password + TOTP gives <c>pwd otp mfa</c> at level substantial.</summary>
internal sealed class RadiusOtpAuthenticator(IRadiusOtpVerifier verifier, TimeProvider time) : Authenticator<RadiusOtpRequest>
{
    public override string Name => RadiusAuthenticatorNames.Otp;

    protected override async ValueTask<AuthenticationResult> AuthenticateAsync(RadiusOtpRequest request, CancellationToken cancellationToken)
    {
        var first = request.Challenge.FirstFactor;
        var reason = await verifier.VerifyAsync(request.Challenge.UserName, request.Code, cancellationToken).ConfigureAwait(false);
        if (reason is not null)
        {
            return AuthenticationResult.Fail(reason, "The one-time code is wrong, expired or already used.", first.Identity.NationalId.Value);
        }

        return AuthenticationResult.Success(new AuthenticationEvidence(
            first.Identity,
            first.Methods | AuthenticationMethods.Otp | AuthenticationMethods.Mfa,
            AssuranceLevel.Substantial,
            time.GetUtcNow(),
            Name));
    }
}
