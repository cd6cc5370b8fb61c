using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CarteAuth.SmartCard;

/// <summary>Loads certificates from PEM or DER files and folders (trust anchors, intermediates, a card certificate to inspect).</summary>
public static class CertificateFiles
{
    private const string PemLabel = "CERTIFICATE";
    private static readonly string[] FolderExtensions = [".pem", ".crt", ".cer", ".der"];

    /// <summary>Loads the one certificate of a PEM (first <c>CERTIFICATE</c> block) or DER file.</summary>
    /// <exception cref="CarteAuthException"><c>cert.unreadable</c>: missing file, or neither PEM nor DER X.509.</exception>
    public static X509Certificate2 LoadCertificate(string path)
    {
        var all = Parse(ReadBytes(path), path);
        for (var i = 1; i < all.Count; i++)
        {
            all[i].Dispose();
        }

        return all[0];
    }

    /// <summary>Reads a certificate from PEM text or DER bytes.</summary>
    /// <exception cref="CarteAuthException"><c>cert.unreadable</c>: neither PEM nor DER X.509.</exception>
    public static X509Certificate2 FromBytes(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var all = Parse(content, "the given data");
        for (var i = 1; i < all.Count; i++)
        {
            all[i].Dispose();
        }

        return all[0];
    }

    /// <summary>
    /// Loads every certificate of a PEM file (all <c>CERTIFICATE</c> blocks) or DER file, or of every
    /// <c>.pem</c>, <c>.crt</c>, <c>.cer</c> and <c>.der</c> file of a folder (not its subfolders).
    /// </summary>
    /// <exception cref="CarteAuthException"><c>cert.unreadable</c>: missing path, an unreadable file, or a folder without certificates.</exception>
    public static X509Certificate2Collection LoadCertificates(string fileOrDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileOrDirectory);
        var full = Path.GetFullPath(fileOrDirectory);
        var collection = new X509Certificate2Collection();
        if (Directory.Exists(full))
        {
            var files = Directory.EnumerateFiles(full)
                .Where(f => FolderExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList();
            foreach (var file in files)
            {
                collection.AddRange(Parse(ReadBytes(file), file).ToArray());
            }

            if (collection.Count == 0)
            {
                throw new CarteAuthException(ReasonCodes.CertUnreadable, $"The folder '{full}' holds no certificate file (.pem, .crt, .cer, .der).");
            }

            return collection;
        }

        collection.AddRange(Parse(ReadBytes(full), full).ToArray());
        return collection;
    }

    private static byte[] ReadBytes(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new CarteAuthException(ReasonCodes.CertUnreadable, $"The certificate file '{full}' does not exist.");
        }

        try
        {
            return File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CarteAuthException(ReasonCodes.CertUnreadable, $"The certificate file '{full}' cannot be read: {e.Message}", e);
        }
    }

    private static List<X509Certificate2> Parse(byte[] content, string source)
    {
        var result = new List<X509Certificate2>();
        try
        {
            if (LooksLikePem(content))
            {
                var text = Encoding.UTF8.GetString(content).AsSpan();
                while (PemEncoding.TryFind(text, out var fields))
                {
                    if (text[fields.Label].SequenceEqual(PemLabel))
                    {
                        result.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(text[fields.Base64Data].ToString())));
                    }

                    text = text[fields.Location.End.Value..];
                }

                if (result.Count == 0)
                {
                    throw new CarteAuthException(ReasonCodes.CertUnreadable, $"{Capitalised(source)} is PEM but holds no '-----BEGIN CERTIFICATE-----' block (a key or a request is not a certificate).");
                }
            }
            else
            {
                result.Add(X509CertificateLoader.LoadCertificate(content));
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            foreach (var c in result)
            {
                c.Dispose();
            }

            throw new CarteAuthException(ReasonCodes.CertUnreadable, $"{Capitalised(source)} is not a PEM or DER X.509 certificate: {e.Message}", e);
        }

        return result;
    }

    private static bool LooksLikePem(byte[] content) =>
        content.AsSpan().IndexOf("-----BEGIN "u8) >= 0;

    private static string Capitalised(string source) => source.StartsWith("the ", StringComparison.Ordinal) ? "T" + source[1..] : $"'{source}'";
}
