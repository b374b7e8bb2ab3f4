using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>GET /system_stats. Every key is optional: servers from v0.2.2 to 0.8.x differ.</summary>
public sealed class SystemStats
{
    [JsonPropertyName("system")]
    public SystemInfo? System { get; set; }

    [JsonPropertyName("devices")]
    public List<DeviceInfo>? Devices { get; set; }
}
