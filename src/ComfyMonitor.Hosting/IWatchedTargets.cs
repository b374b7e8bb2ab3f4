using ComfyMonitor.ComfyApi;

namespace ComfyMonitor.Hosting;

/// <summary>What a service keeps per watched target (the collector's scrapers, the probe's canaries).</summary>
public interface IWatchedTargets
{
    /// <summary>The targets watched now, with the address and headers they were added with.</summary>
    IEnumerable<ComfyEndpoint> Watched { get; }

    void Watch(ComfyEndpoint target);

    /// <summary>Forgets the target and everything kept for it, so that its series leave /metrics.</summary>
    void Unwatch(string name);
}
