using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>One node class of /object_info (V1 and V3 shapes; unknown keys ignored).</summary>
public sealed class NodeInfo
{
    [JsonPropertyName("input")]
    public JsonElement? Input { get; set; }

    [JsonPropertyName("output")]
    public JsonElement? Output { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>May be null for V3 nodes.</summary>
    [JsonPropertyName("display_name")]
    public string? DisplayName { get; set; }

    [JsonPropertyName("category")]
    public string? Category { get; set; }

    [JsonPropertyName("python_module")]
    public string? PythonModule { get; set; }

    [JsonPropertyName("output_node")]
    public bool? OutputNode { get; set; }
}
