namespace ComfyMonitor.ComfyApi;

/// <summary>
/// How the client reads a server: bound from <c>ComfyUI:Client</c>. The collector sets both from its own settings
/// (Collector:Timeout, Collector:MaxResponseBytes), the probe the timeout from Probe:RequestTimeout.
/// </summary>
public sealed class ComfyClientOptions
{
    /// <summary>Per-request timeout; a slower answer fails with reason timeout.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Bodies larger than this fail with reason too_large without being read further (the probe's cap; the collector's is Collector:MaxResponseBytes).</summary>
    public long MaxResponseBytes { get; set; } = 16 * 1024 * 1024;
}
