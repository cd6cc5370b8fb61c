using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.SmartCard;

/// <summary>
/// Reads the attributes of a distinguished name from its DER encoding (RFC 5280 §4.1.2.4: Name ::= SEQUENCE OF
/// RelativeDistinguishedName, RDN ::= SET OF AttributeTypeAndValue), multi-valued RDNs included. The display string
/// is never parsed: values may contain commas, plus signs and equals signs.
/// </summary>
internal static class DistinguishedNames
{
    public const string CommonName = "2.5.4.3";
    public const string Surname = "2.5.4.4";
    public const string Country = "2.5.4.6";
    public const string Locality = "2.5.4.7";
    public const string Organization = "2.5.4.10";
    public const string OrganizationalUnit = "2.5.4.11";
    public const string Title = "2.5.4.12";
    public const string GivenName = "2.5.4.42";

    /// <summary>One attribute of a name, with the index of the RDN that holds it (0 = most general, as encoded).</summary>
    public readonly record struct Attribute(string Oid, string Value, int RdnIndex, bool InMultiValuedRdn);

    /// <summary>Every attribute of <paramref name="name"/>, in encoding order.</summary>
    /// <exception cref="CryptographicException">The name is not valid DER or holds a value that is not a directory string.</exception>
    public static List<Attribute> Read(X500DistinguishedName name)
    {
        var result = new List<Attribute>();
        var index = 0;
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            try
            {
                var reader = new AsnReader(rdn.RawData, AsnEncodingRules.DER);
                var set = reader.ReadSetOf();
                reader.ThrowIfNotEmpty();
                var attributes = new List<(string, string)>();
                while (set.HasData)
                {
                    var pair = set.ReadSequence();
                    var oid = pair.ReadObjectIdentifier();
                    var value = ReadDirectoryString(pair);
                    pair.ThrowIfNotEmpty();
                    attributes.Add((oid, value));
                }

                foreach (var (oid, value) in attributes)
                {
                    result.Add(new Attribute(oid, value, index, attributes.Count > 1));
                }
            }
            catch (AsnContentException e)
            {
                throw new CryptographicException("A relative distinguished name is not valid DER.", e);
            }

            index++;
        }

        return result;
    }

    /// <summary>The values of one attribute type, in encoding order.</summary>
    public static List<string> Values(List<Attribute> attributes, string oid) =>
        attributes.Where(a => a.Oid == oid).Select(a => a.Value).ToList();

    private static string ReadDirectoryString(AsnReader reader)
    {
        // RFC 5280 §4.1.2.4 DirectoryString (plus IA5String, used for some attributes).
        var tag = reader.PeekTag();
        if (tag.TagClass != TagClass.Universal)
        {
            throw new CryptographicException("An attribute value is not a universal string type.");
        }

        return (UniversalTagNumber)tag.TagValue switch
        {
            UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String
                or UniversalTagNumber.BMPString or UniversalTagNumber.T61String or UniversalTagNumber.VisibleString
                => reader.ReadCharacterString((UniversalTagNumber)tag.TagValue),
            _ => throw new CryptographicException($"An attribute value has ASN.1 type {tag.TagValue}, not a directory string."),
        };
    }
}
