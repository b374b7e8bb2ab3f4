namespace ComfyMonitor.Discovery;

/// <summary><c>ComfyUI:Discovery</c>: Prometheus-style service discovery.</summary>
public sealed class DiscoveryOptions
{
    /// <summary>file_sd files, JSON or YAML, globs allowed; re-read on change.</summary>
    public List<string> Files { get; set; } = [];

    /// <summary>An http_sd endpoint, re-read every <see cref="RefreshInterval"/>.</summary>
    public string? HttpUrl { get; set; }

    /// <summary>How often http_sd is fetched and files are re-checked (the file watcher acts at once).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
