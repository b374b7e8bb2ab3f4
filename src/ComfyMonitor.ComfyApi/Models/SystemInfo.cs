using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>
/// The "system" object of /system_stats. <c>argv</c> is deliberately not bound: it holds the
/// server's command line, which may carry paths and secrets.
/// </summary>
public sealed class SystemInfo
{
    /// <summary>"posix"/"nt" up to v0.3.77, "linux"/"win32"/"darwin" from v0.4.0.</summary>
    [JsonPropertyName("os")]
    public string? Os { get; set; }

    [JsonPropertyName("ram_total")]
    public long? RamTotal { get; set; }

    [JsonPropertyName("ram_free")]
    public long? RamFree { get; set; }

    [JsonPropertyName("comfyui_version")]
    public string? ComfyUIVersion { get; set; }

    [JsonPropertyName("required_frontend_version")]
    public string? RequiredFrontendVersion { get; set; }

    [JsonPropertyName("installed_templates_version")]
    public string? InstalledTemplatesVersion { get; set; }

    [JsonPropertyName("required_templates_version")]
    public string? RequiredTemplatesVersion { get; set; }

    [JsonPropertyName("python_version")]
    public string? PythonVersion { get; set; }

    [JsonPropertyName("pytorch_version")]
    public string? PytorchVersion { get; set; }

    [JsonPropertyName("embedded_python")]
    public bool? EmbeddedPython { get; set; }
}
