using CarteAuth.Tokens;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore;

/// <summary>
/// Fills the session token issuer and audience from <see cref="CarteAuthOptions.TokenIssuer"/> and
/// <see cref="CarteAuthOptions.TokenAudience"/> after every <c>Configure</c> ran (ASP.NET Core's PostConfigure step,
/// like <c>PostConfigureCookieAuthenticationOptions</c>), so a value configured on <see cref="SessionTokenOptions"/>
/// itself, before or after <c>AddCarteAuth</c>, is kept.
/// </summary>
internal sealed class SessionTokenPostConfigureOptions(IOptions<CarteAuthOptions> carteAuth) : IPostConfigureOptions<SessionTokenOptions>
{
    public void PostConfigure(string? name, SessionTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.Issuer))
        {
            options.Issuer = carteAuth.Value.TokenIssuer;
        }

        if (string.IsNullOrEmpty(options.Audience))
        {
            options.Audience = carteAuth.Value.TokenAudience;
        }
    }
}
