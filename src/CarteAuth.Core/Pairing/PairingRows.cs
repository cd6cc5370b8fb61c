using System.Data.Common;
using CarteAuth.Authentication;

namespace CarteAuth.Pairing;

/// <summary>
/// The row shape of a pairing in the SQL stores (SQLite here, PostgreSQL in CarteAuth.Stores.PostgreSql): one column
/// list and one reader, so both stores map rows the same way.
/// </summary>
internal static class PairingRows
{
    /// <summary>The selected columns, in the order <see cref="Read"/> expects.</summary>
    internal const string Columns = "local_account, national_id, paired_ms, authenticator, methods, assurance, unpaired_ms, unpair_reason";

    /// <summary>The pairing on the reader's current row (selected with <see cref="Columns"/>).</summary>
    internal static PairingRecord Read(DbDataReader r) => new()
    {
        LocalAccountId = r.GetString(0),
        NationalId = r.GetString(1),
        PairedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
        PairedByAuthenticator = r.GetString(3),
        PairedByMethods = r.GetString(4),
        PairedByAssurance = Acr.Parse(r.GetString(5)),
        UnpairedAt = r.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)),
        UnpairReason = r.IsDBNull(7) ? null : r.GetString(7),
    };
}
