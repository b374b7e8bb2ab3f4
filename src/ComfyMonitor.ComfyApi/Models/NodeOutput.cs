using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>A node's UI output. Only images are bound; text outputs can hold users' content.</summary>
public sealed class NodeOutput
{
    [JsonPropertyName("images")]
    public List<ImageRef>? Images { get; set; }
}
