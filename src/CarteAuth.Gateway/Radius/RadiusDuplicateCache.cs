using System.Collections.Concurrent;
using System.Net;

namespace CarteAuth.Gateway.Radius;

/// <summary>
/// RFC 5080 §2.2.2 duplicate detection: a request with the same source address and port, Identifier and Request
/// Authenticator as one seen within <see cref="RadiusServerOptions.DuplicateWindow"/> is a retransmission. While
/// the first is processed (e.g. held for a push) duplicates are dropped; afterwards the cached reply is re-sent.
/// Bounded: expired entries leave in arrival order, and when still full new requests are processed without being
/// remembered.
/// </summary>
/// <remarks>
/// Every entry lives for the same window, so entries expire in the order they were added: a FIFO of (key, entry)
/// lets each request remove only what has expired (amortized constant time), instead of scanning the whole
/// dictionary. The entry count is kept here because <see cref="ConcurrentDictionary{TKey, TValue}.Count"/> takes
/// every lock of the dictionary.
/// </remarks>
internal sealed class RadiusDuplicateCache(TimeProvider time, TimeSpan window, int capacity)
{
    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    private readonly ConcurrentQueue<KeyValuePair<Key, Entry>> _arrivals = new();
    private readonly Lock _sweeping = new();
    private readonly long _windowTicks = (long)(window.TotalSeconds * time.TimestampFrequency);
    private int _count;
    private int _queued;

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Registers a new request. False when it is a duplicate: <paramref name="cachedReply"/> is the reply to re-send,
    /// or null while the original is in progress (or was discarded).
    /// </summary>
    public bool TryBegin(IPEndPoint source, RadiusPacket packet, out Key key, out byte[]? cachedReply)
    {
        key = new Key(source, packet.Identifier, new UInt128(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(packet.Authenticator.Span),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(packet.Authenticator.Span[8..])));
        var now = time.GetTimestamp();
        Sweep(now);
        var entry = new Entry(now + _windowTicks);
        while (true)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                if (existing.ExpiresAt > now)
                {
                    cachedReply = existing.Reply;
                    return false;
                }

                Remove(KeyValuePair.Create(key, existing));
                continue;
            }

            // Full (or the arrival queue holds that many forgotten entries too): processed, not remembered.
            if (Volatile.Read(ref _count) >= capacity || Volatile.Read(ref _queued) >= 2 * capacity)
            {
                cachedReply = null;
                return true;
            }

            if (_entries.TryAdd(key, entry))
            {
                Interlocked.Increment(ref _count);
                Interlocked.Increment(ref _queued);
                _arrivals.Enqueue(KeyValuePair.Create(key, entry));
                cachedReply = null;
                return true;
            }
        }
    }

    /// <summary>Keeps the reply for retransmissions (null: the request was discarded; duplicates are dropped too).</summary>
    public void Complete(Key key, byte[]? reply)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            entry.Reply = reply;
        }
    }

    /// <summary>Forgets a request whose processing failed, so that the NAS's retransmission is processed again.</summary>
    public void Forget(Key key)
    {
        if (_entries.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Removes the entries whose window has passed, oldest first; one thread at a time, the others go on.</summary>
    private void Sweep(long now)
    {
        if (!_arrivals.TryPeek(out var oldest) || oldest.Value.ExpiresAt > now || !_sweeping.TryEnter())
        {
            return;
        }

        try
        {
            while (_arrivals.TryPeek(out oldest) && oldest.Value.ExpiresAt <= now && _arrivals.TryDequeue(out oldest))
            {
                Interlocked.Decrement(ref _queued);
                // Only this entry: the key may since have been forgotten and registered again with a newer entry.
                Remove(oldest);
            }
        }
        finally
        {
            _sweeping.Exit();
        }
    }

    private void Remove(KeyValuePair<Key, Entry> item)
    {
        if (_entries.TryRemove(item))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    internal readonly record struct Key(IPEndPoint Source, byte Identifier, UInt128 Authenticator);

    private sealed class Entry(long expiresAt)
    {
        public long ExpiresAt { get; } = expiresAt;

        public byte[]? Reply { get => Volatile.Read(ref field); set => Volatile.Write(ref field, value); }
    }
}
