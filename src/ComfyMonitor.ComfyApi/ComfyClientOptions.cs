namespace ComfyMonitor.ComfyApi;

public sealed class ComfyClientOptions
{
    /// <summary>Per-request timeout; a slower answer fails with reason timeout.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Bodies larger than this fail with reason too_large without being read further.</summary>
    public long MaxResponseBytes { get; set; } = 16 * 1024 * 1024;
}
