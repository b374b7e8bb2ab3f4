using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

public sealed class NodeError
{
    [JsonPropertyName("errors")]
    public List<PromptError> Errors { get; set; } = [];

    [JsonPropertyName("dependent_outputs")]
    public List<string> DependentOutputs { get; set; } = [];

    [JsonPropertyName("class_type")]
    public string? ClassType { get; set; }
}
