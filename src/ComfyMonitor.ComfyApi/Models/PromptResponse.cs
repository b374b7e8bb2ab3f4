using System.Text.Json.Serialization;
using ComfyMonitor.ComfyApi.Json;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>200 from POST /prompt. <see cref="NodeErrors"/> can be non-empty (partial acceptance).</summary>
public sealed class PromptResponse
{
    [JsonPropertyName("prompt_id")]
    public string PromptId { get; set; } = "";

    [JsonPropertyName("number")]
    public double Number { get; set; }

    [JsonPropertyName("node_errors")]
    [JsonConverter(typeof(NodeErrorsConverter))]
    public Dictionary<string, NodeError> NodeErrors { get; set; } = [];
}
