namespace ComfyMonitor.Discovery;

/// <summary><c>Collector:Shard</c> / <c>Probe:Shard</c>: this replica watches the instances whose name hashes to Index mod Count.</summary>
public sealed class ShardOptions
{
    /// <summary>This replica's shard, 0 to Count - 1 (on Kubernetes, the pod's ordinal).</summary>
    public int Index { get; set; }

    /// <summary>How many replicas split the fleet: an instance belongs to the shard its name hashes (FNV-1a) to, mod Count.</summary>
    public int Count { get; set; } = 1;

    /// <summary>A stable hash (FNV-1a, 64 bit, of the UTF-8 name): the same on every replica, run and platform.</summary>
    public static int ShardOf(string name, int count)
    {
        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var hash = offset;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * prime;
        }

        return (int)(hash % (ulong)Math.Max(1, count));
    }

    public bool Owns(string name) => ShardOf(name, Count) == Index;
}
