using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CarteAuth.Fido2.Metadata;

/// <summary>
/// <see cref="IFidoMetadataService"/> over the FIDO Metadata Service 3.0 BLOB (§3.1 metadata BLOB, §3.2 processing
/// rules): downloads it (or reads a local file), verifies its JWS signature and its <c>x5c</c> chain to the configured
/// root, refuses rollbacks (a <c>no</c> not greater than the one in use), refreshes it when <c>nextUpdate</c> is
/// reached (and every <see cref="FidoMetadataOptions.RefreshInterval"/>), keeps the last good BLOB when a refresh fails
/// and fails lookups with <see cref="ReasonCodes.WebAuthnMetadataUnavailable"/> once it is past <c>nextUpdate</c> by
/// more than <see cref="FidoMetadataOptions.NextUpdateGrace"/>.
/// </summary>
/// <remarks>
/// Thread-safe: one fetch at a time, shared by every lookup waiting for it. The first lookup loads the BLOB (from
/// <see cref="FidoMetadataOptions.CacheFilePath"/> first when set, then from the source). Once a BLOB is loaded,
/// periodic checks run in the background; only a lookup past <c>nextUpdate</c> waits for the download.
/// </remarks>
public sealed class FidoMetadataService : IFidoMetadataService, IDisposable
{
    private readonly FidoMetadataOptions _options;
    private readonly X509Certificate2Collection _roots;
    private readonly HttpClient? _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _source;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private volatile State _state = new(null, null, null, CacheTried: false);
    private Task? _refresh;

    /// <summary>Creates the service; nothing is fetched before the first lookup or <see cref="RefreshAsync"/>.</summary>
    /// <param name="options">Source, roots and policy; validated here.</param>
    /// <param name="httpClient">The client used with <see cref="FidoMetadataOptions.BlobUrl"/> (its own timeout should be infinite or longer than <see cref="FidoMetadataOptions.HttpTimeout"/>); one is created and owned when null.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where to log; nothing when null.</param>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnInvalidOptions"/> when the options are invalid.</exception>
    public FidoMetadataService(FidoMetadataOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<FidoMetadataService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _roots = options.LoadRoots();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _source = options.BlobUrl?.AbsoluteUri ?? options.BlobFilePath!;
        if (options.BlobUrl is not null)
        {
            _ownsHttpClient = httpClient is null;
            _httpClient = httpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        }
    }

    /// <summary>The BLOB in use, or null before one is loaded.</summary>
    public MetadataBlobInfo? CurrentBlob => _state.Blob?.Info;

    /// <inheritdoc/>
    public async ValueTask<MetadataEntry?> GetEntryAsync(Guid aaguid, CancellationToken cancellationToken = default) =>
        (await GetBlobAsync(cancellationToken).ConfigureAwait(false)).Find(aaguid);

    /// <summary>
    /// The entry of a U2F authenticator (which has no AAGUID) by the key identifier of its attestation certificate: the
    /// hex SHA-1 of the certificate's public key (<c>attestationCertificateKeyIdentifiers</c>, the subject key identifier), or null.
    /// </summary>
    /// <param name="keyIdentifierHex">The key identifier, hex (either case).</param>
    /// <param name="cancellationToken">Cancels the wait (not a download shared with other lookups).</param>
    /// <exception cref="WebAuthnException">As <see cref="GetEntryAsync"/>.</exception>
    public async ValueTask<MetadataEntry?> GetEntryByAttestationCertificateKeyIdentifierAsync(string keyIdentifierHex, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyIdentifierHex);
        return (await GetBlobAsync(cancellationToken).ConfigureAwait(false)).FindByKeyIdentifier(keyIdentifierHex.ToLowerInvariant());
    }

    /// <summary>
    /// Fetches the BLOB now (joining a fetch already running) and returns the BLOB in use afterwards: the new one when
    /// it was newer, the previous one otherwise.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="WebAuthnException">The fetch failed: <see cref="ReasonCodes.WebAuthnMetadataUnavailable"/> (source unreachable) or <see cref="ReasonCodes.WebAuthnMetadataInvalid"/> (BLOB refused).</exception>
    public async Task<MetadataBlobInfo> RefreshAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        await StartRefresh(force: true).WaitAsync(cancellationToken).ConfigureAwait(false);
        var state = _state;
        if (state.LastError is { } error)
        {
            throw Rethrown(error);
        }

        return state.Blob!.Info;
    }

    /// <summary>Stops background work and releases the HTTP client when this service created it.</summary>
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        if (_ownsHttpClient)
        {
            _httpClient!.Dispose();
        }
    }

    private async ValueTask<MetadataBlob> GetBlobAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var state = _state;
        var now = _timeProvider.GetUtcNow();
        if (state.NextCheck is null || now >= state.NextCheck)
        {
            var refresh = StartRefresh(force: false);
            if (state.Blob is null || now >= state.Blob.Info.NextUpdate)
            {
                // No BLOB yet, or the one in use is due: wait for the fetch (statuses may have changed).
                await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
                state = _state;
                now = _timeProvider.GetUtcNow();
            }
        }

        return Usable(state, now);
    }

    private MetadataBlob Usable(State state, DateTimeOffset now)
    {
        if (state.Blob is not { } blob)
        {
            throw state.LastError is { } error
                ? Rethrown(error)
                : new WebAuthnException(ReasonCodes.WebAuthnMetadataUnavailable, $"No FIDO metadata BLOB is loaded yet from {_source}.");
        }

        if (now > blob.Info.NextUpdate + _options.NextUpdateGrace)
        {
            var why = state.LastError is { } e ? $" The last attempt failed ({e.ReasonCode}): {e.Message}" : string.Empty;
            throw new WebAuthnException(
                ReasonCodes.WebAuthnMetadataUnavailable,
                $"The FIDO metadata BLOB in use (no {blob.Info.Number}) was due for replacement on {blob.Info.NextUpdate:yyyy-MM-dd} and is now past the grace of {_options.NextUpdateGrace.TotalHours:0.##} hours (FidoMetadataOptions.NextUpdateGrace), and no newer BLOB could be loaded from {_source}.{why} Check that the source is reachable and serves a current BLOB.");
        }

        return blob;
    }

    /// <summary>The fetch running, or a new one when due (or forced); never faults.</summary>
    private Task StartRefresh(bool force)
    {
        lock (_gate)
        {
            if (_refresh is { IsCompleted: false } running)
            {
                return running;
            }

            var state = _state;
            if (!force && state.NextCheck is { } next && _timeProvider.GetUtcNow() < next)
            {
                return Task.CompletedTask;
            }

            _refresh = Task.Run(RefreshCoreAsync);
            return _refresh;
        }
    }

    private async Task RefreshCoreAsync()
    {
        var state = _state;
        if (state.Blob is null && !state.CacheTried && _options.CacheFilePath is { } cachePath)
        {
            state = state with { Blob = await LoadCacheAsync(cachePath).ConfigureAwait(false), CacheTried = true };
            _state = state;
        }

        var current = state.Blob;
        DateTimeOffset now;
        try
        {
            Fido2Log.Fetching(_logger, _source);
            var bytes = await FetchAsync().ConfigureAwait(false);
            now = _timeProvider.GetUtcNow();
            var blob = MetadataBlob.Parse(MetadataBlobJws.Verify(bytes, _roots, _options.RevocationMode, now), now);

            // FIDO MDS 3.0 §3.2 step 4: a serial number not greater than the current one is ignored (no news, or a rollback).
            if (current is not null && blob.Info.Number <= current.Info.Number)
            {
                if (blob.Info.Number == current.Info.Number)
                {
                    Fido2Log.NotNewer(_logger, _source, blob.Info.Number);
                }
                else
                {
                    Fido2Log.RolledBack(_logger, _source, blob.Info.Number, current.Info.Number);
                }

                _state = new State(current, NextCheck(current, now, failed: false), null, CacheTried: true);
                return;
            }

            Fido2Log.Loaded(_logger, blob.Info.Number, _source, blob.Info.EntryCount, blob.Info.NextUpdate);
            if (blob.Info.MalformedEntryCount > 0)
            {
                Fido2Log.MalformedEntries(_logger, blob.Info.Number, blob.Info.MalformedEntryCount, string.Join("; ", blob.Problems.Take(3)));
            }

            if (_options.CacheFilePath is { } path && _options.BlobUrl is not null)
            {
                WriteCache(path, bytes);
            }

            _state = new State(blob, NextCheck(blob, now, failed: false), null, CacheTried: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            now = _timeProvider.GetUtcNow();
            var error = e as WebAuthnException ?? new WebAuthnException(ReasonCodes.WebAuthnMetadataUnavailable, $"The FIDO metadata BLOB could not be obtained from {_source}: {e.Message}", e);
            var next = NextCheck(current, now, failed: true);
            if (current is null)
            {
                Fido2Log.RefreshFailedEmpty(_logger, _source, error.ReasonCode, error.Message, next);
            }
            else
            {
                Fido2Log.RefreshFailedKeeping(_logger, _source, error.ReasonCode, error.Message, current.Info.Number, current.Info.NextUpdate, next);
                if (now > current.Info.NextUpdate + _options.NextUpdateGrace)
                {
                    Fido2Log.PastGrace(_logger, current.Info.Number, current.Info.NextUpdate, _options.NextUpdateGrace);
                }
            }

            _state = new State(current, next, error, CacheTried: true);
        }
    }

    /// <summary>
    /// When to look again: after a failure, or when the BLOB in use is already due, <see cref="FidoMetadataOptions.RetryInterval"/>
    /// from now; otherwise at its <c>nextUpdate</c> or after <see cref="FidoMetadataOptions.RefreshInterval"/>, whichever is first.
    /// </summary>
    private DateTimeOffset NextCheck(MetadataBlob? blob, DateTimeOffset now, bool failed)
    {
        if (failed || blob is null || now >= blob.Info.NextUpdate)
        {
            return now + _options.RetryInterval;
        }

        var periodic = now + _options.RefreshInterval;
        return blob.Info.NextUpdate < periodic ? blob.Info.NextUpdate : periodic;
    }

    private async Task<byte[]> FetchAsync()
    {
        if (_options.BlobUrl is not { } url)
        {
            return await ReadFileAsync(_options.BlobFilePath!, _disposed.Token).ConfigureAwait(false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        timeout.CancelAfter(_options.HttpTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await _httpClient!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Unavailable($"{url} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            if (response.Content.Headers.ContentLength is { } length && length > _options.MaxBlobBytes)
            {
                throw TooLarge($"{url} announces {length} bytes");
            }

            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await ReadBoundedAsync(stream, url.AbsoluteUri, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !_disposed.IsCancellationRequested)
        {
            throw Unavailable($"{url} did not answer within {_options.HttpTimeout} (FidoMetadataOptions.HttpTimeout).", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw Unavailable($"{url} could not be reached: {e.Message}", e);
        }
    }

    private async Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                if (stream.Length > _options.MaxBlobBytes)
                {
                    throw TooLarge($"the file {path} has {stream.Length} bytes");
                }

                return await ReadBoundedAsync(stream, path, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unavailable($"the BLOB file {path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Reads at most <see cref="FidoMetadataOptions.MaxBlobBytes"/>; more is refused as invalid.</summary>
    private async Task<byte[]> ReadBoundedAsync(Stream stream, string what, CancellationToken cancellationToken)
    {
        var max = _options.MaxBlobBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            using var content = new MemoryStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (content.Length + read > max)
                {
                    throw TooLarge($"{what} sent more than {max} bytes");
                }

                content.Write(buffer, 0, read);
            }

            return content.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The BLOB kept in the cache file, verified again like a download (signature, chain at the current time); null when absent or refused.</summary>
    private async Task<MetadataBlob?> LoadCacheAsync(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var bytes = await ReadFileAsync(path, _disposed.Token).ConfigureAwait(false);
            var now = _timeProvider.GetUtcNow();
            var blob = MetadataBlob.Parse(MetadataBlobJws.Verify(bytes, _roots, _options.RevocationMode, now), now);
            Fido2Log.CacheLoaded(_logger, blob.Info.Number, path, blob.Info.NextUpdate);
            return blob;
        }
        catch (WebAuthnException e)
        {
            Fido2Log.CacheRefused(_logger, path, e.ReasonCode, e.Message);
            return null;
        }
        catch (OperationCanceledException)
        {
            // Disposed while reading: nothing to load.
            return null;
        }
    }

    private void WriteCache(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fido2Log.CacheWriteFailed(_logger, path, e.Message);
        }
    }

    private WebAuthnException TooLarge(string detail) =>
        MetadataBlobJws.Invalid($"{detail}, more than FidoMetadataOptions.MaxBlobBytes ({_options.MaxBlobBytes}): check that the source serves the BLOB, or raise the limit");

    private static WebAuthnException Unavailable(string detail, Exception? inner = null) =>
        new(ReasonCodes.WebAuthnMetadataUnavailable, "The FIDO metadata BLOB could not be fetched: " + detail, inner);

    /// <summary>A fresh exception carrying a recorded failure (a stored exception is never rethrown as is: its stack would grow).</summary>
    private static WebAuthnException Rethrown(WebAuthnException error) => new(error.ReasonCode, error.Message, error);

    /// <summary>An immutable snapshot: BLOB in use, when to look again, last failure, whether the cache file was read.</summary>
    private sealed record State(MetadataBlob? Blob, DateTimeOffset? NextCheck, WebAuthnException? LastError, bool CacheTried);
}
