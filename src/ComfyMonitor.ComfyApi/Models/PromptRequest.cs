using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>The body of POST /prompt.</summary>
public sealed class PromptRequest
{
    /// <summary>The API-format graph: node id -> {class_type, inputs}.</summary>
    [JsonPropertyName("prompt")]
    public required JsonObject Prompt { get; init; }

    /// <summary>Execution WebSocket events go to the socket with this id.</summary>
    [JsonPropertyName("client_id")]
    public string? ClientId { get; init; }

    /// <summary>Honoured from v0.3.45; always use the id in the response.</summary>
    [JsonPropertyName("prompt_id")]
    public string? PromptId { get; init; }

    [JsonPropertyName("front")]
    public bool? Front { get; init; }

    [JsonPropertyName("number")]
    public double? Number { get; init; }

    [JsonPropertyName("extra_data")]
    public JsonObject? ExtraData { get; init; }
}
