using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.Fido2.Metadata;

/// <summary>
/// Options of <see cref="FidoMetadataService"/>: where the FIDO Metadata Service (MDS3) BLOB comes from, which root
/// signs it, how often it is refreshed and how long a stale one is still used.
/// </summary>
/// <remarks>
/// No root is shipped. For the FIDO Alliance production service (<c>https://mds3.fidoalliance.org/</c>) configure the
/// MDS root, "GlobalSign Root CA - R3" (<c>https://secure.globalsign.com/cacert/root-r3.crt</c>, SHA-256 fingerprint
/// <c>cbb522d7b7f127ad6a0113865bdf1cd4102e7d0759af635a7cf4720dc963c53b</c>: check it before installing the file), e.g.
/// <c>o.RootCertificatePaths.Add("/etc/carteauth/fido/globalsign-root-r3.pem")</c> (Debian and Ubuntu's ca-certificates
/// package also has it as <c>/etc/ssl/certs/GlobalSign_Root_CA_-_R3.pem</c>; only the configured roots are trusted, never
/// the rest of the operating system's store). The BLOB's signature, not the transport, is what makes it trusted: an
/// https URL is still recommended (and an http mirror works).
/// </remarks>
public sealed class FidoMetadataOptions
{
    /// <summary>Default of <see cref="MaxBlobBytes"/>: 20 MiB (the production BLOB is a few MiB).</summary>
    public const int DefaultMaxBlobBytes = 20 * 1024 * 1024;

    /// <summary>Where the BLOB is downloaded from (e.g. <c>https://mds3.fidoalliance.org/</c>). Set this or <see cref="BlobFilePath"/>, not both.</summary>
    public Uri? BlobUrl { get; set; }

    /// <summary>A local BLOB file (a mirror maintained by another process). Set this or <see cref="BlobUrl"/>, not both.</summary>
    public string? BlobFilePath { get; set; }

    /// <summary>
    /// Roots trusted for the BLOB signing chain (only these, never the operating system's store), in addition to
    /// <see cref="RootCertificatePaths"/>. Production: the FIDO Alliance MDS root "GlobalSign Root CA - R3".
    /// </summary>
    public X509Certificate2Collection RootCertificates { get; } = [];

    /// <summary>PEM (one or more certificates) or DER files holding roots trusted for the BLOB signing chain.</summary>
    public IList<string> RootCertificatePaths { get; } = [];

    /// <summary>
    /// Revocation checking of the BLOB signing chain (FIDO MDS 3.0 §3.2 asks for it): default
    /// <see cref="X509RevocationMode.Online"/> (the CAs' CRLs are downloaded over HTTP). Use
    /// <see cref="X509RevocationMode.Offline"/> or <see cref="X509RevocationMode.NoCheck"/> on hosts without access to them.
    /// </summary>
    public X509RevocationMode RevocationMode { get; set; } = X509RevocationMode.Online;

    /// <summary>
    /// A new BLOB is looked for when its <c>nextUpdate</c> date is reached, and at least this often (default 1 day, so a
    /// BLOB republished early with new status reports is seen within a day).
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>After a failed refresh, how long before the next attempt (default 15 minutes). Lookups in between use the last good BLOB.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long past its <c>nextUpdate</c> the last good BLOB is still used when no newer one can be obtained (default 7
    /// days). Beyond, lookups fail with <see cref="ReasonCodes.WebAuthnMetadataUnavailable"/>.
    /// </summary>
    public TimeSpan NextUpdateGrace { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Largest BLOB accepted, in bytes (default 20 MiB); larger ones are refused as <see cref="ReasonCodes.WebAuthnMetadataInvalid"/>.</summary>
    public int MaxBlobBytes { get; set; } = DefaultMaxBlobBytes;

    /// <summary>Time limit of one download (default 60 seconds).</summary>
    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Optional file where the last good BLOB is kept (written after each verified download, read and verified again
    /// at start), so a restart does not depend on the network.
    /// </summary>
    public string? CacheFilePath { get; set; }

    /// <summary>
    /// Checks the settings and loads the roots; throws <see cref="WebAuthnException"/>
    /// (<see cref="ReasonCodes.WebAuthnInvalidOptions"/>) naming the fix.
    /// </summary>
    public void Validate() => _ = LoadRoots();

    /// <summary>Validates the options and returns the configured roots (<see cref="RootCertificates"/> and the files).</summary>
    internal X509Certificate2Collection LoadRoots()
    {
        if ((BlobUrl is null) == string.IsNullOrWhiteSpace(BlobFilePath))
        {
            throw Invalid("set exactly one of BlobUrl (e.g. https://mds3.fidoalliance.org/) and BlobFilePath (a local BLOB file).");
        }

        if (BlobUrl is not null && (!BlobUrl.IsAbsoluteUri || (BlobUrl.Scheme != Uri.UriSchemeHttps && BlobUrl.Scheme != Uri.UriSchemeHttp)))
        {
            throw Invalid($"BlobUrl must be an absolute https (or http) URL (got '{BlobUrl}').");
        }

        if (!Enum.IsDefined(RevocationMode))
        {
            throw Invalid($"RevocationMode {RevocationMode} is not Online, Offline or NoCheck.");
        }

        if (RefreshInterval <= TimeSpan.Zero)
        {
            throw Invalid("RefreshInterval must be positive (default 1 day).");
        }

        if (RetryInterval <= TimeSpan.Zero)
        {
            throw Invalid("RetryInterval must be positive (default 15 minutes).");
        }

        if (NextUpdateGrace < TimeSpan.Zero)
        {
            throw Invalid("NextUpdateGrace must not be negative (default 7 days; zero refuses lookups as soon as nextUpdate has passed without a newer BLOB).");
        }

        if (MaxBlobBytes < 1024)
        {
            throw Invalid("MaxBlobBytes must be at least 1024 (default 20 MiB).");
        }

        if (HttpTimeout <= TimeSpan.Zero || HttpTimeout > TimeSpan.FromMinutes(10))
        {
            throw Invalid("HttpTimeout must be positive and at most 10 minutes (default 60 seconds).");
        }

        if (CacheFilePath is not null && string.IsNullOrWhiteSpace(CacheFilePath))
        {
            throw Invalid("CacheFilePath is blank: set a file path or leave it null.");
        }

        var roots = new X509Certificate2Collection();
        roots.AddRange(RootCertificates);
        foreach (var path in RootCertificatePaths)
        {
            roots.AddRange(ReadCertificates(path));
        }

        if (roots.Count == 0)
        {
            throw Invalid("no root is configured, so no BLOB can be trusted: add the FIDO Alliance MDS root \"GlobalSign Root CA - R3\" (https://secure.globalsign.com/cacert/root-r3.crt), e.g. o.RootCertificatePaths.Add(\"/etc/carteauth/fido/globalsign-root-r3.pem\").");
        }

        return roots;
    }

    private static X509Certificate2Collection ReadCertificates(string path)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            var collection = new X509Certificate2Collection();
            if (bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0)
            {
                collection.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
            }
            else
            {
                collection.Add(X509CertificateLoader.LoadCertificate(bytes));
            }

            return collection.Count > 0 ? collection : throw Invalid($"the root file '{path}' holds no certificate.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw Invalid($"the root file '{path}' cannot be read as a PEM or DER certificate: {e.Message}");
        }
    }

    private static WebAuthnException Invalid(string message) =>
        new(ReasonCodes.WebAuthnInvalidOptions, "Invalid FIDO metadata options: " + message);
}
