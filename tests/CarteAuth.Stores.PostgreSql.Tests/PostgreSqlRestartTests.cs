using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Core.Tests.Audit;
using CarteAuth.Fido2;
using CarteAuth.Fido2.Tests.Stores;
using CarteAuth.Pairing;

namespace CarteAuth.Stores.PostgreSql.Tests;

/// <summary>
/// PostgreSQL stopped and started again under running stores (its own server, so the shared one is not disturbed):
/// while it is down every operation fails closed with the area's typed code; once it is back the same store instances
/// work again, without an application restart.
/// </summary>
public sealed class PostgreSqlRestartTests : IAsyncLifetime
{
    private readonly PostgreSqlServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task While_down_stores_fail_closed_with_typed_codes_and_after_a_restart_the_same_instances_work()
    {
        var schema = _server.NewSchema();
        var audit = new PostgreSqlAuditStore(_server.DataSource(schema));
        var pairing = new PostgreSqlPairingStore(_server.DataSource(schema));
        var credentials = new PostgreSqlFido2CredentialStore(_server.DataSource(schema));
        var credential = CredentialStoreContractTests.Record();
        await audit.AppendAsync(AuditTestData.Entry(0));
        await credentials.AddAsync(credential);
        var record = new PairingRecord { LocalAccountId = "acct-1", NationalId = "810002813839", PairedAt = DateTimeOffset.UnixEpoch, PairedByAuthenticator = "psc", PairedByMethods = "mfa", PairedByAssurance = AssuranceLevel.Substantial };

        await _server.StopAsync();

        var a = await Assert.ThrowsAsync<AuditStoreException>(async () => await audit.AppendAsync(AuditTestData.Entry(1)));
        Assert.Equal(ReasonCodes.AuditStoreUnavailable, a.ReasonCode);
        Assert.Contains("fail closed", a.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{_server.Port}", a.Message, StringComparison.Ordinal);
        var p = await Assert.ThrowsAnyAsync<CarteAuthException>(async () => await pairing.PairAsync(record));
        Assert.Equal(ReasonCodes.PairingStoreUnavailable, p.ReasonCode);
        var f = await Assert.ThrowsAsync<WebAuthnException>(async () => await credentials.UpdateAfterAssertionAsync(credential.Id, 7, 8, false, DateTimeOffset.UnixEpoch));
        Assert.Equal(ReasonCodes.WebAuthnCredentialStoreUnavailable, f.ReasonCode);
        var read = await Assert.ThrowsAsync<WebAuthnException>(async () => await credentials.FindAsync(credential.Id));
        Assert.Equal(ReasonCodes.WebAuthnCredentialStoreUnavailable, read.ReasonCode);

        await _server.StartAsync();

        Assert.Equal(2, (await audit.AppendAsync(AuditTestData.Entry(1))).Sequence);
        var result = await AuditChainVerifier.VerifyAsync(audit);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(2, result.EventsChecked);
        Assert.Equal(record, await pairing.PairAsync(record));
        Assert.True(await credentials.UpdateAfterAssertionAsync(credential.Id, 7, 8, false, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public async Task A_restart_between_two_requests_is_invisible()
    {
        var schema = _server.NewSchema();
        var audit = new PostgreSqlAuditStore(_server.DataSource(schema));
        var credentials = new PostgreSqlFido2CredentialStore(_server.DataSource(schema));
        var credential = CredentialStoreContractTests.Record();
        await audit.AppendAsync(AuditTestData.Entry(0));
        await credentials.AddAsync(credential);

        // The pools still hold connections to the old server process: the stores must not fail on them.
        await _server.StopAsync();
        await _server.StartAsync();

        Assert.Equal(2, (await audit.AppendAsync(AuditTestData.Entry(1))).Sequence);
        Assert.NotNull(await credentials.FindAsync(credential.Id));
        Assert.True((await AuditChainVerifier.VerifyAsync(audit)).IsValid);
    }

    /// <summary>
    /// Fault matrix (docs/faults.md): writers keep appending while the server is stopped and started again. Each append
    /// is either acknowledged or a typed error; afterwards the chain verifies, every acknowledged event is stored exactly
    /// once with the hash its caller got, and no entry is stored twice.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Restart_under_concurrent_appends_loses_and_duplicates_no_acknowledged_event()
    {
        var audit = new PostgreSqlAuditStore(_server.DataSource(_server.NewSchema()));
        await audit.AppendAsync(AuditTestData.Entry(0) with { CorrelationId = "seed" });
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<AuditEvent>();
        var refusals = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();

        async Task WriterAsync(int writer)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var entry = AuditTestData.Entry(i) with { CorrelationId = $"w{writer}-{i}" };
                try
                {
                    acknowledged.Add(await audit.AppendAsync(entry));
                }
                catch (AuditStoreException e)
                {
                    refusals.Add(e.ReasonCode);
                    await Task.Delay(50);
                }
            }
        }

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => WriterAsync(w))).ToArray();
        await Task.Delay(300);
        await _server.StopAsync();
        await Task.Delay(500);
        await _server.StartAsync();
        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.NotEmpty(refusals);
        Assert.All(refusals, code => Assert.Equal(ReasonCodes.AuditStoreUnavailable, code));
        var result = await AuditChainVerifier.VerifyAsync(audit);
        Assert.True(result.IsValid, result.Message);
        var stored = new List<AuditEvent>();
        await foreach (var e in audit.ReadAsync())
        {
            stored.Add(e);
        }

        Assert.Equal(stored.Count, stored.Select(e => e.CorrelationId).Distinct().Count());
        var bySequence = stored.ToDictionary(e => e.Sequence);
        foreach (var ack in acknowledged)
        {
            Assert.True(bySequence.TryGetValue(ack.Sequence, out var match), $"acknowledged event {ack.Sequence} is missing");
            Assert.Equal(ack.CorrelationId, match.CorrelationId);
            Assert.Equal(ack.Hash.ToArray(), match.Hash.ToArray());
        }

        Assert.True(acknowledged.Count(a => a.Sequence > 1) > 0 && stored.Count >= acknowledged.Count + 1);
    }
}
