using System.Globalization;
using System.Text;

namespace CarteAuth.SmartCard;

/// <summary>Makes values read from certificates and headers safe to echo in messages (no control or format characters, capped length).</summary>
internal static class Printable
{
    public static string Of(string? value, int cap = 80)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(value.Length, cap + 1));
        foreach (var rune in value.EnumerateRunes())
        {
            if (builder.Length + rune.Utf16SequenceLength > cap)
            {
                return builder.Append('…').ToString();
            }

            var unsafeRune = rune == Rune.ReplacementChar || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
            builder.Append(unsafeRune ? "?" : rune.ToString());
        }

        return builder.ToString();
    }
}
