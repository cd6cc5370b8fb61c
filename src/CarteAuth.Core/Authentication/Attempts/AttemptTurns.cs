namespace CarteAuth.Authentication.Attempts;

/// <summary>
/// One attempt at a time per key in this process: the attempt limiter's check, the authenticator and the count of its
/// outcome run as one step for a given identity, so parallel guesses for one account cannot all pass the check before
/// the first failure is counted. Entries exist only while an attempt holds or awaits its turn (bounded memory).
/// </summary>
internal sealed class AttemptTurns
{
    private readonly Dictionary<string, Turn> _turns = new(StringComparer.Ordinal);

    /// <summary>Waits for the key's turn; disposing the result gives the turn to the next attempt.</summary>
    public async ValueTask<Releaser> EnterAsync(string key, CancellationToken cancellationToken)
    {
        Turn turn;
        lock (_turns)
        {
            if (!_turns.TryGetValue(key, out turn!))
            {
                turn = new Turn();
                _turns.Add(key, turn);
            }

            turn.Users++;
        }

        try
        {
            await turn.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(key, turn);
            throw;
        }

        return new Releaser(this, key, turn);
    }

    /// <summary>Keys with an attempt holding or awaiting its turn (tests).</summary>
    internal int Count
    {
        get
        {
            lock (_turns)
            {
                return _turns.Count;
            }
        }
    }

    private void Leave(string key, Turn turn)
    {
        lock (_turns)
        {
            if (--turn.Users == 0)
            {
                _turns.Remove(key);
                turn.Gate.Dispose();
            }
        }
    }

    /// <summary>The held turn of one key.</summary>
    internal readonly struct Releaser : IDisposable
    {
        private readonly AttemptTurns? _owner;
        private readonly string? _key;
        private readonly Turn? _turn;

        internal Releaser(AttemptTurns owner, string key, Turn turn)
        {
            _owner = owner;
            _key = key;
            _turn = turn;
        }

        public void Dispose()
        {
            if (_owner is not null)
            {
                _turn!.Gate.Release();
                _owner.Leave(_key!, _turn);
            }
        }
    }

    internal sealed class Turn
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
