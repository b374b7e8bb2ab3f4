namespace ComfyMonitor.Discovery;

/// <summary><c>ComfyUI:Discovery</c>: Prometheus-style service discovery.</summary>
public sealed class DiscoveryOptions
{
    /// <summary>Prometheus file_sd files (JSON or YAML, globs allowed), re-read on change; a file that breaks keeps its last good targets.</summary>
    public List<string> Files { get; set; } = [];

    /// <summary>A Prometheus http_sd endpoint, fetched every <see cref="RefreshInterval"/>.</summary>
    public string? HttpUrl { get; set; }

    /// <summary>How often http_sd is fetched and files are re-checked (the file watcher acts at once).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
