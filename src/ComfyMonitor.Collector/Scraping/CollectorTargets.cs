using ComfyMonitor.Collector.State;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Collector.Scraping;

/// <summary>Creates a scraper with fresh state for each watched target, and drops it when the target goes.</summary>
public sealed class CollectorTargets(
    FleetState fleet, ComfyClientFactory clients, IOptions<CollectorOptions> options, IOptions<ComfyUIOptions> targets, TimeProvider time) : IWatchedTargets
{
    public IEnumerable<ComfyEndpoint> Watched => fleet.Scrapers.Select(s => s.Endpoint);

    public void Watch(ComfyEndpoint target) =>
        fleet.Set(new InstanceScraper(target, clients.Create(target), new InstanceState(target.Name, options.Value, time, DriftGroup(target), TargetExpectations.For(target, targets.Value)), options.Value));

    public void Unwatch(string name) => fleet.Remove(name);

    private string DriftGroup(ComfyEndpoint target) =>
        options.Value.ModelDriftGroupLabel is { Length: > 0 } label && target.Labels.TryGetValue(label, out var value) ? value : "";
}
