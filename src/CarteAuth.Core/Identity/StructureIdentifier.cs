using System.Diagnostics.CodeAnalysis;

namespace CarteAuth.Identity;

/// <summary>
/// A health structure's identifier: FINESS, SIREN, SIRET, RPPS rang… Its national form (idNat_Struct) is the
/// TRE_G07 type digit followed by the identifier, e.g. <c>1750712184</c> for FINESS 750712184.
/// </summary>
public sealed class StructureIdentifier : IEquatable<StructureIdentifier>
{
    private StructureIdentifier(StructureIdKind kind, string value)
    {
        Kind = kind;
        Value = value;
        NationalValue = string.Concat(((int)kind).ToString(System.Globalization.CultureInfo.InvariantCulture), value);
    }

    /// <summary>The kind of identifier.</summary>
    public StructureIdKind Kind { get; }

    /// <summary>The identifier without its type digit, e.g. the 9-character FINESS number.</summary>
    public string Value { get; }

    /// <summary>The national form: type digit + identifier (what policies match on).</summary>
    public string NationalValue { get; }

    /// <summary>Creates a validated identifier.</summary>
    /// <exception cref="IdentityFormatException">The value does not fit the kind (length, characters, check digit).</exception>
    public static StructureIdentifier Create(StructureIdKind kind, string? value)
    {
        if (TryCreate(kind, value, out var id, out var message))
        {
            return id;
        }

        throw new IdentityFormatException(ReasonCodes.InvalidStructureId, message);
    }

    /// <summary>Parses the national form (type digit + identifier), e.g. <c>1750712184</c> or <c>300000000029751</c>.</summary>
    /// <exception cref="IdentityFormatException">The value is not a valid structure identifier.</exception>
    public static StructureIdentifier ParseNational(string? nationalValue)
    {
        if (string.IsNullOrEmpty(nationalValue) || nationalValue[0] is < '0' or > '5')
        {
            throw new IdentityFormatException(
                ReasonCodes.InvalidStructureId,
                $"The structure identifier '{NationalId.Printable(nationalValue ?? string.Empty)}' must start with its type digit: 0 ADELI cabinet, 1 FINESS, 2 SIREN, 3 SIRET, 4 RPPS rang, 5 FINESS EJ.");
        }

        return Create((StructureIdKind)(nationalValue[0] - '0'), nationalValue[1..]);
    }

    /// <summary>Tries to create a validated identifier; on failure <paramref name="message"/> says what is wrong.</summary>
    public static bool TryCreate(StructureIdKind kind, string? value, [NotNullWhen(true)] out StructureIdentifier? id, out string message)
    {
        id = null;
        var shown = NationalId.Printable(value ?? string.Empty);
        if (string.IsNullOrEmpty(value))
        {
            message = $"The {kind} identifier is empty.";
            return false;
        }

        switch (kind)
        {
            case StructureIdKind.Finess or StructureIdKind.FinessLegalEntity:
                // FINESS: 9 characters, department first (2A/2B for Corsica), last character a Luhn key.
                if (value.Length != 9 || !(Luhn.AllDigits(value) || IsCorsican(value)))
                {
                    message = $"The FINESS number '{shown}' must be 9 digits (2A/2B allowed as department).";
                    return false;
                }

                if (Luhn.AllDigits(value) && !Luhn.IsValid(value))
                {
                    message = $"The FINESS number '{shown}' fails its Luhn check digit: check for a mistyped digit.";
                    return false;
                }

                break;
            case StructureIdKind.Siren or StructureIdKind.Siret:
                var length = kind == StructureIdKind.Siren ? 9 : 14;
                if (value.Length != length || !Luhn.AllDigits(value))
                {
                    message = $"The {kind.ToString().ToUpperInvariant()} number '{shown}' must be exactly {length} digits.";
                    return false;
                }

                if (!Luhn.IsValid(value))
                {
                    message = $"The {kind.ToString().ToUpperInvariant()} number '{shown}' fails its Luhn check digit: check for a mistyped digit.";
                    return false;
                }

                break;
            case StructureIdKind.RppsRang:
                if (value.Length != 14 || !Luhn.AllDigits(value))
                {
                    message = $"The RPPS rang '{shown}' must be exactly 14 digits.";
                    return false;
                }

                break;
            case StructureIdKind.AdeliCabinet:
                if (value.Length is < 9 or > 14 || !Luhn.AllDigits(value))
                {
                    message = $"The ADELI cabinet identifier '{shown}' must be 9 to 14 digits.";
                    return false;
                }

                break;
            default:
                message = $"Unknown structure identifier kind {(int)kind}.";
                return false;
        }

        id = new StructureIdentifier(kind, value);
        message = string.Empty;
        return true;
    }

    private static bool IsCorsican(string value) =>
        value[0] == '2' && (value[1] is 'A' or 'B') && Luhn.AllDigits(value.AsSpan(2));

    /// <inheritdoc/>
    public bool Equals(StructureIdentifier? other) => other is not null && Kind == other.Kind && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is StructureIdentifier other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, StringComparer.Ordinal.GetHashCode(Value));

    /// <summary>The national form (type digit + identifier).</summary>
    public override string ToString() => NationalValue;
}
