using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace CarteAuth.Identity;

/// <summary>
/// The national identifier of a health professional (idNat): a type digit followed by the identifier.
/// <list type="bullet">
/// <item><c>8</c> + RPPS (11 digits whose last is a Luhn check digit), e.g. <c>810002813839</c>.</item>
/// <item><c>0</c> + ADELI (9 characters: department, then 7 digits), e.g. <c>0751234567</c>.</item>
/// <item>for establishment staff (CPA/CPE): a type digit naming the structure identifier (1 ADELI cabinet, 3 FINESS,
/// 4 SIREN, 5 SIRET, 6 RPPS cabinet; ANS idNat_PS nomenclature, which differs from the idNat_Struct digits of
/// <see cref="StructureIdKind"/>) + structure identifier + <c>/</c> + internal identifier,
/// e.g. <c>500000000029751/CPAT0001</c> (SIRET 00000000029751).</item>
/// </list>
/// Values are compared ordinally. Parse with <see cref="Parse"/> or <see cref="TryParse(string?, out NationalId?)"/>.
/// </summary>
public sealed class NationalId : IEquatable<NationalId>
{
    private const int MaxLength = 64;

    private NationalId(string value, NationalIdKind kind, StructureIdKind? structureKind, int slash)
    {
        Value = value;
        Kind = kind;
        StructureKind = structureKind;
        _slash = slash;
    }

    private readonly int _slash;

    /// <summary>The full idNat, type digit included (the value carried by certificates and PSC's <c>SubjectNameID</c>).</summary>
    public string Value { get; }

    /// <summary>What the identifier designates.</summary>
    public NationalIdKind Kind { get; }

    /// <summary>For <see cref="NationalIdKind.StructureStaff"/>: which kind of structure identifier it is built on.</summary>
    public StructureIdKind? StructureKind { get; }

    /// <summary>The identifier without its type digit: the RPPS or ADELI number, or <c>structure/internal</c> for staff.</summary>
    public ReadOnlySpan<char> Identifier => Value.AsSpan(1);

    /// <summary>For staff identifiers, the structure part (between the type digit and <c>/</c>); otherwise empty.</summary>
    public ReadOnlySpan<char> StructurePart => _slash > 0 ? Value.AsSpan(1, _slash - 1) : default;

    /// <summary>For staff identifiers, the internal identifier after <c>/</c> (card or personnel number); otherwise empty.</summary>
    public ReadOnlySpan<char> InternalPart => _slash > 0 ? Value.AsSpan(_slash + 1) : default;

    /// <summary>True for RPPS numbers reserved for test cards (RPPS starting with <c>997</c>, idNat <c>8997…</c>).</summary>
    public bool IsTestIdentifier => Kind == NationalIdKind.Rpps && Value.AsSpan(1).StartsWith("997", StringComparison.Ordinal);

    /// <summary>Parses an idNat.</summary>
    /// <param name="value">The identifier, for example <c>810002813839</c>.</param>
    /// <exception cref="IdentityFormatException">The value is not a valid idNat; the message says why.</exception>
    public static NationalId Parse(string? value)
    {
        if (TryParse(value, out var id, out var code, out var message))
        {
            return id;
        }

        throw new IdentityFormatException(code, message);
    }

    /// <summary>Tries to parse an idNat without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out NationalId? id)
        => TryParse(value, out id, out _, out _);

    /// <summary>Tries to parse an idNat; on failure gives the stable reason code and an actionable message.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? value,
        [NotNullWhen(true)] out NationalId? id,
        out string reasonCode,
        out string message)
    {
        id = null;
        reasonCode = ReasonCodes.InvalidNationalId;
        if (string.IsNullOrWhiteSpace(value))
        {
            message = "The national identifier (idNat) is empty. Expected a type digit followed by the identifier, e.g. 8 + an 11-digit RPPS number.";
            return false;
        }

        if (value.Length > MaxLength)
        {
            message = $"The national identifier is {value.Length} characters long; an idNat has at most {MaxLength}.";
            return false;
        }

        bool ok;
        switch (value[0])
        {
            case '8':
                ok = TryRpps(value, out id, ref reasonCode, out message);
                break;
            case '0':
                ok = TryAdeli(value, out id, out message);
                break;
            case '1' or '3' or '4' or '5' or '6':
                ok = TryStaff(value, out id, out message);
                break;
            default:
                message = $"The national identifier '{Printable(value)}' starts with '{Printable(value[..1])}', which is not an idNat type: use 8 (RPPS), 0 (ADELI) or, for establishment staff (structure id/internal id), 1 (ADELI cabinet), 3 (FINESS), 4 (SIREN), 5 (SIRET) or 6 (RPPS cabinet).";
                return false;
        }

        if (ok)
        {
            reasonCode = string.Empty;
        }

        return ok;
    }

    /// <summary>
    /// The structure identifier kind of an establishment-staff idNat, from its type digit (ANS idNat_PS:
    /// 1 ADELI cabinet, 3 FINESS, 4 SIREN, 5 SIRET, 6 RPPS cabinet). These digits are not the idNat_Struct digits.
    /// </summary>
    private static StructureIdKind StaffStructureKind(char typeDigit) => typeDigit switch
    {
        '1' => StructureIdKind.AdeliCabinet,
        '3' => StructureIdKind.Finess,
        '4' => StructureIdKind.Siren,
        '5' => StructureIdKind.Siret,
        '6' => StructureIdKind.RppsRang,
        _ => throw new ArgumentOutOfRangeException(nameof(typeDigit), typeDigit, "Not an establishment-staff idNat type digit."),
    };

    private static bool TryRpps(string value, out NationalId? id, ref string reasonCode, out string message)
    {
        id = null;
        var rpps = value.AsSpan(1);
        if (rpps.Length != 11 || !Luhn.AllDigits(rpps))
        {
            message = $"The RPPS-based idNat '{Printable(value)}' must be 8 followed by exactly 11 digits (got {rpps.Length} characters after the 8).";
            return false;
        }

        if (!Luhn.IsValid(rpps))
        {
            reasonCode = ReasonCodes.RppsCheckDigit;
            message = $"The RPPS number '{rpps}' fails its Luhn check digit: check for a mistyped digit.";
            return false;
        }

        id = new NationalId(value, NationalIdKind.Rpps, null, -1);
        message = string.Empty;
        return true;
    }

    private static bool TryAdeli(string value, out NationalId? id, out string message)
    {
        id = null;
        var adeli = value.AsSpan(1);
        // ADELI: 9 characters, the first two the department (digits, or 2A/2B for Corsica), then digits.
        var departmentOk = adeli.Length >= 2 &&
            ((char.IsAsciiDigit(adeli[0]) && char.IsAsciiDigit(adeli[1])) ||
             (adeli[0] == '2' && (adeli[1] is 'A' or 'B')));
        if (adeli.Length != 9 || !departmentOk || !Luhn.AllDigits(adeli[2..]))
        {
            message = $"The ADELI-based idNat '{Printable(value)}' must be 0 followed by 9 characters: a department (2 digits, or 2A/2B) then 7 digits.";
            return false;
        }

        id = new NationalId(value, NationalIdKind.Adeli, null, -1);
        message = string.Empty;
        return true;
    }

    private static bool TryStaff(string value, out NationalId? id, out string message)
    {
        id = null;
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            message = $"The establishment-staff idNat '{Printable(value)}' must have the form <type digit><structure id>/<internal id>, e.g. 500000000029751/CPAT0001.";
            return false;
        }

        var structureKind = StaffStructureKind(value[0]);
        var structure = value.AsSpan(1, slash - 1);
        var internalId = value.AsSpan(slash + 1);
        if (structure.Length is < 9 or > 14 || !IsAlphanumeric(structure))
        {
            message = $"The structure part '{Printable(structure.ToString())}' of idNat '{Printable(value)}' must be 9 to 14 letters or digits ({structureKind} identifier).";
            return false;
        }

        if (internalId.IsEmpty || internalId.Length > 32 || !IsAlphanumeric(internalId, allowDash: true))
        {
            message = $"The internal identifier after '/' in idNat '{Printable(value)}' must be 1 to 32 letters, digits or dashes.";
            return false;
        }

        id = new NationalId(value, NationalIdKind.StructureStaff, structureKind, slash);
        message = string.Empty;
        return true;
    }

    private static bool IsAlphanumeric(ReadOnlySpan<char> value, bool allowDash = false)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !(allowDash && c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Makes a user-supplied value safe to echo in a message: control, format (e.g. bidirectional overrides) and
    /// line/paragraph separator characters and lone surrogates become <c>?</c>; the length is capped at 80 UTF-16
    /// characters (followed by an ellipsis) without cutting a surrogate pair.
    /// </summary>
    internal static string Printable(string value)
    {
        const int Cap = 80;
        var builder = new StringBuilder(Math.Min(value.Length, Cap + 1));
        var length = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (length + rune.Utf16SequenceLength > Cap)
            {
                return builder.Append('…').ToString();
            }

            length += rune.Utf16SequenceLength;
            if (IsUnsafeToEcho(rune))
            {
                builder.Append('?');
            }
            else if (rune.IsBmp)
            {
                builder.Append((char)rune.Value);
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    private static bool IsUnsafeToEcho(Rune rune) =>
        rune == Rune.ReplacementChar || // lone surrogates enumerate as U+FFFD
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <inheritdoc/>
    public bool Equals(NationalId? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NationalId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>The idNat.</summary>
    public override string ToString() => Value;

    /// <summary>Equality by value.</summary>
    public static bool operator ==(NationalId? left, NationalId? right) => left?.Equals(right) ?? right is null;

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(NationalId? left, NationalId? right) => !(left == right);
}
