using System.Text.Json.Serialization;
using ComfyMonitor.ComfyApi.Json;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>
/// 400 from POST /prompt. Two schemas: from v0.3.28 "error" is an object and "node_errors" a dict;
/// before, "error" may be the string "no prompt" and "node_errors" a list.
/// </summary>
public sealed class PromptErrorResponse
{
    [JsonPropertyName("error")]
    [JsonConverter(typeof(PromptErrorConverter))]
    public PromptError? Error { get; set; }

    [JsonPropertyName("node_errors")]
    [JsonConverter(typeof(NodeErrorsConverter))]
    public Dictionary<string, NodeError> NodeErrors { get; set; } = [];
}
