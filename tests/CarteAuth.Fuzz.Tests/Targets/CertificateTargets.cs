using System.Net;
using System.Text;
using CarteAuth.Fuzz.Tests.Engine;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Development;

namespace CarteAuth.Fuzz.Tests.Targets;

/// <summary>A development IGC-Santé PKI made once per run (RSA keys are generated, never committed).</summary>
internal static class FuzzPki
{
    private static readonly Lazy<DevPki> LazyPki = new(() => DevPki.CreateWithStandardCards());

    public static DevPki Pki => LazyPki.Value;

    /// <summary>The CA and card certificates, DER.</summary>
    public static IEnumerable<byte[]> Der => [Pki.Root.RawData, Pki.Intermediate.RawData, .. Pki.Cards.Select(c => c.Certificate.RawData)];

    public static SmartCardCertificateValidator Validator()
    {
        var options = new SmartCardOptions();
        options.TrustAnchors.Add(Pki.Root);
        options.Intermediates.Add(Pki.Intermediate);
        return new SmartCardCertificateValidator(options);
    }

    /// <summary>Tokens of X.509 DER (RFC 5280) and of the IGC-Santé subject shapes.</summary>
    public static readonly IReadOnlyList<byte[]> Tokens =
    [
        [0x30, 0x82], [0x30, 0x81], [0x30, 0x80], [0x31, 0x0B], [0xA0, 0x03, 0x02, 0x01, 0x02], [0x02, 0x01, 0x00], [0x05, 0x00], [0x00, 0x00],
        [0x06, 0x03, 0x55, 0x04, 0x03], [0x06, 0x03, 0x55, 0x04, 0x04], [0x06, 0x03, 0x55, 0x04, 0x2A], [0x06, 0x03, 0x55, 0x04, 0x0C],
        [0x06, 0x03, 0x55, 0x04, 0x0B], [0x06, 0x03, 0x55, 0x04, 0x0A], [0x06, 0x03, 0x55, 0x1D, 0x0F], [0x06, 0x03, 0x55, 0x1D, 0x25],
        [0x0C], [0x13], [0x14], [0x1E], [0x1C], [0x17, 0x0D], [0x18, 0x0F], [0x03, 0x02, 0x07, 0x80], [0x01, 0x01, 0xFF], [0x80, 0x00],
        .. new[] { "810002813839", "899700075122", "500000000029751/CPAT0001", "300000000029751", "/", "+", "AC IGC-SANTE FORT PERSONNES", "M\u00e9decin", "-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n" }
            .Select(Encoding.UTF8.GetBytes),
    ];
}

/// <summary>
/// The certificate identity parser: bytes (DER or PEM) → <see cref="CertificateFiles.FromBytes"/> →
/// <see cref="CpsCertificate.TryRead"/> → <see cref="SmartCardCertificateValidator.ValidateAsync"/> (chain, validity, usages, range).
/// </summary>
internal sealed class CertificateTarget : FuzzTarget
{
    private readonly Lazy<SmartCardCertificateValidator> _validator = new(FuzzPki.Validator);

    public override string Name => "certificate";

    public override int MaxInputLength => 16 * 1024;

    public override IReadOnlyList<byte[]> Dictionary => FuzzPki.Tokens;

    public override IEnumerable<byte[]> GeneratedSeeds() =>
        [.. FuzzPki.Der, Encoding.ASCII.GetBytes(FuzzPki.Pki.Cards[0].Certificate.ExportCertificatePem())];

    public override string Execute(byte[] input)
    {
        using var certificate = CertificateFiles.FromBytes(input);
        var read = CpsCertificate.TryRead(certificate, out var info, out var code, out var message)
            ? $"read|{info.Kind}|{info.Range}"
            : Label(code, message);
        var result = _validator.Value.ValidateAsync(certificate).AsTask().GetAwaiter().GetResult();
        return $"{read}|{Label(result.ReasonCode, result.Message)}";
    }
}

/// <summary>
/// The client certificate header a TLS-terminating proxy forwards (nginx <c>$ssl_client_escaped_cert</c>):
/// text → <see cref="ForwardedClientCertificate.TryRead"/> (trusted loopback proxy) → <see cref="CpsCertificate.TryRead"/>.
/// </summary>
internal sealed class ForwardedCertificateTarget : FuzzTarget
{
    private readonly ForwardedCertificateOptions _options = new() { TrustedProxies = { IPAddress.Loopback } };

    public override string Name => "forwarded-cert";

    public override int MaxInputLength => 20 * 1024;

    public override IReadOnlyList<byte[]> Dictionary => Tokens("%", "%2B", "%2F", "%3D", "%0A", "%20", "%ZZ", "%C3%A9", "%FF", "%00", "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----", "-----BEGIN", "\n", "=", "MII");

    public override IEnumerable<byte[]> GeneratedSeeds() =>
        FuzzPki.Pki.Cards.Select(c => Encoding.ASCII.GetBytes(Uri.EscapeDataString(c.Certificate.ExportCertificatePem())));

    public override string Execute(byte[] input)
    {
        if (!ForwardedClientCertificate.TryRead(Encoding.UTF8.GetString(input), IPAddress.Loopback, _options, out var certificate, out var code, out var message))
        {
            return Label(code, message);
        }

        using (certificate)
        {
            return CpsCertificate.TryRead(certificate, out var info, out code, out message) ? $"ok|{info.Kind}" : Label(code, message);
        }
    }
}
