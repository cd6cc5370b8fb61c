using CarteAuth.Authentication.Attempts;

namespace CarteAuth.Core.Tests.Authentication;

/// <summary>The per-identity turns of the authentication service: one holder per key, others wait, nothing kept after.</summary>
public sealed class AttemptTurnsTests
{
    [Fact]
    public async Task OneHolderPerKey_OtherKeysPass_CancelledWaitersLeaveNothing()
    {
        var turns = new AttemptTurns();
        var first = await turns.EnterAsync("alice", CancellationToken.None);
        var second = turns.EnterAsync("alice", CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);

        // Another key is not held up.
        using (await turns.EnterAsync("bob", CancellationToken.None))
        {
            Assert.Equal(2, turns.Count);
        }

        // A waiter that gives up leaves its key to the others.
        using var cancel = new CancellationTokenSource();
        var third = turns.EnterAsync("alice", cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        Assert.Equal(0, turns.Count);
    }
}
