namespace ComfyMonitor.Discovery;

/// <summary>The <c>ComfyUI</c> configuration section: where the fleet is.</summary>
public sealed class ComfyUIOptions
{
    public const string Section = "ComfyUI";

    /// <summary>The statically configured servers: <c>ComfyUI:Instances:N:*</c>.</summary>
    public List<InstanceOptions> Instances { get; set; } = [];

    /// <summary>Prometheus-style service discovery: <c>ComfyUI:Discovery:*</c>.</summary>
    public DiscoveryOptions Discovery { get; set; } = new();

    /// <summary>Labels per target exported in comfyui_target_info, at most (the first by name), 0 to 64; the rest are left out.</summary>
    public int MaxTargetLabels { get; set; } = 10;

    /// <summary>The target label whose value names a target's pool in <see cref="Pools"/> (empty: no pools).</summary>
    public string PoolLabel { get; set; } = "pool";

    /// <summary>What is normal per pool (stall, backlog, canary queue wait): <c>ComfyUI:Pools:NAME:StallAfter</c>, ...</summary>
    public Dictionary<string, PoolOptions> Pools { get; set; } = new(StringComparer.Ordinal);
}
