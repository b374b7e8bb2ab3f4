using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>The body of POST /interrupt. With a prompt id only that running prompt is interrupted (v0.3.57+).</summary>
public sealed class InterruptRequest
{
    [JsonPropertyName("prompt_id")]
    public string? PromptId { get; init; }
}
