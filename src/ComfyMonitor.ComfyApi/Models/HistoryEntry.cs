using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>One entry of /history. "meta" is not bound; "prompt" keeps only what <see cref="QueueItem"/> keeps.</summary>
public sealed class HistoryEntry
{
    /// <summary>The key of the entry in the history object.</summary>
    [JsonIgnore]
    public string PromptId { get; set; } = "";

    [JsonPropertyName("prompt")]
    public QueueItem? Prompt { get; set; }

    [JsonPropertyName("outputs")]
    public Dictionary<string, NodeOutput>? Outputs { get; set; }

    /// <summary>Always set by the stock worker; null is possible with custom executors.</summary>
    [JsonPropertyName("status")]
    public HistoryStatus? Status { get; set; }

    /// <summary>Success, error or interrupted, told apart by the last status message.</summary>
    [JsonIgnore]
    public PromptOutcome Outcome => Status?.Outcome ?? PromptOutcome.Unknown;

    [JsonIgnore]
    public long? CreateTimeMs => Prompt?.CreateTimeMs;

    /// <summary>A ComfyMonitor probe's canary prompt, not a user's.</summary>
    [JsonIgnore]
    public bool IsProbe => Prompt?.IsProbe == true;

    /// <summary>Which client submitted it, as <see cref="QueueItem.ClientKey"/> (a hash; never the id).</summary>
    [JsonIgnore]
    public ulong? ClientKey => Prompt?.ClientKey;

    [JsonIgnore]
    public long? ExecutionStartMs => Status?.Find(StatusMessage.ExecutionStart)?.TimestampMs;

    [JsonIgnore]
    public long? ExecutionEndMs => Status?.Terminal?.TimestampMs;

    /// <summary>The terminal execution_error message, with node and exception type.</summary>
    [JsonIgnore]
    public StatusMessage? Error => Status?.Find(StatusMessage.ExecutionError);

    /// <summary>Every image a node wrote, in node order.</summary>
    public IEnumerable<(string NodeId, ImageRef Image)> Images() =>
        (Outputs ?? []).SelectMany(o => (o.Value.Images ?? []).Select(i => (o.Key, i)));
}
