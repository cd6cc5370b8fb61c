using System.Text.Json;
using System.Text.Json.Serialization;
using CarteAuth.Identity;

namespace CarteAuth.Authentication;

/// <summary>
/// The JSON form of <see cref="AuthenticationEvidence"/> used by the CLI (<c>carteauth policy check --evidence</c>)
/// and by tests and samples:
/// <code>
/// { "subject": "810002813839", "familyName": "DONNAT-GADY", "givenName": "ISABELLE", "profession": "10",
///   "roles": [], "structures": [ "1750712184" ], "amr": [ "sc", "pin", "hwk" ], "assurance": "high",
///   "acr": null, "authTime": "2026-11-23T08:00:00Z", "authenticator": "smartcard", "phishingResistant": true }
/// </code>
/// Reading is strict: unknown properties, wrong types, unknown amr values or a malformed idNat are
/// <see cref="CarteAuthException"/>s with <see cref="ReasonCodes.InvalidEvidence"/> (or the identity's own code).
/// </summary>
public static class EvidenceJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads evidence from JSON.</summary>
    /// <exception cref="CarteAuthException">The document is not valid evidence; the message says which property and why.</exception>
    public static AuthenticationEvidence Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        EvidenceDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize<EvidenceDocument>(json, Options);
        }
        catch (JsonException e)
        {
            throw Invalid($"the evidence JSON is invalid at {e.Path ?? "$"} (line {e.LineNumber + 1}): {e.Message}", e);
        }

        if (doc is null)
        {
            throw Invalid("the evidence JSON is null; expected an object with subject, familyName, amr, assurance, authTime and authenticator.");
        }

        return doc.ToEvidence();
    }

    /// <summary>Writes evidence as JSON (the same shape <see cref="Parse"/> reads).</summary>
    public static string Serialize(AuthenticationEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var id = evidence.Identity;
        var doc = new EvidenceDocument
        {
            Subject = id.NationalId.Value,
            FamilyName = id.FamilyName,
            GivenName = id.GivenName,
            Profession = id.ProfessionCode,
            ProfessionLabel = id.ProfessionLabel,
            Specialty = id.SpecialtyCode,
            Roles = [.. id.Roles],
            Structures = [.. id.Structures.Select(static s => s.Identifier.NationalValue)],
            Amr = Amr.ToValues(evidence.Methods),
            Assurance = Acr.ToValue(evidence.Assurance),
            Acr = evidence.Acr,
            AuthTime = evidence.AuthenticatedAt,
            Authenticator = evidence.Authenticator,
            PhishingResistant = evidence.IsPhishingResistant,
            CredentialId = evidence.CredentialId,
        };
        return JsonSerializer.Serialize(doc, Options);
    }

    private static CarteAuthException Invalid(string message, Exception? inner = null) =>
        new(ReasonCodes.InvalidEvidence, "Invalid evidence: " + message, inner);

    private sealed class EvidenceDocument
    {
        public string? Subject { get; set; }
        public string? FamilyName { get; set; }
        public string? GivenName { get; set; }
        public string? Profession { get; set; }
        public string? ProfessionLabel { get; set; }
        public string? Specialty { get; set; }
        public string[]? Roles { get; set; }
        public string[]? Structures { get; set; }
        public string[]? Amr { get; set; }
        public string? Assurance { get; set; }
        public string? Acr { get; set; }
        public DateTimeOffset? AuthTime { get; set; }
        public string? Authenticator { get; set; }
        public bool PhishingResistant { get; set; }
        public string? CredentialId { get; set; }

        public AuthenticationEvidence ToEvidence()
        {
            var nationalId = NationalId.Parse(Subject);
            if (string.IsNullOrWhiteSpace(FamilyName))
            {
                throw Invalid("'familyName' is missing.");
            }

            if (Amr is null || Amr.Length == 0)
            {
                throw Invalid("'amr' is missing; give the RFC 8176 methods used, e.g. [\"sc\", \"pin\", \"hwk\"].");
            }

            if (AuthTime is null)
            {
                throw Invalid("'authTime' is missing; give the authentication time in ISO 8601, e.g. \"2026-11-23T08:00:00Z\".");
            }

            if (string.IsNullOrWhiteSpace(Authenticator))
            {
                throw Invalid("'authenticator' is missing; give the authenticator's name, e.g. \"smartcard\".");
            }

            AuthenticationMethods methods;
            AssuranceLevel level;
            try
            {
                methods = Authentication.Amr.Parse(Amr);
                level = Assurance is null && Acr is not null ? Authentication.Acr.Parse(Acr) : Authentication.Acr.Parse(Assurance);
            }
            catch (CarteAuthException e)
            {
                throw Invalid(e.Message, e);
            }

            var structures = new List<StructureAffiliation>();
            foreach (var s in Structures ?? [])
            {
                structures.Add(new StructureAffiliation(StructureIdentifier.ParseNational(s)));
            }

            var identity = new ProfessionalIdentity(nationalId, FamilyName, GivenName)
            {
                ProfessionCode = Profession,
                ProfessionLabel = ProfessionLabel,
                SpecialtyCode = Specialty,
                Roles = Roles ?? [],
                Structures = structures,
            };
            return new AuthenticationEvidence(identity, methods, level, AuthTime.Value, Authenticator)
            {
                Acr = Acr,
                IsPhishingResistant = PhishingResistant,
                CredentialId = CredentialId,
            };
        }
    }
}
