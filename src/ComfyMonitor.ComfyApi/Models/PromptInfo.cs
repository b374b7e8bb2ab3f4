using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>GET /prompt: the cheapest queue depth (pending plus running).</summary>
public sealed class PromptInfo
{
    [JsonPropertyName("exec_info")]
    public ExecInfo? ExecInfo { get; set; }
}
