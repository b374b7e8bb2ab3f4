using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>A validation error: <c>{"type","message","details","extra_info"}</c>.</summary>
public sealed class PromptError
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("message")]
    public string Message { get; set; } = "";

    [JsonPropertyName("details")]
    public string? Details { get; set; }
}
