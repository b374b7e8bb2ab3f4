using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>A file reference as /view takes it: filename, subfolder, type (output, input or temp).</summary>
public sealed record ImageRef
{
    [JsonPropertyName("filename")]
    public string Filename { get; init; } = "";

    [JsonPropertyName("subfolder")]
    public string Subfolder { get; init; } = "";

    [JsonPropertyName("type")]
    public string Type { get; init; } = "output";
}
