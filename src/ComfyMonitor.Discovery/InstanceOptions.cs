namespace ComfyMonitor.Discovery;

/// <summary><c>ComfyUI:Instances:N</c>: one statically configured ComfyUI server.</summary>
public sealed class InstanceOptions
{
    /// <summary>Base URL of one ComfyUI server, http or https; <c>user:password@</c> in it becomes a Basic Authorization header and leaves the URL.</summary>
    public string? Url { get; set; }

    /// <summary>The comfyui_instance label value; the URL's host:port when empty.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// A label of the target (pool, region, hostname, ...), exported in comfyui_target_info like discovery's labels; the
    /// comfymonitor_stall_after, comfymonitor_backlog_after and comfymonitor_max_queue_wait labels set the instance's own
    /// expectations instead.
    /// </summary>
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>An extra request header sent to the server (e.g. Authorization): a secret, never logged, never exported.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
