using CarteAuth.Audit;
using Microsoft.Data.Sqlite;

namespace CarteAuth.Core.Tests.Audit;

/// <summary>A temporary directory deleted when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "carteauth-audit-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open on some platforms; the OS temp cleaner will get it.
        }
    }
}

/// <summary>Raw SQL on an audit file, outside CarteAuth, to set up and tamper.</summary>
internal static class RawSqlite
{
    public static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public static void Execute(string path, string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }

    public static object? Scalar(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Removes the append-only triggers, as someone tampering with the file would.</summary>
    public static void DropTriggers(string path) =>
        Execute(path, "DROP TRIGGER IF EXISTS carteauth_audit_no_update; DROP TRIGGER IF EXISTS carteauth_audit_no_delete;");
}

internal static class AuditTestData
{
    public static AuditEntry Entry(int i) => new()
    {
        Kind = i % 2 == 0 ? AuditEventKinds.Authentication : AuditEventKinds.PolicyDecision,
        Result = i % 2 == 0 ? AuditResults.Success : AuditResults.Allow,
        Subject = "810002813839",
        Methods = "sc pin hwk",
        Authenticator = i % 2 == 0 ? "smartcard" : null,
        Policy = i % 2 == 0 ? null : "dossier-patient",
        ReasonCode = i % 2 == 0 ? null : ReasonCodes.PolicyAllow,
        ClientAddress = "10.1.2.3",
        CorrelationId = "corr-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Detail = "event " + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static async Task<List<AuditEvent>> ReadAllAsync(IAuditStore store, long from = 1)
    {
        var events = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync(from))
        {
            events.Add(e);
        }

        return events;
    }
}
