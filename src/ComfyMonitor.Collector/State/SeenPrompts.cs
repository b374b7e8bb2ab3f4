using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// The prompt ids of one instance's history already counted, newest last, in history order: how each
/// history entry is counted exactly once. The newest id still in the history anchors each read — what
/// comes after it is new — and remembered ids newer than the anchor were deleted from the history (the
/// probe deletes its own entries), so they are forgotten at once instead of filling the memory.
/// Ids are kept as 64-bit hashes, and at most <c>capacity</c> of them (the deepest history read), so a
/// busy instance costs at most a few tens of kilobytes however long the collector runs.
/// </summary>
public sealed class SeenPrompts(int capacity)
{
    private readonly HashSet<ulong> _set = [];
    private readonly List<ulong> _order = [];

    public int Count => _set.Count;

    public bool Contains(string id) => _set.Contains(Hash(id));

    /// <summary>
    /// Takes in the newest entries of the history (oldest first) and returns the positions of those not
    /// seen before: the ones after the newest entry already seen, each id once.
    /// </summary>
    public List<int> Merge(IReadOnlyList<string> history)
    {
        var hashes = new ulong[history.Count];
        var anchor = -1;
        for (var i = history.Count - 1; i >= 0; i--)
        {
            hashes[i] = Hash(history[i]);
            if (anchor < 0 && _set.Contains(hashes[i]))
            {
                anchor = i;
            }
        }

        if (anchor >= 0)
        {
            var at = _order.LastIndexOf(hashes[anchor]);
            for (var j = at + 1; j < _order.Count; j++)
            {
                _set.Remove(_order[j]);
            }

            _order.RemoveRange(at + 1, _order.Count - at - 1);
        }

        var added = new List<int>();
        for (var i = anchor + 1; i < history.Count; i++)
        {
            if (_set.Add(hashes[i]))
            {
                _order.Add(hashes[i]);
                added.Add(i);
            }
        }

        if (_order.Count > capacity)
        {
            var excess = _order.Count - capacity;
            for (var j = 0; j < excess; j++)
            {
                _set.Remove(_order[j]);
            }

            _order.RemoveRange(0, excess);
        }

        return added;
    }

    private static ulong Hash(string id) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(id.AsSpan()));
}
