using CarteAuth.AspNetCore.Sessions;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>The session handler reads a record's evidence JSON once per distinct text.</summary>
public sealed class SessionEvidenceCacheTests
{
    [Fact]
    public void The_same_json_gives_the_same_evidence_instance()
    {
        var cache = new SessionEvidenceCache();
        var json = TestHost.Evidence();

        var first = cache.Get(json);
        var second = cache.Get(new string(json.AsSpan()));

        Assert.Same(first, second);
        Assert.Equal(TestHost.Doctor, first.Identity.NationalId.Value);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Different_json_is_read_again()
    {
        var cache = new SessionEvidenceCache();

        var card = cache.Get(TestHost.Evidence());
        var key = cache.Get(TestHost.Evidence(amr: "\"hwk\",\"user\"", authenticator: "fido2"));

        Assert.NotSame(card, key);
        Assert.Equal("fido2", key.Authenticator);
    }

    [Fact]
    public void Corrupt_evidence_throws_every_time_and_is_not_kept()
    {
        var cache = new SessionEvidenceCache();

        for (var i = 0; i < 2; i++)
        {
            var e = Assert.Throws<CarteAuthException>(() => cache.Get("{\"subject\": 42}"));
            Assert.Equal(ReasonCodes.InvalidEvidence, e.ReasonCode);
        }

        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void The_cache_is_bounded()
    {
        var cache = new SessionEvidenceCache();
        for (var i = 0; i < SessionEvidenceCache.Capacity + 10; i++)
        {
            cache.Get(TestHost.Evidence(authenticator: "a" + i));
        }

        Assert.InRange(cache.Count, 1, SessionEvidenceCache.Capacity);
    }
}
