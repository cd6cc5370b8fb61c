using System.Net;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Tests.TestSupport;

namespace CarteAuth.SmartCard.Tests.Certificates;

/// <summary>
/// Regressions found by the fuzz harness (tests/CarteAuth.Fuzz.Tests, targets <c>certificate</c> and <c>forwarded-cert</c>):
/// certificates that load but whose validity dates, key usage extensions or public key the platform decodes only later
/// made <see cref="CpsCertificate.TryRead"/> and <see cref="SmartCardCertificateValidator"/> throw
/// <c>CryptographicException</c> instead of refusing with a reason code. Each input is a real card certificate with
/// the one DER edit the fuzzer's crashing input had (the signature no longer matches, which reading does not check).
/// </summary>
public sealed class MalformedCertificateFieldTests
{
    private static readonly byte[] ClientAuthOid = [0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
    private static readonly byte[] KeyUsageValue = [0x06, 0x03, 0x55, 0x1D, 0x0F];
    private static readonly byte[] RsaEncryptionOid = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];

    /// <summary>notBefore's UTCTime with 88 seconds (fuzz input crash-0e33ad08ec2a393f: "…004188Z").</summary>
    private static X509Certificate2 BadNotBefore() => Patched(der =>
    {
        var at = IndexOf(der, [0x17, 0x0D]);
        der[at + 2 + 10] = (byte)'8';
        der[at + 2 + 11] = (byte)'8';
    });

    /// <summary>The clientAuth purpose encoded as an OCTET STRING instead of an OID (crash-9295d469a6f8d8a2).</summary>
    private static X509Certificate2 BadExtendedKeyUsage() => Patched(der => der[IndexOf(der, ClientAuthOid)] = 0x04);

    /// <summary>The key usage BIT STRING claims 8 unused bits (crash-5e8bb173f1a3dd06: "The ASN.1 value is invalid").</summary>
    private static X509Certificate2 BadKeyUsage() => Patched(der =>
    {
        // extnID, [critical BOOLEAN], OCTET STRING { BIT STRING (03 02 <unused bits> <bits>) }
        var at = IndexOf(der, KeyUsageValue) + KeyUsageValue.Length;
        at = IndexOf(der, [0x03, 0x02], at);
        der[at + 2] = 8;
    });

    /// <summary>The subject public key's algorithm is unknown, so OpenSSL cannot decode the key (crash-c5cdade34edfa14e).</summary>
    private static X509Certificate2 UnknownPublicKeyAlgorithm() => Patched(der => der[IndexOf(der, RsaEncryptionOid) + RsaEncryptionOid.Length - 1] = 0x63);

    [Fact]
    public void Undecodable_validity_dates_are_refused_as_unreadable_by_TryRead()
    {
        using var certificate = BadNotBefore();

        Assert.False(CpsCertificate.TryRead(certificate, out var info, out var code, out var message));
        Assert.Null(info);
        Assert.Equal(ReasonCodes.CertUnreadable, code);
        Assert.Contains("validity dates cannot be decoded", message, StringComparison.Ordinal);
        Assert.Equal(ReasonCodes.CertUnreadable, Assert.Throws<CarteAuthException>(() => CpsCertificate.Read(certificate)).ReasonCode);
    }

    [Fact]
    public async Task Undecodable_validity_dates_are_refused_as_unreadable_by_the_validator()
    {
        using var certificate = BadNotBefore();

        var result = await CardFixtures.Validator().ValidateAsync(certificate);

        Assert.Equal(ReasonCodes.CertUnreadable, result.ReasonCode);
    }

    [Fact]
    public void Undecodable_key_usage_extensions_assert_nothing()
    {
        using var eku = BadExtendedKeyUsage();
        using var ku = BadKeyUsage();

        Assert.False(CpsCertificate.HasClientAuth(eku));
        Assert.True(CpsCertificate.TryRead(eku, out var ekuInfo, out _, out _));
        Assert.False(ekuInfo.HasClientAuth);
        Assert.False(CpsCertificate.HasDigitalSignature(ku));
        Assert.True(CpsCertificate.TryRead(ku, out var kuInfo, out _, out _));
        Assert.False(kuInfo.HasDigitalSignature);
    }

    [Fact]
    public async Task A_public_key_the_chain_engine_cannot_decode_is_an_untrusted_chain()
    {
        using var certificate = UnknownPublicKeyAlgorithm();

        var result = await CardFixtures.Validator().ValidateAsync(certificate);

        Assert.Equal(ReasonCodes.CertUntrustedChain, result.ReasonCode);
    }

    [Fact]
    public void A_forwarded_header_with_an_undecodable_extended_key_usage_reads_without_clientAuth()
    {
        using var original = BadExtendedKeyUsage();
        var header = Uri.EscapeDataString(original.ExportCertificatePem());
        var options = new ForwardedCertificateOptions { TrustedProxies = { IPAddress.Loopback } };

        Assert.True(ForwardedClientCertificate.TryRead(header, IPAddress.Loopback, options, out var forwarded, out var code, out var message), $"{code}: {message}");
        using (forwarded)
        {
            Assert.True(CpsCertificate.TryRead(forwarded, out var info, out _, out _));
            Assert.False(info.HasClientAuth);
        }
    }

    private static X509Certificate2 Patched(Action<byte[]> edit)
    {
        var der = CardFixtures.Card("doctor").RawData;
        edit(der);
        return X509CertificateLoader.LoadCertificate(der);
    }

    private static int IndexOf(byte[] data, byte[] value, int from = 0)
    {
        var at = data.AsSpan(from).IndexOf(value);
        Assert.True(at >= 0, $"{Convert.ToHexString(value)} not found in the certificate");
        return from + at;
    }
}
