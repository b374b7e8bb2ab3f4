namespace ComfyMonitor.Discovery;

/// <summary>The <c>ComfyUI</c> configuration section: where the fleet is.</summary>
public sealed class ComfyUIOptions
{
    public const string Section = "ComfyUI";

    public List<InstanceOptions> Instances { get; set; } = [];

    public DiscoveryOptions Discovery { get; set; } = new();
}
