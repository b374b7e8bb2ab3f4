using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>GET /queue. <see cref="Pending"/> is the server's raw heap: use <see cref="PendingInExecutionOrder"/>.</summary>
public sealed class QueueState
{
    [JsonPropertyName("queue_running")]
    [JsonRequired]
    public List<QueueItem> Running { get; set; } = [];

    [JsonPropertyName("queue_pending")]
    [JsonRequired]
    public List<QueueItem> Pending { get; set; } = [];

    /// <summary>Pending items sorted by priority, then prompt id: the order the worker takes them.</summary>
    public IEnumerable<QueueItem> PendingInExecutionOrder() =>
        Pending.OrderBy(i => i.Number).ThenBy(i => i.PromptId, StringComparer.Ordinal);
}
