using System.Text.Json.Serialization;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// One failed user's prompt as the failure feed keeps it (/api/failures): where and when it failed and why, never the
/// prompt's inputs. The message is scrubbed and cut (<see cref="MessageScrubber"/>); null when Collector:FailureFeed:Messages
/// is false or the server gave none.
/// </summary>
public sealed record FailureRecord(
    [property: JsonPropertyName("instance")] string Instance,
    [property: JsonPropertyName("time")] DateTimeOffset Time,
    [property: JsonPropertyName("prompt_id")] string PromptId,
    [property: JsonPropertyName("node_id")] string? NodeId,
    [property: JsonPropertyName("node_type")] string? NodeType,
    [property: JsonPropertyName("exception_type")] string? ExceptionType,
    [property: JsonPropertyName("message")] string? Message)
{
    /// <summary>The longest message kept, in characters (an ellipsis ends a cut one).</summary>
    public const int MaxMessageLength = 300;

    /// <summary>The longest node id, node type or exception type kept.</summary>
    public const int MaxNameLength = 128;
}
