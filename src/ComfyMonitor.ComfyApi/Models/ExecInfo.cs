using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Models;

public sealed class ExecInfo
{
    [JsonPropertyName("queue_remaining")]
    public int QueueRemaining { get; set; }
}
