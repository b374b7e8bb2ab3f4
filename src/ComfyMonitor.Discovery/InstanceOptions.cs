namespace ComfyMonitor.Discovery;

/// <summary><c>ComfyUI:Instances:N</c>: one statically configured ComfyUI server.</summary>
public sealed class InstanceOptions
{
    /// <summary>Base URL, http or https; user-info becomes a Basic Authorization header.</summary>
    public string? Url { get; set; }

    /// <summary>The comfyui_instance label; host:port when empty.</summary>
    public string? Name { get; set; }

    /// <summary>Labels of the target (pool, region, hostname, ...), exported in comfyui_target_info like discovery's labels.</summary>
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Extra request headers (secrets: never logged, never exported).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
