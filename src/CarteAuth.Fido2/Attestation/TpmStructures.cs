using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CarteAuth.Fido2.Attestation;

/// <summary>TPM 2.0 constants used by the tpm attestation format (TPM 2.0 Library Part 2, "Structures").</summary>
internal static class Tpm
{
    /// <summary>TPM_GENERATED_VALUE (Part 2 §6.2).</summary>
    internal const uint GeneratedValue = 0xff544347;

    /// <summary>TPM_ST_ATTEST_CERTIFY (Part 2 §6.9).</summary>
    internal const ushort StAttestCertify = 0x8017;

    internal const ushort AlgRsa = 0x0001;
    internal const ushort AlgSha1 = 0x0004;
    internal const ushort AlgSha256 = 0x000B;
    internal const ushort AlgSha384 = 0x000C;
    internal const ushort AlgSha512 = 0x000D;
    internal const ushort AlgNull = 0x0010;
    internal const ushort AlgEcc = 0x0023;

    internal const ushort EccNistP256 = 0x0003;
    internal const ushort EccNistP384 = 0x0004;
    internal const ushort EccNistP521 = 0x0005;

    /// <summary>The hash of a TPM_ALG_ID, or null when it is not a supported hash.</summary>
    internal static HashAlgorithmName? Hash(ushort alg) => alg switch
    {
        AlgSha1 => HashAlgorithmName.SHA1,
        AlgSha256 => HashAlgorithmName.SHA256,
        AlgSha384 => HashAlgorithmName.SHA384,
        AlgSha512 => HashAlgorithmName.SHA512,
        _ => null,
    };

    /// <summary>A TPM_ALG_ID for messages.</summary>
    internal static string AlgName(ushort alg) => alg switch
    {
        AlgRsa => "TPM_ALG_RSA",
        AlgSha1 => "TPM_ALG_SHA1",
        AlgSha256 => "TPM_ALG_SHA256",
        AlgSha384 => "TPM_ALG_SHA384",
        AlgSha512 => "TPM_ALG_SHA512",
        AlgNull => "TPM_ALG_NULL",
        AlgEcc => "TPM_ALG_ECC",
        _ => $"0x{alg:x4}",
    };
}

/// <summary>Big-endian reader over TPM marshalled structures; throws <see cref="FormatException"/> when truncated.</summary>
internal ref struct TpmReader(ReadOnlySpan<byte> data, string what)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _offset;

    public readonly int Remaining => _data.Length - _offset;

    public ushort U16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2, "a UINT16"));

    public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4, "a UINT32"));

    public ulong U64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8, "a UINT64"));

    public byte U8() => Take(1, "a BYTE")[0];

    /// <summary>A TPM2B_*: UINT16 size then that many bytes.</summary>
    public byte[] Sized(string field)
    {
        var size = U16();
        return Take(size, $"{field} ({size} bytes)").ToArray();
    }

    public readonly ReadOnlySpan<byte> Rest => _data[_offset..];

    public readonly void End()
    {
        if (_offset != _data.Length)
        {
            throw new FormatException($"{what} has {_data.Length - _offset} unexpected byte(s) after offset {_offset}");
        }
    }

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (_data.Length - _offset < count)
        {
            throw new FormatException($"{what} ends at byte {_data.Length}, inside {field} at offset {_offset}");
        }

        var result = _data.Slice(_offset, count);
        _offset += count;
        return result;
    }
}

/// <summary>
/// TPMT_PUBLIC (Part 2 §12.2.4): type ‖ nameAlg ‖ objectAttributes ‖ authPolicy (TPM2B) ‖ parameters (TPMS_RSA_PARMS or
/// TPMS_ECC_PARMS) ‖ unique (TPM2B_PUBLIC_KEY_RSA or TPMS_ECC_POINT).
/// </summary>
internal sealed record TpmPublic(ushort Type, ushort NameAlg, uint ObjectAttributes, ushort Scheme, ushort? CurveId, ushort? KeyBits, uint? Exponent, byte[]? Modulus, byte[]? X, byte[]? Y)
{
    /// <exception cref="FormatException">Truncated, trailing bytes, or a key type other than RSA and ECC.</exception>
    internal static TpmPublic Parse(ReadOnlySpan<byte> data)
    {
        var r = new TpmReader(data, "pubArea (TPMT_PUBLIC)");
        var type = r.U16();
        var nameAlg = r.U16();
        var attributes = r.U32();
        r.Sized("authPolicy");

        // TPMT_SYM_DEF_OBJECT: algorithm, then keyBits and mode unless TPM_ALG_NULL.
        if (r.U16() != Tpm.AlgNull)
        {
            r.U16();
            r.U16();
        }

        TpmPublic result;
        switch (type)
        {
            case Tpm.AlgRsa:
            {
                // TPMS_RSA_PARMS: symmetric ‖ scheme (TPMT_RSA_SCHEME) ‖ keyBits ‖ exponent; unique TPM2B_PUBLIC_KEY_RSA.
                var scheme = r.U16();
                if (scheme != Tpm.AlgNull)
                {
                    r.U16(); // details.hashAlg
                }

                var keyBits = r.U16();
                var exponent = r.U32();
                var modulus = r.Sized("unique (RSA modulus)");
                result = new TpmPublic(type, nameAlg, attributes, scheme, null, keyBits, exponent, modulus, null, null);
                break;
            }

            case Tpm.AlgEcc:
            {
                // TPMS_ECC_PARMS: symmetric ‖ scheme (TPMT_ECC_SCHEME) ‖ curveID ‖ kdf (TPMT_KDF_SCHEME); unique TPMS_ECC_POINT.
                var scheme = r.U16();
                if (scheme != Tpm.AlgNull)
                {
                    r.U16(); // details.hashAlg
                }

                var curve = r.U16();
                if (r.U16() != Tpm.AlgNull)
                {
                    r.U16(); // kdf details.hashAlg
                }

                var x = r.Sized("unique.x");
                var y = r.Sized("unique.y");
                result = new TpmPublic(type, nameAlg, attributes, scheme, curve, null, null, null, x, y);
                break;
            }

            default:
                throw new FormatException($"pubArea (TPMT_PUBLIC) has type {Tpm.AlgName(type)}; only TPM_ALG_RSA and TPM_ALG_ECC keys can be credential keys");
        }

        r.End();
        return result;
    }
}

/// <summary>
/// TPMS_ATTEST (Part 2 §10.12.12): magic ‖ type ‖ qualifiedSigner (TPM2B_NAME) ‖ extraData (TPM2B_DATA) ‖ clockInfo
/// (TPMS_CLOCK_INFO, 17 bytes) ‖ firmwareVersion (UINT64) ‖ attested (TPMU_ATTEST, by type).
/// </summary>
internal sealed record TpmAttest(uint Magic, ushort Type, byte[] QualifiedSigner, byte[] ExtraData, byte[] Attested)
{
    /// <exception cref="FormatException">Truncated.</exception>
    internal static TpmAttest Parse(ReadOnlySpan<byte> data)
    {
        var r = new TpmReader(data, "certInfo (TPMS_ATTEST)");
        var magic = r.U32();
        var type = r.U16();
        var signer = r.Sized("qualifiedSigner");
        var extraData = r.Sized("extraData");
        r.U64(); // clockInfo.clock
        r.U32(); // clockInfo.resetCount
        r.U32(); // clockInfo.restartCount
        r.U8();  // clockInfo.safe
        r.U64(); // firmwareVersion
        return new TpmAttest(magic, type, signer, extraData, r.Rest.ToArray());
    }

    /// <summary>TPMS_CERTIFY_INFO (Part 2 §10.12.3): name (TPM2B_NAME) ‖ qualifiedName (TPM2B_NAME), nothing after.</summary>
    /// <exception cref="FormatException">Truncated or trailing bytes.</exception>
    internal (byte[] Name, byte[] QualifiedName) CertifyInfo()
    {
        var r = new TpmReader(Attested, "certInfo.attested (TPMS_CERTIFY_INFO)");
        var name = r.Sized("name");
        var qualifiedName = r.Sized("qualifiedName");
        r.End();
        return (name, qualifiedName);
    }
}
