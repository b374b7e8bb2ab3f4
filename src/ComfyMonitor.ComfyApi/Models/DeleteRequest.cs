using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>The body of POST /queue and POST /history.</summary>
public sealed class DeleteRequest
{
    [JsonPropertyName("delete")]
    public IReadOnlyList<string>? Delete { get; init; }

    [JsonPropertyName("clear")]
    public bool? Clear { get; init; }
}
