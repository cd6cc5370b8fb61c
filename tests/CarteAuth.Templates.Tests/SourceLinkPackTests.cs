using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Xml.Linq;
using CarteAuth.Testing;
using Xunit.Abstractions;

namespace CarteAuth.Templates.Tests;

/// <summary>
/// A release pack as CI makes it (<c>CI=true</c>, a clone whose <c>origin</c> is the GitHub repository): the symbols
/// package's PDB maps every source file to raw.githubusercontent.com at the packed commit (SourceLink), the files git does
/// not track (generated ones) are embedded in the PDB, paths are normalized (<c>/_/</c>), the DLL and the PDB belong
/// together, and two clones in different folders give byte-identical DLLs and PDBs for every src package (deterministic
/// build). The byte-identical PDBs rest on one rule: one class with <c>[LoggerMessage]</c> methods per assembly
/// (OneLogClassPerAssemblyTests), because the .NET 10 LoggerMessage source generator emits several classes in a varying
/// order and its output is embedded in the PDB. The working repository has no <c>origin</c> (a local worktree), so the
/// test packs clones of its HEAD commit: every src project, in one <c>dotnet pack</c> per clone.
/// </summary>
public sealed class SourceLinkPackTests(ITestOutputHelper output)
{
    private const string Origin = "https://github.com/carteauth/carteauth.git";
    private const string Project = "CarteAuth.Core";

    /// <summary>The SourceLink custom debug information (Portable PDB format specification).</summary>
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    /// <summary>The embedded source custom debug information (Portable PDB format specification).</summary>
    private static readonly Guid EmbeddedSourceKind = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");

    private readonly ProcessRunner _runner = new(output);

    [Fact]
    public async Task ReleasePackHasSourceLinkToTheCommitEmbeddedUntrackedSourcesAndIsDeterministic()
    {
        using var temp = new TempDirectory();
        var commit = (await _runner.RunAsync("git", RepositoryPaths.Root, TimeSpan.FromSeconds(30), "rev-parse", "HEAD")).Trim();
        Assert.Matches("^[0-9a-f]{40}$", commit);
        var projects = Directory.GetDirectories(RepositoryPaths.Of("src")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        Assert.Contains(Project, projects);

        var first = await PackCloneAsync(temp.Path, "clone-a", commit, projects);
        var second = await PackCloneAsync(temp.Path, "second-clone-b", commit, projects);

        // The nuspec names the repository and the commit (NuGet's repository metadata, from SourceLink).
        using var package = ZipFile.OpenRead(PackageFile(first, Project, "nupkg"));
        var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var repository = nuspec.Descendants().Single(e => e.Name.LocalName == "repository");
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.Equal("https://github.com/carteauth/carteauth", repository.Attribute("url")?.Value);
        Assert.Equal(commit, repository.Attribute("commit")?.Value);

        var dll = ReadEntry(package, $"lib/net10.0/{Project}.dll");
        using var symbols = ZipFile.OpenRead(PackageFile(first, Project, "snupkg"));
        var pdb = ReadEntry(symbols, $"lib/net10.0/{Project}.pdb");

        // The DLL is deterministic (Reproducible debug entry) and points at this PDB by a normalized path and its id.
        using var pe = new PEReader(new MemoryStream(dll));
        var debug = pe.ReadDebugDirectory();
        Assert.Contains(debug, e => e.Type == DebugDirectoryEntryType.Reproducible);
        var codeView = pe.ReadCodeViewDebugDirectoryData(debug.Single(e => e.Type == DebugDirectoryEntryType.CodeView));
        Assert.StartsWith("/_/", codeView.Path, StringComparison.Ordinal);
        Assert.DoesNotContain(temp.Path, codeView.Path, StringComparison.Ordinal);

        using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(pdb));
        var reader = pdbProvider.GetMetadataReader();
        Assert.Equal(codeView.Guid, new BlobContentId(reader.DebugMetadataHeader!.Id).Guid);

        // SourceLink: every normalized path maps to the raw file of the packed commit on GitHub.
        var sourceLink = reader.CustomDebugInformation.Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == SourceLinkKind)
            .Select(c => reader.GetBlobBytes(c.Value))
            .SingleOrDefault();
        Assert.True(sourceLink is not null, "the PDB has no SourceLink information: is the .NET SDK's SourceLink disabled, or the origin remote not read?");
        using var json = JsonDocument.Parse(sourceLink);
        var map = json.RootElement.GetProperty("documents").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        output.WriteLine("SourceLink: " + json.RootElement.GetRawText());
        Assert.Equal($"https://raw.githubusercontent.com/carteauth/carteauth/{commit}/*", Assert.Contains("/_/*", map));

        // Every document has a normalized path; the tracked sources are the repository's, the untracked (generated) ones embedded.
        var embedded = reader.CustomDebugInformation.Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == EmbeddedSourceKind && c.Parent.Kind == HandleKind.Document)
            .Select(c => reader.GetString(reader.GetDocument((DocumentHandle)c.Parent).Name))
            .ToHashSet(StringComparer.Ordinal);
        var documents = reader.Documents.Select(h => reader.GetString(reader.GetDocument(h).Name)).ToList();
        Assert.All(documents, d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
        Assert.Contains($"/_/src/{Project}/Policies/PolicyDefinition.cs", documents);
        Assert.DoesNotContain($"/_/src/{Project}/Policies/PolicyDefinition.cs", embedded);
        var generated = documents.Where(d => d.Contains("/obj/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(generated);
        Assert.All(generated, d => Assert.True(embedded.Contains(d), $"{d} is generated (not in git) but not embedded in the PDB: EmbedUntrackedSources"));
        Assert.Contains(generated, d => d.EndsWith("/LoggerMessage.g.cs", StringComparison.Ordinal));

        // Deterministic: the same commit packed in another folder gives byte-identical DLLs and PDBs, package by package
        // (the .nupkg files themselves carry file times). The generated logging sources are compared on their own too: the
        // varying order of the .NET 10 LoggerMessage generator's classes (dotnet/runtime#119587) was the last difference, and
        // it was intermittent; one log class per assembly (OneLogClassPerAssemblyTests) removes it.
        var loggingSources = 0;
        foreach (var project in projects)
        {
            foreach (var kind in new[] { "nupkg", "snupkg" })
            {
                using var a = ZipFile.OpenRead(PackageFile(first, project, kind));
                using var b = ZipFile.OpenRead(PackageFile(second, project, kind));
                var binaries = Binaries(a);
                Assert.Contains(binaries, n => n.EndsWith($"/{AssemblyName(project)}.{(kind == "nupkg" ? "dll" : "pdb")}", StringComparison.Ordinal));
                Assert.Equal(binaries, Binaries(b));
                foreach (var name in binaries)
                {
                    var left = ReadEntry(a, name);
                    var right = ReadEntry(b, name);
                    if (name.EndsWith(".pdb", StringComparison.Ordinal))
                    {
                        loggingSources += CompareEmbeddedSources($"{project} {name}", left, right);
                    }

                    Assert.True(left.AsSpan().SequenceEqual(right),
                        $"{project}: {name} differs between two packs of the same commit in different folders: the build is not deterministic "
                        + "(Deterministic, ContinuousIntegrationBuild/PathMap, or a source generator whose output varies: see OneLogClassPerAssemblyTests)");
                }
            }
        }

        Assert.True(loggingSources > 0, "no embedded logging generator output (LoggerMessage.g.cs, Logging.g.cs) was compared");
        output.WriteLine($"{projects.Count} packages: DLLs and PDBs byte-identical between the two clones; {loggingSources} embedded logging generator files identical");
    }

    /// <summary>
    /// Compares the sources embedded in two PDBs of one name (the first difference named, so a failure says which generator
    /// varies); returns how many logging generator outputs were among them.
    /// </summary>
    private int CompareEmbeddedSources(string what, byte[] left, byte[] right)
    {
        using var a = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(left));
        using var b = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(right));
        var sources = EmbeddedSources(a.GetMetadataReader());
        var other = EmbeddedSources(b.GetMetadataReader());
        Assert.Equal(sources.Keys.Order(StringComparer.Ordinal), other.Keys.Order(StringComparer.Ordinal));
        foreach (var (document, text) in sources)
        {
            Assert.True(text == other[document], $"{what}: the embedded {document} differs between two packs of the same commit: the build is not deterministic");
        }

        output.WriteLine($"{what}: {sources.Count} embedded sources identical: {string.Join(", ", sources.Keys.Order(StringComparer.Ordinal).Select(Path.GetFileName))}");
        return sources.Keys.Count(d => d.EndsWith("/LoggerMessage.g.cs", StringComparison.Ordinal) || d.EndsWith("/Logging.g.cs", StringComparison.Ordinal));
    }

    /// <summary>The assembly name of a src project: its AssemblyName property (the CLI's is <c>carteauth</c>), else the project name.</summary>
    private static string AssemblyName(string project)
    {
        var csproj = XDocument.Load(RepositoryPaths.Of("src", project, project + ".csproj"));
        return csproj.Descendants().FirstOrDefault(e => e.Name.LocalName == "AssemblyName")?.Value ?? project;
    }

    /// <summary>The DLL and PDB entries of a package, ordered.</summary>
    private static List<string> Binaries(ZipArchive zip) =>
        zip.Entries.Select(e => e.FullName)
            .Where(n => n.EndsWith(".dll", StringComparison.Ordinal) || n.EndsWith(".pdb", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The sources embedded in a portable PDB, by document path (Portable PDB spec: int32 size, then deflated or raw UTF-8).</summary>
    private static Dictionary<string, string> EmbeddedSources(MetadataReader reader)
    {
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var information in reader.CustomDebugInformation.Select(reader.GetCustomDebugInformation))
        {
            if (reader.GetGuid(information.Kind) != EmbeddedSourceKind || information.Parent.Kind != HandleKind.Document)
            {
                continue;
            }

            var blob = reader.GetBlobBytes(information.Value);
            var size = BitConverter.ToInt32(blob, 0);
            using var raw = new MemoryStream(blob, 4, blob.Length - 4);
            using var content = size == 0 ? (Stream)raw : new DeflateStream(raw, CompressionMode.Decompress);
            using var text = new StreamReader(content);
            sources[reader.GetString(reader.GetDocument((DocumentHandle)information.Parent).Name)] = text.ReadToEnd();
        }

        return sources;
    }

    /// <summary>
    /// Clones the repository at <paramref name="commit"/> with a GitHub origin and packs the src projects as CI does, in one
    /// <c>dotnet pack</c> of a solution filter (each project built once). Returns the folder of the packages.
    /// </summary>
    private async Task<string> PackCloneAsync(string temp, string name, string commit, IReadOnlyList<string> projects)
    {
        var clone = Path.Combine(temp, name);
        var feed = Path.Combine(temp, name + "-feed");
        await _runner.RunAsync("git", temp, TimeSpan.FromMinutes(1), "clone", "--quiet", "--no-checkout", RepositoryPaths.Root, clone);
        await _runner.RunAsync("git", clone, TimeSpan.FromMinutes(1), "checkout", "--quiet", "--detach", commit);
        await _runner.RunAsync("git", clone, TimeSpan.FromSeconds(30), "remote", "set-url", "origin", Origin);
        var filter = Path.Combine(clone, "src.slnf");
        await File.WriteAllTextAsync(filter, JsonSerializer.Serialize(new
        {
            solution = new { path = "CarteAuth.sln", projects = projects.Select(p => $"src\\{p}\\{p}.csproj").ToArray() },
        }));

        // CI=true is what CI services set (Directory.Build.props turns on ContinuousIntegrationBuild); the clone builds in
        // its own bin/obj, not in the artifacts folder a developer may have set for the working copy.
        var environment = new Dictionary<string, string?> { ["CI"] = "true", ["CARTEAUTH_ARTIFACTS"] = null };
        await _runner.RunAsync("dotnet", clone, TimeSpan.FromMinutes(6), environment,
            "pack", filter, "-c", "Release", "-o", feed, "-nologo", "-nodeReuse:false");
        foreach (var project in projects)
        {
            _ = PackageFile(feed, project, "nupkg");
            _ = PackageFile(feed, project, "snupkg");
        }

        return feed;
    }

    /// <summary>The package (<paramref name="kind"/> nupkg or snupkg) of <paramref name="project"/> in <paramref name="feed"/>, whatever its version.</summary>
    private static string PackageFile(string feed, string project, string kind)
    {
        var files = Directory.GetFiles(feed, $"{project}.*.{kind}")
            .Where(f => Path.GetFileName(f).Length > project.Length + 1 && char.IsAsciiDigit(Path.GetFileName(f)[project.Length + 1]))
            .ToList();
        Assert.True(files.Count == 1, $"expected one {project} {kind} in {feed}; it has: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");
        return files[0];
    }

    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name);
        Assert.True(entry is not null, $"the package has no {name}; it has: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
