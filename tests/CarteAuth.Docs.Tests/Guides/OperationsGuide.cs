// Mirror of docs/operations.md: each snippet region is shown verbatim by the page (DocSnippetsTests) and compiled
// here against the current API.
using CarteAuth.Audit;
using CarteAuth.Stores.PostgreSql;
using CarteAuth.Tokens;
using Npgsql;

namespace CarteAuth.Docs.Tests.Guides;

// <snippet operations-key-provider>
/// <summary>
/// The session signing keys from a folder: <c>active.pem</c> signs, every other <c>*.pem</c> still validates. Reloaded
/// when a file changes, so a rotation needs no restart. Register it before AddCarteAuth.
/// </summary>
public sealed class KeyFolderSigningKeyProvider : ISigningKeyProvider, IDisposable
{
    private readonly string _folder;
    private readonly FileSystemWatcher _watcher;
    private volatile SigningKeyRing _ring;

    public KeyFolderSigningKeyProvider(string folder)
    {
        _folder = folder;
        _ring = Load();   // a bad folder stops the host at start
        _watcher = new FileSystemWatcher(folder, "*.pem") { EnableRaisingEvents = true };
        _watcher.Changed += (_, _) => Reload();
        _watcher.Created += (_, _) => Reload();
        _watcher.Deleted += (_, _) => Reload();
        _watcher.Renamed += (_, _) => Reload();
    }

    public SigningKeyRing Current => _ring;

    public void Dispose() => _watcher.Dispose();

    private void Reload()
    {
        try
        {
            _ring = Load();   // keys of the previous ring are not disposed: tokens being validated may still use them
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CarteAuthException)
        {
            // Half-written file or bad key: keep the current ring; the next change event tries again.
        }
    }

    private SigningKeyRing Load()
    {
        // The kid is the key's RFC 7638 thumbprint, as `carteauth token keygen` prints it.
        var active = SessionSigningKey.FromPem(File.ReadAllText(Path.Combine(_folder, "active.pem")), SessionTokenAlgorithm.ES256);
        var previous = Directory.GetFiles(_folder, "*.pem")
            .Where(f => Path.GetFileName(f) != "active.pem")
            .Select(f => SessionSigningKey.FromPem(File.ReadAllText(f), SessionTokenAlgorithm.ES256))
            .Where(k => k.Kid != active.Kid)
            .ToArray();
        return SigningKeyRing.Create(active, previous);
    }
}
// </snippet>

internal static class OperationsGuide
{
    public static void Register(WebApplicationBuilder builder)
    {
        // <snippet operations-key-provider-registration>
        builder.Services.AddSingleton<ISigningKeyProvider>(new KeyFolderSigningKeyProvider("/etc/carteauth/session-keys"));
        builder.Services.AddCarteAuth(o => o.LoginPath = "/connexion");   // no SigningKeys: the provider gives them
        // </snippet>
    }

    public static async Task<AuditVerificationResult> VerifyAsync(string connectionString, string? recordedHead)
    {
        // <snippet operations-postgresql-verify>
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var audit = new PostgreSqlAuditStore(dataSource);
        await audit.MigrateAsync();                                   // no-op when up to date; store.schema-too-new if newer
        var result = await AuditChainVerifier.VerifyAsync(audit, recordedHead is null ? null : AuditHead.Parse(recordedHead));
        Console.WriteLine(result.IsValid
            ? $"intact: {result.EventsChecked} events, head {result.LastEvent?.ToHead()}"
            : $"BROKEN at {result.BrokenAtSequence}: {result.ReasonCode} {result.Message}");
        // </snippet>
        return result;
    }
}
