namespace ComfyMonitor.Probe;

/// <summary><c>Probe:Canaries:NAME:Enabled</c>: a built-in canary switched on or off.</summary>
public sealed class CanaryToggle
{
    /// <summary>Whether the built-in canary (render, upload, mask, sampler) runs; false switches it off.</summary>
    public bool Enabled { get; set; } = true;
}
