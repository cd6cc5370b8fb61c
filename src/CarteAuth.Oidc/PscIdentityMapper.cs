using CarteAuth.Authentication;
using CarteAuth.Identity;

namespace CarteAuth.Oidc;

/// <summary>
/// Maps PSC user info and a validated ID token to Core's <see cref="ProfessionalIdentity"/> and
/// <see cref="AuthenticationEvidence"/>. The mapping table is in docs/oidc.md.
/// </summary>
public static class PscIdentityMapper
{
    /// <summary>The identity: idNat from <c>SubjectNameID</c> (else <c>preferred_username</c>), names, profession from the first exercice, structures from its activities, roles from <c>SubjectRole</c>.</summary>
    /// <exception cref="PscException"><c>psc.identity-invalid</c>: no valid idNat or no family name.</exception>
    public static ProfessionalIdentity ToIdentity(PscUserInfo userInfo)
    {
        ArgumentNullException.ThrowIfNull(userInfo);
        var raw = userInfo.SubjectNameId ?? userInfo.PreferredUsername;
        if (!NationalId.TryParse(raw, out var idNat, out var code, out var why))
        {
            throw new PscException(ReasonCodes.PscIdentityInvalid, $"The userinfo's SubjectNameID '{PscTokenValidator.Show(raw ?? "(none)")}' is not a national identifier (idNat) [{code}]: {why} Check that the client asks for scope_all.") { AttemptedSubject = userInfo.Sub };
        }

        var exercices = userInfo.SubjectRefPro?.Exercices ?? [];
        var first = exercices.Count > 0 ? exercices[0] : null;
        var family = FirstNonBlank(userInfo.FamilyName, first?.NomDexercice);
        if (family is null)
        {
            throw new PscException(ReasonCodes.PscIdentityInvalid, $"The userinfo of {idNat} has neither family_name nor SubjectRefPro.exercices[0].nomDexercice: the professional cannot be named. Check that the client asks for scope_all.") { AttemptedSubject = idNat.Value };
        }

        try
        {
            return new ProfessionalIdentity(idNat, family, FirstNonBlank(userInfo.GivenName, first?.PrenomDexercice))
            {
                Civility = FirstNonBlank(userInfo.CodeCivilite, userInfo.SubjectRefPro?.CodeCivilite, first?.CodeCiviliteDexercice),
                ProfessionCode = Blank(first?.CodeProfession),
                ProfessionCategory = Blank(first?.CodeCategorieProfessionnelle),
                SpecialtyCode = Blank(first?.CodeSavoirFaire),
                Structures = Structures(exercices),
                Roles = [.. userInfo.SubjectRole.Where(static r => !string.IsNullOrWhiteSpace(r)).Distinct(StringComparer.Ordinal)],
            };
        }
        catch (IdentityFormatException e)
        {
            throw new PscException(ReasonCodes.PscIdentityInvalid, $"The userinfo of {idNat} cannot be mapped to an identity [{e.ReasonCode}]: {e.Message}", e) { AttemptedSubject = idNat.Value };
        }
    }

    /// <summary>
    /// The evidence: methods from the ID token's <c>amr</c> (RFC 8176, unknown values kept in properties), else
    /// <c>mfa</c> when the acr is PSC's <c>eidas1</c> (PSC authenticates with two factors: CPS card + PIN or e-CPS app +
    /// code); level from the <c>acr</c> (Core's <see cref="Acr"/>); time from <c>auth_time</c>, else <c>iat</c>.
    /// Not marked phishing-resistant: the relying party cannot see how PSC authenticated the professional.
    /// </summary>
    /// <param name="identity">The identity from <see cref="ToIdentity"/>.</param>
    /// <param name="idToken">The validated ID token.</param>
    /// <param name="userInfo">The user info, when fetched.</param>
    /// <param name="authenticatorName">The authenticator name recorded.</param>
    /// <param name="flow">The flow (<c>code</c>, <c>ciba</c>), recorded as property <c>psc.flow</c> when given.</param>
    public static AuthenticationEvidence ToEvidence(ProfessionalIdentity identity, PscIdToken idToken, PscUserInfo? userInfo, string authenticatorName = ProSanteConnectDefaults.AuthenticatorName, string? flow = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(idToken);
        var methods = Amr.ParseLenient(idToken.Amr, out var unknown);
        if (methods == AuthenticationMethods.None && string.Equals(idToken.Acr, Acr.ProSanteConnect, StringComparison.Ordinal))
        {
            methods = AuthenticationMethods.Mfa;
        }

        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["psc.sub"] = idToken.Subject,
            ["psc.iss"] = idToken.Issuer,
        };
        if (idToken.SessionId is { } sid)
        {
            properties["psc.sid"] = sid;
        }

        if (userInfo?.PalierAuthentification is { } palier)
        {
            properties["psc.palier"] = palier;
        }

        if (flow is not null)
        {
            properties["psc.flow"] = flow;
        }

        if (unknown.Count > 0)
        {
            properties["psc.amr-unknown"] = string.Join(' ', unknown);
        }

        return new AuthenticationEvidence(identity, methods, idToken.Assurance, idToken.AuthTime ?? idToken.IssuedAt, authenticatorName)
        {
            Acr = idToken.Acr,
            CredentialId = null,
            IsPhishingResistant = false,
            Properties = properties,
        };
    }

    private static IReadOnlyList<StructureAffiliation> Structures(IReadOnlyList<PscExercice> exercices)
    {
        var list = new List<StructureAffiliation>();
        foreach (var activity in exercices.SelectMany(static e => e.Activities))
        {
            var id = Try(StructureIdKind.Finess, activity.NumeroFinessSite)
                ?? Try(StructureIdKind.Siret, activity.NumeroSiretSite)
                ?? Try(StructureIdKind.FinessLegalEntity, activity.NumeroFinessEtablissementJuridique)
                ?? Try(StructureIdKind.Siren, activity.NumeroSirenSite);
            if (id is not null && !list.Exists(s => s.Identifier.Equals(id)))
            {
                list.Add(new StructureAffiliation(id, Blank(activity.RaisonSocialeSite)));
            }
        }

        return list;
    }

    private static StructureIdentifier? Try(StructureIdKind kind, string? value) =>
        !string.IsNullOrWhiteSpace(value) && StructureIdentifier.TryCreate(kind, value.Trim(), out var id, out _) ? id : null;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? FirstNonBlank(params string?[] values) => values.Select(Blank).FirstOrDefault(static v => v is not null);

}
