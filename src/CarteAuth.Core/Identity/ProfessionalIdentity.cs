namespace CarteAuth.Identity;

/// <summary>
/// Who a health professional is, as established by an authenticator: national identifier, names, profession,
/// specialty, structures and roles. Immutable. Code values (profession, category, specialty) are the ANS
/// nomenclature codes (TRE_G15 profession, TRE_R09 savoir-faire…), e.g. profession <c>10</c> = Médecin.
/// </summary>
public sealed class ProfessionalIdentity
{
    private static readonly IReadOnlyList<StructureAffiliation> NoStructures = Array.AsReadOnly(Array.Empty<StructureAffiliation>());
    private static readonly IReadOnlyList<string> NoRoles = Array.AsReadOnly(Array.Empty<string>());

    /// <summary>Creates an identity.</summary>
    /// <param name="nationalId">The idNat; required.</param>
    /// <param name="familyName">Family name (exercise name where known); required, not blank.</param>
    /// <param name="givenName">Given name; may be empty for some CPx cards.</param>
    /// <exception cref="IdentityFormatException">A required field is missing.</exception>
    public ProfessionalIdentity(NationalId nationalId, string familyName, string? givenName = null)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        if (string.IsNullOrWhiteSpace(familyName))
        {
            throw new IdentityFormatException(
                ReasonCodes.MissingIdentityField,
                $"The family name of professional {nationalId} is missing; authenticators must supply it (certificate SN, PSC family_name).");
        }

        NationalId = nationalId;
        FamilyName = familyName.Trim();
        GivenName = string.IsNullOrWhiteSpace(givenName) ? null : givenName.Trim();
    }

    /// <summary>The national identifier (idNat).</summary>
    public NationalId NationalId { get; }

    /// <summary>Family name.</summary>
    public string FamilyName { get; }

    /// <summary>Given name, when known.</summary>
    public string? GivenName { get; }

    /// <summary>Name to display: <c>Given FAMILY</c>, unless set explicitly.</summary>
    public string DisplayName
    {
        get => _displayName ?? (GivenName is null ? FamilyName : $"{GivenName} {FamilyName}");
        init => _displayName = string.IsNullOrWhiteSpace(value) ? null : value;
    }

    private readonly string? _displayName;

    /// <summary>Civility code (PSC <c>codeCivilite</c>), when known.</summary>
    public string? Civility { get; init; }

    /// <summary>Profession code (TRE_G15, e.g. <c>10</c> Médecin, <c>21</c> Pharmacien, <c>60</c> Infirmier).</summary>
    public string? ProfessionCode { get; init; }

    /// <summary>Profession label as carried by the credential (certificate <c>title</c>), e.g. <c>Médecin</c>.</summary>
    public string? ProfessionLabel { get; init; }

    /// <summary>Professional category code (TRE_R09 CategorieProfessionnelle: <c>C</c> civil, <c>M</c> military, <c>E</c> student…).</summary>
    public string? ProfessionCategory { get; init; }

    /// <summary>Specialty code (savoir-faire, e.g. <c>SM26</c> Qualifié en médecine générale), when known.</summary>
    public string? SpecialtyCode { get; init; }

    /// <summary>Structures where the professional practises (a read-only copy of what was set).</summary>
    public IReadOnlyList<StructureAffiliation> Structures
    {
        get;
        init => field = value is null || value.Count == 0 ? NoStructures : Array.AsReadOnly(value.ToArray());
    } = NoStructures;

    /// <summary>Roles (PSC <c>SubjectRole</c>, local roles), compared ordinally (a read-only copy of what was set).</summary>
    public IReadOnlyList<string> Roles
    {
        get;
        init => field = value is null || value.Count == 0 ? NoRoles : Array.AsReadOnly(value.ToArray());
    } = NoRoles;

    /// <inheritdoc/>
    public override string ToString() => $"{DisplayName} ({NationalId})";
}
