
namespace CarteAuth.Samples.HospitalPortal;

/// <summary>
/// How the portal runs (configuration section <c>HospitalPortal</c>: command line <c>--HospitalPortal:HttpsPort=6443</c>
/// or environment <c>HospitalPortal__HttpsPort=6443</c>). Every default is embedded: nothing to set for a demo.
/// </summary>
public sealed record HospitalPortalOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "HospitalPortal";

    /// <summary>The default data directory name, at the repository root (or next to the content root outside a checkout).</summary>
    public const string DefaultDataDirectoryName = ".hospitalportal-data";

    /// <summary>Where the SQLite stores, the session signing key, the dev PKI and the TLS certificate live; null = the default.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The https port of the portal on localhost (default 5443; 0 picks a free port).</summary>
    public int HttpsPort { get; init; } = 5443;

    /// <summary>The https port of the card login, which asks for the TLS client certificate (default 5444; 0 picks a free port).</summary>
    public int CardPort { get; init; } = 5444;

    /// <summary>Start the PSC simulator alongside (when its npm packages are installed and node is on the PATH; default true).</summary>
    public bool StartPscSimulator { get; init; } = true;

    /// <summary>The simulator's folder; null = <c>samples/psc-simulator</c> of the repository holding the current or the application directory.</summary>
    public string? PscSimulatorDirectory { get; init; }

    /// <summary>How long to wait for the simulator to start.</summary>
    public TimeSpan PscStartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Lowest log level written to the console (default Information; tests use Warning).</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>Reads and validates the options from the <c>HospitalPortal</c> section of <paramref name="configuration"/>.</summary>
    /// <exception cref="InvalidOperationException">An unknown key, a value of the wrong type or an invalid value (the message says which).</exception>
    public static HospitalPortalOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(SectionName).Get<HospitalPortalOptions>(o => o.ErrorOnUnknownConfiguration = true) ?? new HospitalPortalOptions();
        options.Validate();
        return options;
    }

    /// <summary>Checks the ports and timeouts; throws <see cref="InvalidOperationException"/> saying what to change.</summary>
    public void Validate()
    {
        foreach (var (name, port) in (ReadOnlySpan<(string, int)>)[(nameof(HttpsPort), HttpsPort), (nameof(CardPort), CardPort)])
        {
            if (port is < 0 or > 65535)
            {
                throw new InvalidOperationException($"{SectionName}:{name} is {port}: use a TCP port (1-65535), or 0 for a free one.");
            }
        }

        if (HttpsPort != 0 && HttpsPort == CardPort)
        {
            throw new InvalidOperationException($"{SectionName}:HttpsPort and {SectionName}:CardPort are both {HttpsPort}: the card login needs its own port (it asks for a client certificate).");
        }

        if (PscStartTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{SectionName}:PscStartTimeout is {PscStartTimeout}: use a positive duration (default 00:00:30).");
        }
    }

    /// <summary>The data directory to use: <see cref="DataDirectory"/>, else <c>.hospitalportal-data</c> at the repository root, else next to <paramref name="contentRoot"/>.</summary>
    public string ResolveDataDirectory(string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(DataDirectory))
        {
            return Path.GetFullPath(DataDirectory);
        }

        var root = RepositoryRoot(Directory.GetCurrentDirectory()) ?? RepositoryRoot(contentRoot);
        return Path.Combine(root ?? contentRoot, DefaultDataDirectoryName);
    }

    /// <summary>The nearest parent of <paramref name="start"/> holding <c>CarteAuth.sln</c>, or null.</summary>
    internal static string? RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CarteAuth.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
