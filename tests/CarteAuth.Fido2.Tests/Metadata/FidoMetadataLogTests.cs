using System.Collections.Concurrent;
using CarteAuth.Fido2.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Fido2.Tests.Metadata;

/// <summary>The service logs what an operator needs, with stable event ids (2500-2549).</summary>
public sealed class FidoMetadataLogTests
{
    [Fact]
    public async Task LoadRollbackFailureAndGrace_AreLoggedWithStableEventIds()
    {
        var logger = new ListLogger();
        using var server = new BlobServer(TestBlob.Standard(no: 5, nextUpdateDays: 1));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = FidoMetadataBlobTests.Options(server.Url);
        options.NextUpdateGrace = TimeSpan.FromDays(2);
        using var service = new FidoMetadataService(options, timeProvider: time, logger: logger);

        await service.GetEntryAsync(TestBlob.Aaguid);
        server.Body = TestBlob.Standard(no: 4);
        time.Advance(TimeSpan.FromDays(2));
        await service.GetEntryAsync(TestBlob.Aaguid);
        server.Body = null;
        time.Advance(TimeSpan.FromDays(2));
        await Assert.ThrowsAsync<WebAuthnException>(() => service.GetEntryAsync(TestBlob.Aaguid).AsTask());

        Assert.Contains(logger.Entries, e => e.Id == 2500 && e.Level == LogLevel.Information && e.Message.Contains("no 5", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Id == 2502 && e.Level == LogLevel.Warning && e.Message.Contains("rollback", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Id == 2503 && e.Level == LogLevel.Warning && e.Message.Contains(ReasonCodes.WebAuthnMetadataUnavailable, StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Id == 2505 && e.Level == LogLevel.Error);
        Assert.All(logger.Entries, e => Assert.InRange(e.Id, 2500, 2549));
    }

    private sealed class ListLogger : ILogger<FidoMetadataService>
    {
        public ConcurrentQueue<(int Id, LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
