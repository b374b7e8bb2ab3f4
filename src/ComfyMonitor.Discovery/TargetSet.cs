using ComfyMonitor.ComfyApi;

namespace ComfyMonitor.Discovery;

/// <summary>An immutable set of targets, by name, in a stable order.</summary>
public sealed class TargetSet
{
    public static readonly TargetSet Empty = new([]);

    public TargetSet(IEnumerable<ComfyEndpoint> targets)
    {
        ByName = targets.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Names = ByName.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyDictionary<string, ComfyEndpoint> ByName { get; }

    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>Same names with the same address and headers.</summary>
    public bool SameAs(TargetSet other) =>
        Count == other.Count && ByName.All(p => other.ByName.TryGetValue(p.Key, out var o) && Same(p.Value, o));

    private static bool Same(ComfyEndpoint a, ComfyEndpoint b) =>
        a.BaseAddress == b.BaseAddress && a.Headers.Count == b.Headers.Count && a.Headers.All(h => b.Headers.TryGetValue(h.Key, out var v) && v == h.Value);
}
