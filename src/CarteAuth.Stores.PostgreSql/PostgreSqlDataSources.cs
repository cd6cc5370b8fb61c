using System.Collections.Concurrent;
using Npgsql;

namespace CarteAuth.Stores.PostgreSql;

/// <summary>
/// One <see cref="NpgsqlDataSource"/> (one connection pool) per connection string for the stores registered in a
/// container, disposed with it.
/// </summary>
internal sealed class PostgreSqlDataSources : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<NpgsqlDataSource>> _sources = new(StringComparer.Ordinal);

    public NpgsqlDataSource Get(string connectionString) =>
        _sources.GetOrAdd(connectionString, static cs => new Lazy<NpgsqlDataSource>(() => NpgsqlDataSource.Create(cs))).Value;

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources.Values)
        {
            if (source.IsValueCreated)
            {
                await source.Value.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Checks a connection string at registration: parsable, with a host.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.StoreInvalidOptions"/>, saying what is wrong.</exception>
    internal static string Validate(string? connectionString, string method)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new CarteAuthException(ReasonCodes.StoreInvalidOptions, $"{method} needs a PostgreSQL connection string, e.g. \"Host=db.chu.local;Database=carteauth;Username=carteauth;Password=…\".");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            // The message may quote the value: never echo the connection string, it can hold a password.
            throw new CarteAuthException(ReasonCodes.StoreInvalidOptions, $"The PostgreSQL connection string given to {method} cannot be parsed ({e.GetType().Name}). Use Npgsql's form: \"Host=…;Port=5432;Database=…;Username=…;Password=…\".", e);
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new CarteAuthException(ReasonCodes.StoreInvalidOptions, $"The PostgreSQL connection string given to {method} has no Host. Add \"Host=<server>\".");
        }

        return connectionString;
    }
}
