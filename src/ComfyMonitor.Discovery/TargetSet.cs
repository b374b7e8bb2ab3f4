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

    /// <summary>Same names with the same address, headers and labels.</summary>
    public bool SameAs(TargetSet other) =>
        Count == other.Count && ByName.All(p => other.ByName.TryGetValue(p.Key, out var o) && Same(p.Value, o));

    /// <summary>The same address, headers and labels: a target that changed any of them is watched anew.</summary>
    public static bool Same(ComfyEndpoint a, ComfyEndpoint b) =>
        a.BaseAddress == b.BaseAddress && Equal(a.Headers, b.Headers) && Equal(a.Labels, b.Labels);

    private static bool Equal(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
