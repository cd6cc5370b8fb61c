using CarteAuth.Testing;
using Xunit.Abstractions;

namespace CarteAuth.Templates.Tests;

/// <summary>
/// The packages and the template as a user gets them: <c>dotnet pack</c> of the solution into a local feed,
/// <c>dotnet new install</c> of CarteAuth.Templates (custom hive: the machine's templates are untouched),
/// <c>dotnet new carteauth-webapp</c>, then <c>dotnet test</c> of the generated app restored from that feed.
/// Needs the solution built in the same configuration (test.sh builds it first); packs with --no-build.
/// </summary>
public sealed class TemplatePackTests(ITestOutputHelper output)
{
    private readonly ProcessRunner _runner = new(output);

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task GeneratedWebAppBuildsAndItsTestsPassAgainstThePackedPackages()
    {
        using var temp = new TempDirectory();
        var feed = Directory.CreateDirectory(Path.Combine(temp.Path, "feed")).FullName;
        var hive = Directory.CreateDirectory(Path.Combine(temp.Path, "hive")).FullName;
        var appDirectory = Path.Combine(temp.Path, "app");

        // A version no earlier run used: the global packages folder never serves a stale CarteAuth package.
        var version = "0.1.0-templatetest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "." + Environment.ProcessId;
        try
        {
            await _runner.DotnetAsync(RepositoryPaths.Root, TimeSpan.FromMinutes(5),
                "pack", RepositoryPaths.Of("CarteAuth.sln"), "-c", Configuration, "--no-build", "-o", feed, "-p:PackageVersion=" + version, "-nologo", "-nodeReuse:false");
            var packages = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).ToList();
            foreach (var project in Directory.GetDirectories(RepositoryPaths.Of("src")).Select(Path.GetFileName))
            {
                Assert.Contains($"{project}.{version}.nupkg", packages);
                Assert.True(File.Exists(Path.Combine(feed, $"{project}.{version}.snupkg")), $"no symbols package for {project}");
            }

            Assert.Contains($"CarteAuth.Templates.{version}.nupkg", packages);
            AssertPackageContents(Path.Combine(feed, $"CarteAuth.Core.{version}.nupkg"), "README.md", "LICENSE", "lib/net10.0/CarteAuth.Core.dll", "lib/net10.0/CarteAuth.Core.xml");
            AssertPackageContents(Path.Combine(feed, $"CarteAuth.Cli.{version}.nupkg"), "README.md", "tools/net10.0/any/carteauth.dll", "tools/net10.0/any/DotnetToolSettings.xml");
            AssertTemplatePackageLayout(Path.Combine(feed, $"CarteAuth.Templates.{version}.nupkg"));

            // The CLI installs from the feed as a dotnet tool and runs as `carteauth`.
            var tools = Path.Combine(temp.Path, "tools");
            await _runner.DotnetAsync(temp.Path, TimeSpan.FromMinutes(2),
                "tool", "install", "CarteAuth.Cli", "--version", version, "--tool-path", tools, "--add-source", feed);
            var help = await _runner.RunAsync(Path.Combine(tools, "carteauth"), temp.Path, TimeSpan.FromMinutes(1), "--help");
            Assert.Contains("policy", help, StringComparison.Ordinal);

            await _runner.DotnetAsync(temp.Path, TimeSpan.FromMinutes(2),
                "new", "install", Path.Combine(feed, $"CarteAuth.Templates.{version}.nupkg"), "--debug:custom-hive", hive);
            await _runner.DotnetAsync(temp.Path, TimeSpan.FromMinutes(2),
                "new", "carteauth-webapp", "-n", "DemoApp", "-o", appDirectory, "--CarteAuthVersion", version, "--debug:custom-hive", hive);
            Assert.True(File.Exists(Path.Combine(appDirectory, "DemoApp", "DemoApp.csproj")), "the template did not create DemoApp/DemoApp.csproj");
            Assert.Contains(version, await File.ReadAllTextAsync(Path.Combine(appDirectory, "DemoApp", "DemoApp.csproj")));

            // The app restores CarteAuth from the local feed and everything else from nuget.org.
            await File.WriteAllTextAsync(Path.Combine(temp.Path, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="carteauth-local" value="{feed}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
                  </packageSources>
                </configuration>
                """);
            var results = Path.Combine(temp.Path, "results");
            await _runner.DotnetAsync(appDirectory, TimeSpan.FromMinutes(6),
                "test", Path.Combine(appDirectory, "DemoApp.Tests", "DemoApp.Tests.csproj"), "-nologo", "-nodeReuse:false",
                "--results-directory", results, "--logger", "trx;LogFileName=app.trx");

            // The generated tests ran and all passed (their count, from the TRX report: a run of zero tests is a failure).
            var counters = System.Xml.Linq.XDocument.Load(Path.Combine(results, "app.trx")).Descendants()
                .Single(e => e.Name.LocalName == "Counters");
            output.WriteLine($"generated app tests: total {counters.Attribute("total")?.Value}, passed {counters.Attribute("passed")?.Value}, failed {counters.Attribute("failed")?.Value}");
            Assert.Equal("3", counters.Attribute("total")?.Value);
            Assert.Equal("3", counters.Attribute("passed")?.Value);
        }
        finally
        {
            // The test's packages must not stay in the machine's global packages folder.
            var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            if (Directory.Exists(globalPackages))
            {
                foreach (var package in Directory.GetDirectories(globalPackages, "carteauth.*"))
                {
                    var versionDirectory = Path.Combine(package, version);
                    if (Directory.Exists(versionDirectory))
                    {
                        Directory.Delete(versionDirectory, recursive: true);
                    }

                    if (!Directory.EnumerateFileSystemEntries(package).Any())
                    {
                        Directory.Delete(package);
                    }
                }
            }
        }
    }

    /// <summary>The package holds <paramref name="entries"/> and declares the MIT license expression and its README.</summary>
    private static void AssertPackageContents(string package, params string[] entries)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(package);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            Assert.True(names.Contains(entry), $"{Path.GetFileName(package)} has no {entry}; it has: {string.Join(", ", names)}");
        }

        using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var text = nuspec.ReadToEnd();
        Assert.Contains("<license type=\"expression\">MIT</license>", text, StringComparison.Ordinal);
        Assert.Contains("<readme>README.md</readme>", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The template package has the layout <c>dotnet new</c> documents: every template under <c>content/&lt;template&gt;/</c>
    /// with its <c>.template.config/template.json</c> (not <c>content/content/…</c>), and no build output or bin/obj.
    /// </summary>
    private static void AssertTemplatePackageLayout(string package)
    {
        AssertPackageContents(package, "content/carteauth-webapp/.template.config/template.json",
            "content/carteauth-webapp/CarteAuthWebApp/CarteAuthWebApp.csproj", "content/carteauth-webapp/CarteAuthWebApp.Tests/CarteAuthWebApp.Tests.csproj");
        using var zip = System.IO.Compression.ZipFile.OpenRead(package);
        var content = zip.Entries.Select(e => e.FullName).Where(n => n.StartsWith("content/", StringComparison.Ordinal)).ToList();
        Assert.All(content, name =>
        {
            Assert.False(name.StartsWith("content/content/", StringComparison.Ordinal), $"{name}: the template content is packed one folder too deep");
            Assert.DoesNotContain("/bin/", name, StringComparison.Ordinal);
            Assert.DoesNotContain("/obj/", name, StringComparison.Ordinal);
        });
        Assert.DoesNotContain(zip.Entries, e => e.FullName.StartsWith("lib/", StringComparison.Ordinal));
    }
}
