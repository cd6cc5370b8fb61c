namespace CarteAuth.AspNetCore.Sessions;

/// <summary>Options of <see cref="SqliteCarteAuthSessionStore"/>.</summary>
public sealed class SqliteSessionStoreOptions
{
    /// <summary>
    /// The session database file, e.g. <c>/var/lib/carteauth/sessions.db</c> (created with its table when missing;
    /// relative paths are resolved against the current directory). Required.
    /// </summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>How long a write waits for another connection holding the lock. Default 5 seconds; 1 second to 1 minute.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the options.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.SessionInvalidOptions"/> saying what to change.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
        {
            errors.Add("Path is required: set it to the session database file, e.g. \"/var/lib/carteauth/sessions.db\" (or use the in-memory store in tests).");
        }

        if (BusyTimeout < TimeSpan.FromSeconds(1) || BusyTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"BusyTimeout is {BusyTimeout}; use 1 second to 1 minute (default 5 seconds).");
        }

        if (errors.Count > 0)
        {
            throw new CarteAuthException(ReasonCodes.SessionInvalidOptions, "Invalid SQLite session store options: " + string.Join(" ", errors));
        }
    }
}
