using Microsoft.Playwright;

namespace CarteAuth.Testing.Browser;

/// <summary>The browser tests run one at a time (one Chromium, CDP virtual authenticators, a 2-core CI machine).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection : ICollectionFixture<ChromiumFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "Browser (Chromium + virtual authenticator)";
}

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by <c>./test.sh</c>) driven by Microsoft.Playwright, whose
/// node driver ships inside the NuGet package: nothing is downloaded (no <c>playwright install</c>). Launched once for
/// the collection, headless, disposed at the end; each test opens its own context (fresh virtual authenticator).
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    /// <summary>Where Debian's <c>chromium</c> package puts the browser.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Bound on every Playwright action and wait (generous for a loaded 2-core machine).</summary>
    public const float ActionTimeoutMs = 30_000;

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The launched browser.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not launched.");

    /// <inheritdoc/>
    public Task InitializeAsync() => StartAsync([]);

    /// <summary>
    /// Starts the Playwright driver and launches Chromium with the standard arguments plus <paramref name="extraArguments"/>
    /// (e.g. <c>--ignore-certificate-errors-spki-list=…</c> to trust a test server's certificate). Fixtures that need
    /// such arguments create a <see cref="ChromiumFixture"/> themselves and call this instead of <see cref="InitializeAsync"/>.
    /// </summary>
    public async Task StartAsync(IEnumerable<string> extraArguments)
    {
        if (!File.Exists(ChromiumPath))
        {
            // Do not skip: a missing browser means the machine was not prepared, which must be visible.
            throw new InvalidOperationException(
                $"Debian Chromium is not installed ({ChromiumPath} is missing): the real-browser tests need it. " +
                "Run ./test.sh (it installs the 'chromium' apt package), or 'apt-get install -y chromium'.");
        }

        _playwright = await Playwright.CreateAsync().WaitAsync(TimeSpan.FromSeconds(60)); // starts the bundled node driver
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = 60_000, // first start of Chromium on a cold, busy machine
            // --no-sandbox: the tests run as root in CI containers, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", "--disable-component-update", .. extraArguments],
        });
    }

    /// <summary>A new isolated context and page on <paramref name="origin"/>, every wait bounded.</summary>
    public async Task<IPage> NewPageAsync(Uri origin)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = origin.ToString() });
        context.SetDefaultTimeout(ActionTimeoutMs);
        context.SetDefaultNavigationTimeout(ActionTimeoutMs);
        return await context.NewPageAsync();
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
