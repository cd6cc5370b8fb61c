using System.Diagnostics;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Core.Tests.TestSupport;
using Xunit.Abstractions;

namespace CarteAuth.Core.Tests.Audit;

/// <summary>
/// Fault matrix (docs/faults.md): the SQLite audit store on a full disk and locked by another connection, behind the
/// real <see cref="AuthenticationService"/>: the sign-in whose event cannot be written is refused with the audit's
/// reason code; once space or the lock is freed the same store instance appends again, the chain verifies, and every
/// acknowledged event is there exactly once.
/// </summary>
public sealed class SqliteAuditFaultTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    private sealed class CardRequest : AuthenticationRequest;

    /// <summary>Always succeeds: the faults under test are the audit store's.</summary>
    private sealed class AlwaysCard : Authenticator<CardRequest>
    {
        public override string Name => "fault-card";

        protected override ValueTask<AuthenticationResult> AuthenticateAsync(CardRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(AuthenticationResult.Success(Evidence.Card()));
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// A real full disk: a 1 MiB tmpfs mounted for the test (needs the right to mount, as root in ./test.sh's CI run;
    /// elsewhere the test says so in its output and checks nothing). A filler file takes the free space, then is deleted.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Disk_full_refuses_the_sign_in_then_freed_space_appends_again_and_the_chain_verifies()
    {
        var mount = Path.Combine(_dir.Path, "small");
        Directory.CreateDirectory(mount);
        if (!Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount))
        {
            output.WriteLine("tmpfs cannot be mounted here (not root): the disk-full case was not exercised.");
            return;
        }

        try
        {
            var path = Path.Combine(mount, "audit.db");
            var acknowledged = new List<AuditEvent>();
            await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = path, BusyTimeout = TimeSpan.FromSeconds(1) });
            var service = new AuthenticationService([new AlwaysCard()], store);
            for (var i = 0; i < 5; i++)
            {
                acknowledged.Add(await store.AppendAsync(AuditTestData.Entry(i)));
            }

            // Take every free block.
            var filler = Path.Combine(mount, "filler");
            await using (var file = File.Create(filler))
            {
                var block = new byte[16 * 1024];
                try
                {
                    while (true)
                    {
                        file.Write(block);
                        file.Flush(flushToDisk: true);
                    }
                }
                catch (IOException)
                {
                    // ENOSPC: the volume is full.
                }
            }

            // Appends now fail (the WAL may still have room for a few): typed, and the sign-in is refused.
            AuditStoreException? full = null;
            for (var i = 5; i < 2_000 && full is null; i++)
            {
                try
                {
                    acknowledged.Add(await store.AppendAsync(Large(i)));
                }
                catch (AuditStoreException e)
                {
                    full = e;
                }
            }

            Assert.NotNull(full);
            Assert.Equal(ReasonCodes.AuditStoreUnavailable, full.ReasonCode);
            output.WriteLine(full.Message);
            var refused = await service.AuthenticateAsync(new CardRequest());
            Assert.False(refused.Succeeded);
            Assert.Equal(ReasonCodes.AuditStoreUnavailable, refused.ReasonCode);
            Assert.Null(refused.Evidence);

            File.Delete(filler);

            // Space freed: the same instances work again.
            var accepted = await service.AuthenticateAsync(new CardRequest());
            Assert.True(accepted.Succeeded, accepted.FailureMessage);
            acknowledged.Add(await store.AppendAsync(AuditTestData.Entry(9_999)));
            await AssertChainKeepsEveryAcknowledgedEventAsync(store, acknowledged);
        }
        finally
        {
            Run("umount", "-l", mount);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Lock_held_past_the_busy_timeout_refuses_the_sign_in_then_released_appends_again()
    {
        var path = _dir.File("locked.db");
        var acknowledged = new List<AuditEvent>();
        await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = path, BusyTimeout = TimeSpan.FromMilliseconds(300) });
        var service = new AuthenticationService([new AlwaysCard()], store);
        acknowledged.Add(await store.AppendAsync(AuditTestData.Entry(0)));

        using (var blocker = RawSqlite.Open(path))
        {
            using var begin = blocker.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE"; // RESERVED lock: no other writer until it ends
            begin.ExecuteNonQuery();

            var refused = await service.AuthenticateAsync(new CardRequest());
            Assert.False(refused.Succeeded);
            Assert.Equal(ReasonCodes.AuditStoreUnavailable, refused.ReasonCode);
            Assert.Contains("locked", refused.FailureMessage, StringComparison.Ordinal);
            Assert.Null(refused.Evidence);
        }

        // Lock released: same instance, no restart.
        var accepted = await service.AuthenticateAsync(new CardRequest());
        Assert.True(accepted.Succeeded, accepted.FailureMessage);
        acknowledged.Add(await store.AppendAsync(AuditTestData.Entry(1)));
        await AssertChainKeepsEveryAcknowledgedEventAsync(store, acknowledged);
    }

    /// <summary>The chain verifies, and every event acknowledged to a caller is stored once, with the same hash.</summary>
    private static async Task AssertChainKeepsEveryAcknowledgedEventAsync(IAuditStore store, List<AuditEvent> acknowledged)
    {
        var verification = await AuditChainVerifier.VerifyAsync(store);
        Assert.True(verification.IsValid, verification.ToString());
        var stored = await AuditTestData.ReadAllAsync(store);
        Assert.Equal(stored.Count, stored.Select(e => e.Sequence).Distinct().Count());
        foreach (var ack in acknowledged)
        {
            var match = Assert.Single(stored, e => e.Sequence == ack.Sequence);
            Assert.Equal(ack.Hash.ToArray(), match.Hash.ToArray());
        }
    }

    private static AuditEntry Large(int i) => AuditTestData.Entry(i) with { Detail = new string('x', 4_000) };

    private static bool Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            return process.WaitForExit(10_000) && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
