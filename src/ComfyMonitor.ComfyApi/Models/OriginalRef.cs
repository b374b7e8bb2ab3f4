using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>The JSON sent in the "original_ref" form field of /upload/mask.</summary>
public sealed class OriginalRef
{
    [JsonPropertyName("filename")]
    public string Filename { get; set; } = "";

    [JsonPropertyName("subfolder")]
    public string? Subfolder { get; set; }

    [JsonPropertyName("type")]
    public string? Type { get; set; }
}
