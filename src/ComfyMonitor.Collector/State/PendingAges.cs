using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// How long pending prompts have waited: from the server's create_time where it has one (v0.3.69+), else from when the
/// collector first saw the prompt pending. Prompts that leave the queue are forgotten.
/// </summary>
public sealed class PendingAges
{
    private readonly Dictionary<string, DateTimeOffset> _firstSeen = new(StringComparer.Ordinal);

    /// <summary>Takes this cycle's pending prompts; returns the age of the oldest in seconds, null when none waits.</summary>
    public double? Observe(IReadOnlyList<QueueItem> pending, DateTimeOffset now)
    {
        var ids = pending.Select(p => p.PromptId).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _firstSeen.Keys.Where(k => !ids.Contains(k)).ToList())
        {
            _firstSeen.Remove(gone);
        }

        double? oldest = null;
        foreach (var item in pending)
        {
            var since = item.CreateTimeMs is { } created ? DateTimeOffset.FromUnixTimeMilliseconds(created)
                : _firstSeen.TryGetValue(item.PromptId, out var seen) ? seen : (_firstSeen[item.PromptId] = now);
            var age = Math.Max(0, (now - since).TotalSeconds);
            oldest = oldest is null ? age : Math.Max(oldest.Value, age);
        }

        return oldest;
    }

    /// <summary>When the collector first saw a prompt pending, if it did (for the queue wait of servers without create_time).</summary>
    public DateTimeOffset? FirstSeen(string promptId) => _firstSeen.TryGetValue(promptId, out var seen) ? seen : null;
}
