using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace CarteAuth.Samples.HospitalPortal.Tests;

/// <summary>
/// Runs a scenario with bounded time and, when it fails, saves a screenshot and the HTML of every open page under
/// <c>$CARTEAUTH_ARTIFACTS/hospitalportal-tests/&lt;test&gt;/</c> (default <c>artifacts/</c> at the repository root).
/// </summary>
public abstract class BrowserTest(PortalFixture fixture)
{
    /// <summary>Upper bound of one scenario.</summary>
    public static readonly TimeSpan ScenarioTimeout = TimeSpan.FromSeconds(90);

    protected PortalFixture Fixture { get; } = fixture;

    protected HospitalPortalApp Portal => Fixture.Portal;

    /// <summary>The artifacts folder of <paramref name="test"/>.</summary>
    public static string ArtifactsDirectory(string test)
    {
        var root = Environment.GetEnvironmentVariable("CARTEAUTH_ARTIFACTS");
        return Path.Combine(string.IsNullOrEmpty(root) ? RepositoryPaths.Of("artifacts") : root, "hospitalportal-tests", test);
    }

    /// <summary>Content-Security-Policy violations Chromium reported on the portal's pages during the scenario.</summary>
    private readonly List<string> _cspViolations = [];

    protected async Task RunAsync(Func<List<IBrowserContext>, Task> scenario, [CallerMemberName] string test = "")
    {
        var contexts = new List<IBrowserContext>();
        try
        {
            await scenario(contexts).WaitAsync(ScenarioTimeout);

            // The portal's pages work under its CSP (PortalSecurityHeaders): nothing was blocked on them.
            lock (_cspViolations)
            {
                Assert.True(_cspViolations.Count == 0, "Content-Security-Policy violations on the portal's pages: " + string.Join(Environment.NewLine, _cspViolations));
            }
        }
        catch (Exception failure)
        {
            var saved = await SaveArtifactsAsync(contexts, test);
            throw new Xunit.Sdk.XunitException($"{test} failed ({failure.GetType().Name}: {failure.Message}); screenshots and HTML: {saved}{Environment.NewLine}PSC simulator output (tail):{Environment.NewLine}{Tail(Portal.PscSimulator?.Output)}{Environment.NewLine}{failure}");
        }
        finally
        {
            foreach (var context in contexts)
            {
                await context.CloseAsync();
            }
        }
    }

    /// <summary>A new context, closed at the end of the scenario (artifacts saved first on failure).</summary>
    protected async Task<IPage> NewPageAsync(List<IBrowserContext> contexts, bool withCard = false, string card = "doctor")
    {
        var context = await Fixture.NewContextAsync(withCard, card);
        contexts.Add(context);
        var page = await context.NewPageAsync();
        var portal = Portal.Address.GetLeftPart(UriPartial.Authority);
        page.Console += (_, message) =>
        {
            // Chromium reports a blocked script, style or connection as a console error naming the policy.
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.Ordinal) && page.Url.StartsWith(portal, StringComparison.Ordinal))
            {
                lock (_cspViolations)
                {
                    _cspViolations.Add(page.Url + ": " + message.Text);
                }
            }
        };
        return page;
    }

    /// <summary>Goes to <paramref name="path"/> while signed out: the portal sends the browser to its login page.</summary>
    protected static async Task GoToLoginAsync(IPage page, string path = "/")
    {
        await page.GotoAsync(path);
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == HospitalPortalApp.LoginPath);
    }

    /// <summary>Card login from the login page: the browser presents the dev card's certificate to the card listener.</summary>
    protected async Task CardLoginAsync(IPage page, string expectedPath = "/")
    {
        await ClickAndWaitForUrlAsync(page, "#login-card", u => new Uri(u).Port == Portal.Address.Port && new Uri(u).AbsolutePath == expectedPath);
    }

    /// <summary>PSC login from the login page, filling the simulator's form as the professional would.</summary>
    protected async Task PscLoginAsync(IPage page, string idNat, string expectedPath = "/")
    {
        await ClickAndWaitForUrlAsync(page, "#login-psc", u => u.StartsWith(Portal.PscSimulator!.Issuer.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal));
        await page.FillAsync("input[name=idNat]", idNat);
        await page.SelectOptionAsync("select[name=method]", "card");
        await ClickAndWaitForUrlAsync(page, "#login button[type=submit]", u => u.StartsWith(Portal.Address.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && new Uri(u).AbsolutePath == expectedPath);
    }

    /// <summary>
    /// Clicks and waits for the URL the click leads to. The wait starts first: a fast navigation (local redirects) that
    /// ended before a wait started after the click could be missed, leaving the wait to time out on a loaded page.
    /// </summary>
    protected static async Task ClickAndWaitForUrlAsync(IPage page, string selector, Func<string, bool> url)
    {
        var navigated = page.WaitForURLAsync(url);
        await page.ClickAsync(selector);
        await navigated;
    }

    private static async Task<string> SaveArtifactsAsync(List<IBrowserContext> contexts, string test)
    {
        var directory = ArtifactsDirectory(test);
        try
        {
            Directory.CreateDirectory(directory);
            var i = 0;
            foreach (var context in contexts)
            {
                foreach (var page in context.Pages)
                {
                    i++;
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"page-{i}.png"), FullPage = true, Timeout = 10_000 });
                    await File.WriteAllTextAsync(Path.Combine(directory, $"page-{i}.html"), $"<!-- {page.Url} -->\n" + await page.ContentAsync());
                    // Where the page was: its load state and the resources it fetched (a stalled script blocks "load").
                    var state = await page.EvaluateAsync<string>("() => document.readyState + '\\n' + performance.getEntriesByType('resource').map(r => r.name + ' ' + Math.round(r.responseEnd)).join('\\n')");
                    await File.WriteAllTextAsync(Path.Combine(directory, $"page-{i}.state.txt"), state);
                }
            }
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or IOException)
        {
            return directory + " (incomplete: " + e.Message + ")";
        }

        return directory;
    }

    private static string Tail(string? text) => text is null ? "(none)" : text.Length <= 3000 ? text : text[^3000..];
}
