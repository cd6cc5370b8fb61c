using System.Globalization;
using System.Text;
using CarteAuth.Authentication;
using CarteAuth.Policies;

namespace CarteAuth.AspNetCore;

/// <summary>
/// The compact form of a step-up requirement carried to the login page (<c>stepUp</c> query parameter) and in API
/// challenges: <c>;</c>-separated items, e.g. <c>level:high;methods:sc,hwk;required:pin;phr;factors:2;maxage:300;fresh</c>.
/// <list type="bullet">
/// <item><c>level:L</c> minimum level of assurance (<c>low</c>, <c>substantial</c>, <c>high</c>); always present.</item>
/// <item><c>methods:a,b</c> one of these RFC 8176 methods (absent: any).</item>
/// <item><c>required:a,b</c> all of these methods (e.g. <c>pin</c>).</item>
/// <item><c>phr</c> a phishing-resistant method (smart card certificate or FIDO2).</item>
/// <item><c>factors:N</c> at least N factor kinds (only when above 1).</item>
/// <item><c>maxage:S</c> the authentication must be at most S seconds old; <c>fresh</c> when the current one is too old.</item>
/// </list>
/// The login page shows only the methods that satisfy it (e.g. card with PIN, or FIDO2 with user verification).
/// </summary>
public static class StepUpEncoding
{
    /// <summary>Encodes a requirement.</summary>
    public static string Encode(in StepUpRequirement requirement)
    {
        var sb = new StringBuilder("level:").Append(Acr.ToValue(requirement.MinimumAssurance));
        if (requirement.AcceptedMethods != AuthenticationMethods.None)
        {
            sb.Append(";methods:").AppendJoin(',', Amr.ToValues(requirement.AcceptedMethods));
        }

        if (requirement.RequiredMethods != AuthenticationMethods.None)
        {
            sb.Append(";required:").AppendJoin(',', Amr.ToValues(requirement.RequiredMethods));
        }

        if (requirement.RequirePhishingResistant)
        {
            sb.Append(";phr");
        }

        if (requirement.MinimumFactors > 1)
        {
            sb.Append(";factors:").Append(requirement.MinimumFactors.ToString(CultureInfo.InvariantCulture));
        }

        if (requirement.MaxAuthenticationAge is { } age)
        {
            sb.Append(";maxage:").Append(((long)age.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        }

        if (requirement.Unmet.HasFlag(UnmetRequirements.Freshness))
        {
            sb.Append(";fresh");
        }

        return sb.ToString();
    }
}
