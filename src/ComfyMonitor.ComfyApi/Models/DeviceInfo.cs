using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

/// <summary>One element of /system_stats "devices" (always exactly one on a real server).</summary>
public sealed class DeviceInfo
{
    /// <summary>"cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync", "cpu", "mps", ...</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>torch device type: cuda (also ROCm), cpu, mps, xpu, npu, mlu, privateuseone.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>null for cpu and mps.</summary>
    [JsonPropertyName("index")]
    public int? Index { get; set; }

    [JsonPropertyName("vram_total")]
    public long? VramTotal { get; set; }

    [JsonPropertyName("vram_free")]
    public long? VramFree { get; set; }

    [JsonPropertyName("torch_vram_total")]
    public long? TorchVramTotal { get; set; }

    [JsonPropertyName("torch_vram_free")]
    public long? TorchVramFree { get; set; }
}
