namespace CarteAuth.SmartCard.Development;

/// <summary>
/// What a development card certificate holds. A personal CPS card has no structure; an establishment staff card
/// (CPA/CPE) has a national identifier of the form <c>&lt;type&gt;&lt;structure&gt;/&lt;card&gt;</c> and a structure.
/// The switches make deliberately bad certificates for tests.
/// </summary>
public sealed record DevCardSpec
{
    /// <summary>File name stem (e.g. <c>doctor</c>): letters, digits and dashes.</summary>
    public required string Name { get; init; }

    /// <summary>The idNat put in CN (e.g. <c>810002813839</c>, or <c>500000000029751/CPAT0001</c> for staff).</summary>
    public required string NationalId { get; init; }

    /// <summary>Family name (SN).</summary>
    public required string FamilyName { get; init; }

    /// <summary>Given name (GN).</summary>
    public string? GivenName { get; init; }

    /// <summary>Profession label (title), for personal cards, e.g. <c>Médecin</c>.</summary>
    public string? Profession { get; init; }

    /// <summary>Structure identifier (OU), for staff cards.</summary>
    public string? StructureId { get; init; }

    /// <summary>Structure name (O), for staff cards.</summary>
    public string? StructureName { get; init; }

    /// <summary>Locality (L), for staff cards.</summary>
    public string? Locality { get; init; }

    /// <summary>Start of validity; default: one day before the PKI's "now".</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>End of validity; default: three years after the PKI's "now".</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>Include the clientAuth extended key usage (real cards do). False makes a certificate to refuse.</summary>
    public bool ClientAuth { get; init; } = true;

    /// <summary>Include the digitalSignature key usage (real cards do). False makes a certificate to refuse.</summary>
    public bool DigitalSignature { get; init; } = true;
}
