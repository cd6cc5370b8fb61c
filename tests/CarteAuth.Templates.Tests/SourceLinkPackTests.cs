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
/// together, and two clones in different folders give byte-identical DLLs (deterministic build). The working repository
/// has no <c>origin</c> (a local worktree), so the test packs clones of its HEAD commit: CarteAuth.Core only (bounded time).
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

        var first = await PackCloneAsync(temp.Path, "clone-a", commit);
        var second = await PackCloneAsync(temp.Path, "second-clone-b", commit);

        // The nuspec names the repository and the commit (NuGet's repository metadata, from SourceLink).
        using var package = ZipFile.OpenRead(first.Package);
        var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var repository = nuspec.Descendants().Single(e => e.Name.LocalName == "repository");
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.Equal("https://github.com/carteauth/carteauth", repository.Attribute("url")?.Value);
        Assert.Equal(commit, repository.Attribute("commit")?.Value);

        var dll = ReadEntry(package, $"lib/net10.0/{Project}.dll");
        using var symbols = ZipFile.OpenRead(first.Symbols);
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

        // Deterministic: the same commit packed in another folder gives the same DLL. One known exception, upstream: the .NET 10
        // LoggerMessage source generator emits its classes in a varying order (dotnet/runtime#119587, fixed in .NET 11), and
        // its output is embedded in the PDB, so the content-derived ids (MVID, PDB id, PE stamp and checksums) may differ. The
        // code is the same: the DLLs must be equal once those ids are masked, and every embedded source equal, the generator's
        // file as a set of lines.
        using var secondPackage = ZipFile.OpenRead(second.Package);
        using var secondSymbols = ZipFile.OpenRead(second.Symbols);
        var secondDll = ReadEntry(secondPackage, $"lib/net10.0/{Project}.dll");
        var sources = EmbeddedSources(reader);
        using var secondPdb = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(ReadEntry(secondSymbols, $"lib/net10.0/{Project}.pdb")));
        var secondSources = EmbeddedSources(secondPdb.GetMetadataReader());
        Assert.Equal(sources.Keys.Order(StringComparer.Ordinal), secondSources.Keys.Order(StringComparer.Ordinal));
        foreach (var (document, text) in sources)
        {
            if (text == secondSources[document])
            {
                continue;
            }

            Assert.True(document.EndsWith("/LoggerMessage.g.cs", StringComparison.Ordinal), $"{document} differs between two packs of the same commit: the build is not deterministic");
            Assert.Equal(text.Split('\n').Order(StringComparer.Ordinal), secondSources[document].Split('\n').Order(StringComparer.Ordinal));
        }

        var identical = dll.AsSpan().SequenceEqual(secondDll);
        output.WriteLine(identical ? "the two DLLs are byte-identical" : "the two DLLs differ only if their content-derived ids do (LoggerMessage generator order, dotnet/runtime#119587)");
        Assert.True(identical || MaskIds(dll).AsSpan().SequenceEqual(MaskIds(secondDll)),
            "two packs of the same commit in different folders gave different code: the build is not deterministic (Deterministic, ContinuousIntegrationBuild/PathMap)");
    }

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
    /// The DLL with its content-derived ids zeroed: the MVID, the CodeView PDB id, the debug directory and COFF stamps, the
    /// PDB checksum and the PE checksum (a deterministic build derives them all from a hash of the output).
    /// </summary>
    private static byte[] MaskIds(byte[] dll)
    {
        using var pe = new PEReader(new MemoryStream(dll));
        var metadata = pe.GetMetadataReader();
        var ids = new List<byte[]> { metadata.GetGuid(metadata.GetModuleDefinition().Mvid).ToByteArray(), BitConverter.GetBytes(pe.PEHeaders.CoffHeader.TimeDateStamp) };
        foreach (var entry in pe.ReadDebugDirectory())
        {
            ids.Add(BitConverter.GetBytes(entry.Stamp));
            if (entry.Type == DebugDirectoryEntryType.CodeView)
            {
                ids.Add(pe.ReadCodeViewDebugDirectoryData(entry).Guid.ToByteArray());
            }
            else if (entry.Type == DebugDirectoryEntryType.PdbChecksum)
            {
                ids.Add([.. pe.ReadPdbChecksumDebugDirectoryData(entry).Checksum]);
            }
        }

        var masked = (byte[])dll.Clone();
        // Longest first: the PDB id (CodeView GUID and stamp) is the start of the PDB checksum, so masking it first would hide the checksum.
        foreach (var id in ids.Where(i => i.Any(b => b != 0)).OrderByDescending(i => i.Length))
        {
            for (var at = masked.AsSpan().IndexOf(id); at >= 0; at = masked.AsSpan().IndexOf(id))
            {
                masked.AsSpan(at, id.Length).Clear();
            }
        }

        masked.AsSpan(pe.PEHeaders.PEHeaderStartOffset + 64, 4).Clear(); // PE/COFF optional header CheckSum
        return masked;
    }

    /// <summary>Clones the repository at <paramref name="commit"/> with a GitHub origin and packs the project as CI does.</summary>
    private async Task<(string Package, string Symbols)> PackCloneAsync(string temp, string name, string commit)
    {
        var clone = Path.Combine(temp, name);
        var feed = Path.Combine(temp, name + "-feed");
        await _runner.RunAsync("git", temp, TimeSpan.FromMinutes(1), "clone", "--quiet", "--no-checkout", RepositoryPaths.Root, clone);
        await _runner.RunAsync("git", clone, TimeSpan.FromMinutes(1), "checkout", "--quiet", "--detach", commit);
        await _runner.RunAsync("git", clone, TimeSpan.FromSeconds(30), "remote", "set-url", "origin", Origin);

        // CI=true is what CI services set (Directory.Build.props turns on ContinuousIntegrationBuild); the clone builds in
        // its own bin/obj, not in the artifacts folder a developer may have set for the working copy.
        var environment = new Dictionary<string, string?> { ["CI"] = "true", ["CARTEAUTH_ARTIFACTS"] = null };
        await _runner.RunAsync("dotnet", clone, TimeSpan.FromMinutes(4), environment,
            "pack", Path.Combine(clone, "src", Project, Project + ".csproj"), "-c", "Release", "-o", feed, "-nologo", "-nodeReuse:false");
        var package = Directory.GetFiles(feed, "*.nupkg").Single();
        var symbols = Directory.GetFiles(feed, "*.snupkg").Single();
        return (package, symbols);
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
