namespace ComfyMonitor.Collector.State;

/// <summary>A bounded set of prompt ids, oldest forgotten first: how a history entry is counted exactly once.</summary>
public sealed class SeenPrompts(int capacity)
{
    private readonly HashSet<string> _set = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public int Count => _set.Count;

    public bool Contains(string id) => _set.Contains(id);

    /// <summary>True when the id was new.</summary>
    public bool Add(string id)
    {
        if (!_set.Add(id))
        {
            return false;
        }

        _order.Enqueue(id);
        while (_order.Count > capacity)
        {
            _set.Remove(_order.Dequeue());
        }

        return true;
    }
}
