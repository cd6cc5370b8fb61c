using System.Collections.Concurrent;

namespace CarteAuth.Storage;

/// <summary>
/// A thread-safe in-process cache keyed by exact strings (ordinal), bounded without per-entry bookkeeping on the hot
/// path: when it holds <c>capacity</c> entries, the next add starts it again empty (a miss costs the caller one
/// recomputation). For values that are immutable and derived from their key or checked again by the caller.
/// </summary>
internal sealed class BoundedStringCache<TValue>(int capacity)
    where TValue : class
{
    private readonly ConcurrentDictionary<string, TValue> _entries = new(StringComparer.Ordinal);
    private int _count;

    public int Count => _entries.Count;

    public bool TryGet(string key, out TValue? value) => _entries.TryGetValue(key, out value);

    public void Add(string key, TValue value)
    {
        if (Volatile.Read(ref _count) >= capacity)
        {
            _entries.Clear();
            Volatile.Write(ref _count, 0);
        }

        if (_entries.TryAdd(key, value))
        {
            Interlocked.Increment(ref _count);
        }
    }

    public void Remove(string key)
    {
        if (_entries.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
