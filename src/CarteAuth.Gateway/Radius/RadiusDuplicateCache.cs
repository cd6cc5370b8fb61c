using System.Collections.Concurrent;
using System.Net;

namespace CarteAuth.Gateway.Radius;

/// <summary>
/// RFC 5080 §2.2.2 duplicate detection: a request with the same source address and port, Identifier and Request
/// Authenticator as one seen within <see cref="RadiusServerOptions.DuplicateWindow"/> is a retransmission. While
/// the first is processed (e.g. held for a push) duplicates are dropped; afterwards the cached reply is re-sent.
/// Bounded: expired entries are swept, and when still full new requests are processed without being remembered.
/// </summary>
internal sealed class RadiusDuplicateCache(TimeProvider time, TimeSpan window, int capacity)
{
    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    private long _nextSweep;

    public int Count => _entries.Count;

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
        var entry = new Entry(now + (long)(window.TotalSeconds * time.TimestampFrequency));
        while (true)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                if (existing.ExpiresAt > now)
                {
                    cachedReply = existing.Reply;
                    return false;
                }

                _entries.TryRemove(KeyValuePair.Create(key, existing));
                continue;
            }

            if (_entries.Count >= capacity || _entries.TryAdd(key, entry))
            {
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
    public void Forget(Key key) => _entries.TryRemove(key, out _);

    private void Sweep(long now)
    {
        var next = Interlocked.Read(ref _nextSweep);
        if (now < next && _entries.Count < capacity)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _nextSweep, now + (long)(window.TotalSeconds * time.TimestampFrequency / 4), next) != next)
        {
            return;
        }

        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    internal readonly record struct Key(IPEndPoint Source, byte Identifier, UInt128 Authenticator);

    private sealed class Entry(long expiresAt)
    {
        public long ExpiresAt { get; } = expiresAt;

        public byte[]? Reply { get => Volatile.Read(ref field); set => Volatile.Write(ref field, value); }
    }
}
