using CarteAuth.Fido2.Metadata;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Fido2.Tests.Metadata;

/// <summary>Refresh policy: nextUpdate, rollbacks, failures with the last good BLOB, grace, single download, cache file.</summary>
public sealed class FidoMetadataRefreshTests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static byte[] Blob(long no, int nextUpdateDays, string description = "Test Key", string status = "FIDO_CERTIFIED") =>
        TestBlob.SignEs256(TestBlob.Payload(no, TestBlob.Today.AddDays(nextUpdateDays), TestBlob.Entry(TestBlob.Aaguid, description, (status, "2024-01-15", null))));

    private static FidoMetadataService Service(BlobServer server, FakeTimeProvider time, Action<FidoMetadataOptions>? configure = null)
    {
        var options = FidoMetadataBlobTests.Options(server.Url);
        configure?.Invoke(options);
        return new FidoMetadataService(options, timeProvider: time);
    }

    private static async Task<MetadataEntry> Lookup(FidoMetadataService service) => (await service.GetEntryAsync(TestBlob.Aaguid))!;

    [Fact]
    public async Task BeforeNextUpdate_LookupsDoNotDownloadAgain()
    {
        using var server = new BlobServer(Blob(1, 30));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = Service(server, time);

        for (var i = 0; i < 10; i++)
        {
            await Lookup(service);
            time.Advance(TimeSpan.FromHours(1));
        }

        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task AfterNextUpdate_ANewerBlobReplacesTheCurrentOne()
    {
        using var server = new BlobServer(Blob(1, 1));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = Service(server, time);
        Assert.False((await Lookup(service)).IsCompromised);

        server.Body = Blob(2, 30, status: "REVOKED");
        time.Advance(2 * Day);
        var entry = await Lookup(service);

        Assert.True(entry.IsCompromised);
        Assert.Equal(2, service.CurrentBlob!.Number);
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task OlderSerialNumber_IsIgnoredAsARollback()
    {
        using var server = new BlobServer(Blob(5, 1, "Current"));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = Service(server, time);
        await Lookup(service);

        server.Body = Blob(4, 30, "Rolled back", "REVOKED");
        time.Advance(2 * Day);
        var entry = await Lookup(service);

        Assert.Equal(2, server.Requests);
        Assert.Equal("Current", entry.Description);
        Assert.False(entry.IsCompromised);
        Assert.Equal(5, service.CurrentBlob!.Number);
    }

    [Fact]
    public async Task SameSerialNumber_KeepsTheCurrentBlob()
    {
        using var server = new BlobServer(Blob(5, 1, "Current"));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = Service(server, time);
        await Lookup(service);

        server.Body = Blob(5, 30, "Same number, other content");
        time.Advance(2 * Day);

        Assert.Equal("Current", (await Lookup(service)).Description);
        Assert.Equal(5, service.CurrentBlob!.Number);
    }

    [Fact]
    public async Task ServerDown_PastNextUpdate_KeepsTheLastGoodBlob_ThenUnavailableAfterTheGrace()
    {
        using var server = new BlobServer(Blob(1, 1));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = Service(server, time, o => o.NextUpdateGrace = 3 * Day);
        await Lookup(service);

        server.Body = null;
        time.Advance(2 * Day);
        Assert.Equal("Test Key", (await Lookup(service)).Description);
        Assert.Equal(2, server.Requests);

        // Within the retry interval, lookups do not hammer the server.
        time.Advance(TimeSpan.FromMinutes(5));
        await Lookup(service);
        Assert.Equal(2, server.Requests);

        time.Advance(3 * Day);
        var e = await Assert.ThrowsAsync<WebAuthnException>(() => Lookup(service));
        Assert.Equal(ReasonCodes.WebAuthnMetadataUnavailable, e.ReasonCode);
        Assert.Contains("NextUpdateGrace", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.Requests);

        // The service recovers as soon as a newer BLOB can be fetched again.
        server.Body = Blob(2, 30);
        time.Advance(TimeSpan.FromMinutes(16));
        await Lookup(service);
        Assert.Equal(2, service.CurrentBlob!.Number);
    }

    [Fact]
    public async Task InvalidNewerBlob_PastNextUpdate_KeepsTheLastGoodBlob()
    {
        using var server = new BlobServer(Blob(1, 1));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = Service(server, time);
        await Lookup(service);

        var forged = Blob(2, 30, status: "REVOKED");
        forged[^5] ^= 0x01;
        server.Body = forged;
        time.Advance(2 * Day);

        Assert.False((await Lookup(service)).IsCompromised);
        Assert.Equal(1, service.CurrentBlob!.Number);
        var e = await Assert.ThrowsAsync<WebAuthnException>(() => service.RefreshAsync());
        Assert.Equal(ReasonCodes.WebAuthnMetadataInvalid, e.ReasonCode);
    }

    [Fact]
    public async Task NoBlobAndServerDown_IsUnavailable_AndRetriedOnlyAfterTheRetryInterval()
    {
        using var server = new BlobServer(null);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = Service(server, time);

        var first = await Assert.ThrowsAsync<WebAuthnException>(() => Lookup(service));
        var second = await Assert.ThrowsAsync<WebAuthnException>(() => Lookup(service));

        Assert.Equal(ReasonCodes.WebAuthnMetadataUnavailable, first.ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnMetadataUnavailable, second.ReasonCode);
        Assert.Contains("503", second.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests);

        server.Body = Blob(1, 30);
        time.Advance(TimeSpan.FromMinutes(16));
        Assert.NotNull(await Lookup(service));
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task InvalidFirstBlob_IsReportedAsInvalid_UntilTheRetry()
    {
        using var server = new BlobServer("not a BLOB"u8.ToArray());
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = Service(server, time);

        Assert.Equal(ReasonCodes.WebAuthnMetadataInvalid, (await Assert.ThrowsAsync<WebAuthnException>(() => Lookup(service))).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnMetadataInvalid, (await Assert.ThrowsAsync<WebAuthnException>(() => Lookup(service))).ReasonCode);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task ConcurrentLookups_DuringTheFirstLoad_DoOneDownload()
    {
        using var server = new BlobServer(Blob(1, 30)) { Delay = TimeSpan.FromMilliseconds(500) };
        using var service = Service(server, new FakeTimeProvider(DateTimeOffset.UtcNow));

        var entries = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => Lookup(service))));

        Assert.All(entries, e => Assert.Equal("Test Key", e.Description));
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task ConcurrentLookups_DuringARefresh_DoOneDownload()
    {
        using var server = new BlobServer(Blob(1, 1));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = Service(server, time);
        await Lookup(service);

        server.Body = Blob(2, 30, "Refreshed");
        server.Delay = TimeSpan.FromMilliseconds(500);
        time.Advance(2 * Day);
        var entries = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => Lookup(service))));

        Assert.All(entries, e => Assert.Equal("Refreshed", e.Description));
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task CancelledLookup_DoesNotCancelTheSharedDownload()
    {
        using var server = new BlobServer(Blob(1, 30)) { Delay = TimeSpan.FromMilliseconds(500) };
        using var service = Service(server, new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.GetEntryAsync(TestBlob.Aaguid, cancel.Token).AsTask());

        Assert.NotNull(await Lookup(service));
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task PeriodicCheck_BeforeNextUpdate_RunsInTheBackground()
    {
        using var server = new BlobServer(Blob(1, 30));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = Service(server, time);
        await Lookup(service);

        server.Body = Blob(2, 30, "Republished");
        time.Advance(Day + TimeSpan.FromHours(1));
        Assert.Equal("Test Key", (await Lookup(service)).Description);

        for (var i = 0; i < 100 && service.CurrentBlob!.Number != 2; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal("Republished", (await Lookup(service)).Description);
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task RefreshAsync_FetchesNow()
    {
        using var server = new BlobServer(Blob(1, 30));
        using var service = Service(server, new FakeTimeProvider(DateTimeOffset.UtcNow));

        Assert.Equal(1, (await service.RefreshAsync()).Number);
        server.Body = Blob(3, 30);
        Assert.Equal(3, (await service.RefreshAsync()).Number);
        server.Body = null;
        Assert.Equal(ReasonCodes.WebAuthnMetadataUnavailable, (await Assert.ThrowsAsync<WebAuthnException>(() => service.RefreshAsync())).ReasonCode);
        Assert.Equal(3, service.CurrentBlob!.Number);
    }

    [Fact]
    public async Task CacheFile_KeepsTheLastGoodBlob_ForTheNextStart()
    {
        using var directory = new TempDirectory();
        var cache = directory.File("mds-cache.jwt");
        using var server = new BlobServer(Blob(7, 30, "Cached"));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using (var service = Service(server, time, o => o.CacheFilePath = cache))
        {
            await Lookup(service);
        }

        Assert.True(File.Exists(cache));
        server.Body = null;
        using var restarted = Service(server, time, o => o.CacheFilePath = cache);

        Assert.Equal("Cached", (await Lookup(restarted)).Description);
        Assert.Equal(7, restarted.CurrentBlob!.Number);
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task TamperedCacheFile_IsNotUsed()
    {
        using var directory = new TempDirectory();
        var cache = directory.File("mds-cache.jwt");
        var tampered = Blob(7, 30);
        tampered[^5] ^= 0x01;
        await File.WriteAllBytesAsync(cache, tampered);
        using var server = new BlobServer(null);
        using var service = Service(server, new FakeTimeProvider(DateTimeOffset.UtcNow), o => o.CacheFilePath = cache);

        var e = await Assert.ThrowsAsync<WebAuthnException>(() => Lookup(service));

        Assert.Equal(ReasonCodes.WebAuthnMetadataUnavailable, e.ReasonCode);
        Assert.Null(service.CurrentBlob);
    }

    [Fact]
    public async Task CacheFile_IsReplacedByANewerDownload()
    {
        using var directory = new TempDirectory();
        var cache = directory.File("mds-cache.jwt");
        await File.WriteAllBytesAsync(cache, Blob(3, 30, "Old"));
        using var server = new BlobServer(Blob(4, 30, "New"));
        using var service = Service(server, new FakeTimeProvider(DateTimeOffset.UtcNow), o => o.CacheFilePath = cache);

        Assert.Equal("New", (await Lookup(service)).Description);
        server.Body = null;
        using var restarted = Service(server, new FakeTimeProvider(DateTimeOffset.UtcNow), o => o.CacheFilePath = cache);
        Assert.Equal("New", (await Lookup(restarted)).Description);
    }

    [Fact]
    public async Task Dispose_StopsLookups()
    {
        using var server = new BlobServer(Blob(1, 30));
        var service = Service(server, new FakeTimeProvider(DateTimeOffset.UtcNow));
        await Lookup(service);
        service.Dispose();
        service.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => Lookup(service));
    }
}
