using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>200 from /upload/image and /upload/mask. <see cref="Name"/> may differ from what was sent.</summary>
public sealed class UploadResponse
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("subfolder")]
    public string Subfolder { get; set; } = "";

    [JsonPropertyName("type")]
    public string Type { get; set; } = "input";

    /// <summary>The value LoadImage takes: <c>subfolder/name</c>.</summary>
    public string LoadImageValue() => string.IsNullOrEmpty(Subfolder) ? Name : $"{Subfolder}/{Name}";
}
