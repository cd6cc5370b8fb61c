using System.Net;
using CarteAuth.Gateway.Radius;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Gateway.Tests.Radius;

/// <summary>RFC 5080 §2.2.2 duplicate detection: window, cached replies, bound and expiry in arrival order.</summary>
public sealed class RadiusDuplicateCacheTests
{
    private static readonly IPEndPoint Nas = new(IPAddress.Loopback, 40000);

    [Fact]
    public void A_retransmission_in_the_window_is_a_duplicate_and_gets_the_cached_reply_then_a_new_request_after_it()
    {
        var time = new FakeTimeProvider();
        var cache = new RadiusDuplicateCache(time, TimeSpan.FromSeconds(30), 16);
        var packet = Packet(1, 7);
        Assert.True(cache.TryBegin(Nas, packet, out var key, out _));
        Assert.False(cache.TryBegin(Nas, packet, out _, out var inProgress));
        Assert.Null(inProgress);
        cache.Complete(key, [1, 2, 3]);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(cache.TryBegin(Nas, packet, out _, out var cached));
        Assert.Equal([1, 2, 3], cached);
        Assert.True(cache.TryBegin(new IPEndPoint(IPAddress.Loopback, 40001), packet, out _, out _));
        Assert.True(cache.TryBegin(Nas, Packet(2, 7), out _, out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(cache.TryBegin(Nas, packet, out _, out _));
    }

    [Fact]
    public void When_full_new_requests_are_processed_unremembered_until_the_oldest_expire()
    {
        var time = new FakeTimeProvider();
        var cache = new RadiusDuplicateCache(time, TimeSpan.FromSeconds(30), 16);
        for (var i = 0; i < 16; i++)
        {
            Assert.True(cache.TryBegin(Nas, Packet((byte)i, 1), out _, out _));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(16, cache.Count);
        var extra = Packet(200, 1);
        Assert.True(cache.TryBegin(Nas, extra, out _, out _));
        Assert.True(cache.TryBegin(Nas, extra, out _, out _)); // not remembered: full
        Assert.Equal(16, cache.Count);

        // 30 s after the first: the first expires (in arrival order), one slot frees, the next request is remembered.
        time.Advance(TimeSpan.FromSeconds(14));
        Assert.True(cache.TryBegin(Nas, extra, out _, out _));
        Assert.Equal(16, cache.Count);
        Assert.False(cache.TryBegin(Nas, extra, out _, out _));
        Assert.False(cache.TryBegin(Nas, Packet(1, 1), out _, out _)); // still in its window

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(cache.TryBegin(Nas, Packet(250, 1), out _, out _));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_forgotten_request_is_processed_again_and_the_old_arrival_does_not_remove_the_new_entry()
    {
        var time = new FakeTimeProvider();
        var cache = new RadiusDuplicateCache(time, TimeSpan.FromSeconds(30), 16);
        var packet = Packet(9, 3);
        Assert.True(cache.TryBegin(Nas, packet, out var key, out _));
        cache.Forget(key);
        Assert.Equal(0, cache.Count);
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(cache.TryBegin(Nas, packet, out key, out _));
        cache.Complete(key, [4]);

        // The first arrival expires at 30 s: the entry registered at 20 s stays until 50 s.
        time.Advance(TimeSpan.FromSeconds(15));
        Assert.True(cache.TryBegin(Nas, Packet(10, 3), out _, out _));
        Assert.False(cache.TryBegin(Nas, packet, out _, out var cached));
        Assert.Equal([4], cached);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public async Task Concurrent_requests_keep_an_exact_count_and_each_packet_is_new_once()
    {
        var time = new FakeTimeProvider();
        var cache = new RadiusDuplicateCache(time, TimeSpan.FromSeconds(30), 100_000);
        var firsts = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 5000; i++)
            {
                if (cache.TryBegin(Nas, Packet((byte)i, i), out _, out _))
                {
                    Interlocked.Increment(ref firsts);
                }
            }
        })));
        Assert.Equal(5000, firsts);
        Assert.Equal(5000, cache.Count);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(cache.TryBegin(Nas, Packet(0, -1), out _, out _));
        Assert.Equal(1, cache.Count);
    }

    private static RadiusPacket Packet(byte identifier, int authenticatorSeed)
    {
        var raw = new byte[RadiusPacket.MinLength];
        raw[0] = 1;
        raw[1] = identifier;
        raw[3] = RadiusPacket.MinLength;
        BitConverter.TryWriteBytes(raw.AsSpan(4), authenticatorSeed);
        Assert.True(RadiusPacket.TryDecode(raw, out var packet, out _, out var message), message);
        return packet!;
    }
}
