using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace CarteAuth.SmartCard;

/// <summary>
/// Maps the profession label of a CPS certificate (<c>title</c>, e.g. <c>Médecin</c>) to its ANS TRE_G15 profession
/// code (e.g. <c>10</c>). Letter case, accents, dashes and spaces are ignored; feminine forms are recognised.
/// </summary>
public static class IgcSanteProfessions
{
    private static readonly FrozenDictionary<string, string> Codes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Key("Médecin")] = "10",
        [Key("Pharmacien")] = "21",
        [Key("Pharmacienne")] = "21",
        [Key("Audioprothésiste")] = "26",
        [Key("Opticien-Lunetier")] = "28",
        [Key("Chirurgien-Dentiste")] = "40",
        [Key("Sage-Femme")] = "50",
        [Key("Infirmier")] = "60",
        [Key("Infirmière")] = "60",
        [Key("Infirmier psychiatrique")] = "69",
        [Key("Masseur-Kinésithérapeute")] = "70",
        [Key("Pédicure-Podologue")] = "80",
        [Key("Orthoprothésiste")] = "81",
        [Key("Podo-Orthésiste")] = "82",
        [Key("Orthopédiste-Orthésiste")] = "83",
        [Key("Oculariste")] = "84",
        [Key("Epithésiste")] = "85",
        [Key("Technicien de laboratoire médical")] = "86",
        [Key("Orthophoniste")] = "91",
        [Key("Orthoptiste")] = "92",
        [Key("Ergothérapeute")] = "94",
        [Key("Diététicien")] = "95",
        [Key("Psychomotricien")] = "96",
        [Key("Manipulateur ERM")] = "98",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The TRE_G15 code of a profession label, when it is one of the common professions.</summary>
    public static bool TryGetCode(string? label, [NotNullWhen(true)] out string? code)
    {
        code = null;
        return !string.IsNullOrWhiteSpace(label) && Codes.TryGetValue(Key(label), out code);
    }

    private static string Key(string label)
    {
        var builder = new StringBuilder(label.Length);
        foreach (var c in label.Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(char.ToUpperInvariant(c));
            }
            else if (char.IsLetter(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(char.ToUpperInvariant(c));
            }
        }

        return builder.ToString();
    }
}
