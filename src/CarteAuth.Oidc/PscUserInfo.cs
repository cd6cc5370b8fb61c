using System.Globalization;
using System.Text.Json;

namespace CarteAuth.Oidc;

/// <summary>
/// Pro Santé Connect user info (the claims of <c>scope_all</c>). Known claims are typed; every other member is kept in
/// <see cref="AdditionalClaims"/> (at every level), never fatal. A known claim of a type that cannot be read sensibly
/// (an object where a string is expected…) is a <see cref="PscException"/> with <c>psc.userinfo-invalid</c> naming it;
/// numbers where strings are expected are read as their text, and a single value where a list is expected as a list of one.
/// </summary>
public sealed class PscUserInfo
{
    /// <summary>The subject at the provider (<c>sub</c>), required.</summary>
    public required string Sub { get; init; }

    /// <summary>The professional's national identifier (idNat), e.g. <c>810002813839</c>.</summary>
    public string? SubjectNameId { get; init; }

    /// <summary><c>preferred_username</c> (PSC: also the idNat).</summary>
    public string? PreferredUsername { get; init; }

    /// <summary><c>given_name</c>.</summary>
    public string? GivenName { get; init; }

    /// <summary><c>family_name</c>.</summary>
    public string? FamilyName { get; init; }

    /// <summary><c>codeCivilite</c> (e.g. <c>M</c>, <c>MME</c>, <c>DR</c>).</summary>
    public string? CodeCivilite { get; init; }

    /// <summary><c>SubjectRefPro</c>: the professional's practice records.</summary>
    public PscSubjectRefPro? SubjectRefPro { get; init; }

    /// <summary><c>SubjectOrganization</c>.</summary>
    public string? SubjectOrganization { get; init; }

    /// <summary><c>SubjectOrganizationID</c>.</summary>
    public string? SubjectOrganizationId { get; init; }

    /// <summary><c>SubjectRole</c> values (e.g. <c>10^1.2.250.1.213.1.1.5.5</c>).</summary>
    public IReadOnlyList<string> SubjectRole { get; init; } = [];

    /// <summary><c>Secteur_Activite</c>.</summary>
    public string? SecteurActivite { get; init; }

    /// <summary><c>Palier_Authentification</c> (e.g. <c>APPPRIP</c>, <c>CPS</c>): how the professional authenticated at PSC.</summary>
    public string? PalierAuthentification { get; init; }

    /// <summary><c>otherIds</c>: other identifiers of the professional (RPPS, ADELI…).</summary>
    public IReadOnlyList<PscOtherId> OtherIds { get; init; } = [];

    /// <summary>Every other top-level member, as received.</summary>
    public IReadOnlyDictionary<string, JsonElement> AdditionalClaims { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Parses a userinfo JSON object.</summary>
    /// <exception cref="PscException"><c>psc.userinfo-invalid</c> naming the claim.</exception>
    public static PscUserInfo Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            return Parse(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new PscException(ReasonCodes.PscUserInfoInvalid, $"The userinfo response is not JSON: {e.Message}", e);
        }
    }

    /// <summary>Parses a userinfo JSON object.</summary>
    /// <exception cref="PscException"><c>psc.userinfo-invalid</c> naming the claim.</exception>
    public static PscUserInfo Parse(JsonElement root)
    {
        var r = new Reader(root, string.Empty);
        var sub = r.String("sub");
        if (string.IsNullOrEmpty(sub))
        {
            throw new PscException(ReasonCodes.PscUserInfoInvalid, "The userinfo response has no sub, which is required (OpenID Connect Core 1.0 §5.3.2).");
        }

        // Object initializers run in order: AdditionalClaims last, once every known claim was read.
        return new PscUserInfo
        {
            Sub = sub,
            SubjectNameId = r.String("SubjectNameID"),
            PreferredUsername = r.String("preferred_username"),
            GivenName = r.String("given_name"),
            FamilyName = r.String("family_name"),
            CodeCivilite = r.String("codeCivilite"),
            SubjectRefPro = r.Object("SubjectRefPro", PscSubjectRefPro.Read),
            SubjectOrganization = r.String("SubjectOrganization"),
            SubjectOrganizationId = r.String("SubjectOrganizationID"),
            SubjectRole = r.Strings("SubjectRole"),
            SecteurActivite = r.String("Secteur_Activite"),
            PalierAuthentification = r.String("Palier_Authentification"),
            OtherIds = r.Objects("otherIds", PscOtherId.Read),
            AdditionalClaims = r.Rest(),
        };
    }

    /// <summary>Reads the members of one JSON object, remembering which were read so the rest can be kept.</summary>
    internal sealed class Reader
    {
        private readonly JsonElement _element;
        private readonly string _path;
        private readonly HashSet<string> _read = new(StringComparer.Ordinal);

        public Reader(JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new PscException(ReasonCodes.PscUserInfoInvalid, $"The userinfo {(path.Length == 0 ? "response" : $"member {path}")} is a JSON {element.ValueKind}, not an object.");
            }

            _element = element;
            _path = path;
        }

        private string Name(string member) => _path.Length == 0 ? member : $"{_path}.{member}";

        public string? String(string member)
        {
            _read.Add(member);
            if (!_element.TryGetProperty(member, out var v))
            {
                return null;
            }

            return v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Null => null,
                JsonValueKind.Number => v.GetRawText(),
                JsonValueKind.True or JsonValueKind.False => v.GetBoolean().ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
                _ => throw new PscException(ReasonCodes.PscUserInfoInvalid, $"The userinfo claim {Name(member)} is a JSON {v.ValueKind}; a string is expected."),
            };
        }

        public IReadOnlyList<string> Strings(string member)
        {
            _read.Add(member);
            if (!_element.TryGetProperty(member, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (v.ValueKind != JsonValueKind.Array)
            {
                return String(member) is { } one ? [one] : [];
            }

            var list = new List<string>();
            var i = 0;
            foreach (var item in v.EnumerateArray())
            {
                switch (item.ValueKind)
                {
                    case JsonValueKind.String:
                        list.Add(item.GetString()!);
                        break;
                    case JsonValueKind.Number:
                        list.Add(item.GetRawText());
                        break;
                    case JsonValueKind.Null:
                        break;
                    default:
                        throw new PscException(ReasonCodes.PscUserInfoInvalid, $"The userinfo claim {Name(member)}[{i}] is a JSON {item.ValueKind}; a string is expected.");
                }

                i++;
            }

            return list;
        }

        public T? Object<T>(string member, Func<JsonElement, string, T> read)
            where T : class
        {
            _read.Add(member);
            return _element.TryGetProperty(member, out var v) && v.ValueKind != JsonValueKind.Null ? read(v, Name(member)) : null;
        }

        public IReadOnlyList<T> Objects<T>(string member, Func<JsonElement, string, T> read)
        {
            _read.Add(member);
            if (!_element.TryGetProperty(member, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (v.ValueKind == JsonValueKind.Object)
            {
                return [read(v, $"{Name(member)}[0]")];
            }

            if (v.ValueKind != JsonValueKind.Array)
            {
                throw new PscException(ReasonCodes.PscUserInfoInvalid, $"The userinfo claim {Name(member)} is a JSON {v.ValueKind}; an array of objects is expected.");
            }

            var list = new List<T>();
            var i = 0;
            foreach (var item in v.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Null)
                {
                    list.Add(read(item, $"{Name(member)}[{i}]"));
                }

                i++;
            }

            return list;
        }

        public IReadOnlyDictionary<string, JsonElement> Rest()
        {
            var rest = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var p in _element.EnumerateObject())
            {
                if (!_read.Contains(p.Name))
                {
                    rest[p.Name] = p.Value.Clone();
                }
            }

            return rest;
        }
    }
}

/// <summary>PSC <c>SubjectRefPro</c>: the professional's practice records.</summary>
public sealed class PscSubjectRefPro
{
    /// <summary><c>codeCivilite</c> when given here.</summary>
    public string? CodeCivilite { get; init; }

    /// <summary><c>exercices</c>: one per profession practised.</summary>
    public IReadOnlyList<PscExercice> Exercices { get; init; } = [];

    /// <summary>Every other member, as received.</summary>
    public IReadOnlyDictionary<string, JsonElement> AdditionalClaims { get; init; } = new Dictionary<string, JsonElement>();

    internal static PscSubjectRefPro Read(JsonElement element, string path)
    {
        var r = new PscUserInfo.Reader(element, path);
        var civ = r.String("codeCivilite");
        var ex = r.Objects("exercices", PscExercice.Read);
        return new PscSubjectRefPro { CodeCivilite = civ, Exercices = ex, AdditionalClaims = r.Rest() };
    }
}

/// <summary>PSC <c>exercices[]</c>: one profession practised.</summary>
public sealed class PscExercice
{
    /// <summary><c>codeProfession</c> (TRE_G15, e.g. <c>10</c> Médecin).</summary>
    public string? CodeProfession { get; init; }

    /// <summary><c>codeCategorieProfessionnelle</c> (TRE_R09, e.g. <c>C</c> civil).</summary>
    public string? CodeCategorieProfessionnelle { get; init; }

    /// <summary><c>codeCiviliteDexercice</c>.</summary>
    public string? CodeCiviliteDexercice { get; init; }

    /// <summary><c>nomDexercice</c>: the name the professional practises under.</summary>
    public string? NomDexercice { get; init; }

    /// <summary><c>prenomDexercice</c>.</summary>
    public string? PrenomDexercice { get; init; }

    /// <summary><c>codeTypeSavoirFaire</c> (e.g. <c>S</c> specialty).</summary>
    public string? CodeTypeSavoirFaire { get; init; }

    /// <summary><c>codeSavoirFaire</c> (e.g. <c>SM26</c>).</summary>
    public string? CodeSavoirFaire { get; init; }

    /// <summary><c>activities</c>: where the profession is practised.</summary>
    public IReadOnlyList<PscActivity> Activities { get; init; } = [];

    /// <summary>Every other member, as received.</summary>
    public IReadOnlyDictionary<string, JsonElement> AdditionalClaims { get; init; } = new Dictionary<string, JsonElement>();

    internal static PscExercice Read(JsonElement element, string path)
    {
        var r = new PscUserInfo.Reader(element, path);
        return new PscExercice
        {
            CodeProfession = r.String("codeProfession"),
            CodeCategorieProfessionnelle = r.String("codeCategorieProfessionnelle"),
            CodeCiviliteDexercice = r.String("codeCiviliteDexercice"),
            NomDexercice = r.String("nomDexercice"),
            PrenomDexercice = r.String("prenomDexercice"),
            CodeTypeSavoirFaire = r.String("codeTypeSavoirFaire"),
            CodeSavoirFaire = r.String("codeSavoirFaire"),
            Activities = r.Objects("activities", PscActivity.Read),
            AdditionalClaims = r.Rest(),
        };
    }
}

/// <summary>PSC <c>activities[]</c>: a practice situation in a structure.</summary>
public sealed class PscActivity
{
    /// <summary><c>codeModeExercice</c> (e.g. <c>L</c> liberal, <c>S</c> salaried).</summary>
    public string? CodeModeExercice { get; init; }

    /// <summary><c>codeSecteurDactivite</c> (e.g. <c>SA07</c> cabinet).</summary>
    public string? CodeSecteurDactivite { get; init; }

    /// <summary><c>codeSectionPharmacien</c>.</summary>
    public string? CodeSectionPharmacien { get; init; }

    /// <summary><c>codeRole</c>.</summary>
    public string? CodeRole { get; init; }

    /// <summary><c>codeGenreActivite</c>.</summary>
    public string? CodeGenreActivite { get; init; }

    /// <summary><c>identifiantTechniqueDeLaStructure</c> (e.g. <c>R10000001234567</c>).</summary>
    public string? IdentifiantTechniqueDeLaStructure { get; init; }

    /// <summary><c>numeroFinessSite</c>.</summary>
    public string? NumeroFinessSite { get; init; }

    /// <summary><c>numeroFinessetablissementJuridique</c>.</summary>
    public string? NumeroFinessEtablissementJuridique { get; init; }

    /// <summary><c>numeroSiretSite</c>.</summary>
    public string? NumeroSiretSite { get; init; }

    /// <summary><c>numeroSirenSite</c>.</summary>
    public string? NumeroSirenSite { get; init; }

    /// <summary><c>raisonSocialeSite</c>.</summary>
    public string? RaisonSocialeSite { get; init; }

    /// <summary><c>enseigneCommercialeSite</c>.</summary>
    public string? EnseigneCommercialeSite { get; init; }

    /// <summary>Every other member (address lines, phone…), as received.</summary>
    public IReadOnlyDictionary<string, JsonElement> AdditionalClaims { get; init; } = new Dictionary<string, JsonElement>();

    internal static PscActivity Read(JsonElement element, string path)
    {
        var r = new PscUserInfo.Reader(element, path);
        return new PscActivity
        {
            CodeModeExercice = r.String("codeModeExercice"),
            CodeSecteurDactivite = r.String("codeSecteurDactivite"),
            CodeSectionPharmacien = r.String("codeSectionPharmacien"),
            CodeRole = r.String("codeRole"),
            CodeGenreActivite = r.String("codeGenreActivite"),
            IdentifiantTechniqueDeLaStructure = r.String("identifiantTechniqueDeLaStructure"),
            NumeroFinessSite = r.String("numeroFinessSite"),
            NumeroFinessEtablissementJuridique = r.String("numeroFinessetablissementJuridique"),
            NumeroSiretSite = r.String("numeroSiretSite"),
            NumeroSirenSite = r.String("numeroSirenSite"),
            RaisonSocialeSite = r.String("raisonSocialeSite"),
            EnseigneCommercialeSite = r.String("enseigneCommercialeSite"),
            AdditionalClaims = r.Rest(),
        };
    }
}

/// <summary>PSC <c>otherIds[]</c>: another identifier of the professional.</summary>
public sealed class PscOtherId
{
    /// <summary><c>identifiant</c>.</summary>
    public string? Identifiant { get; init; }

    /// <summary><c>origine</c> (e.g. <c>RPPS</c>, <c>ADELI</c>).</summary>
    public string? Origine { get; init; }

    /// <summary><c>qualite</c>.</summary>
    public string? Qualite { get; init; }

    /// <summary>Every other member, as received.</summary>
    public IReadOnlyDictionary<string, JsonElement> AdditionalClaims { get; init; } = new Dictionary<string, JsonElement>();

    internal static PscOtherId Read(JsonElement element, string path)
    {
        var r = new PscUserInfo.Reader(element, path);
        return new PscOtherId { Identifiant = r.String("identifiant"), Origine = r.String("origine"), Qualite = r.String("qualite"), AdditionalClaims = r.Rest() };
    }
}
