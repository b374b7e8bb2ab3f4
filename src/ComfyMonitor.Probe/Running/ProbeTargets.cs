using ComfyMonitor.ComfyApi;
using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;
using ComfyMonitor.Probe.State;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Probe.Running;

/// <summary>A client and fresh canary state for each watched target; dropped when the target goes.</summary>
public sealed class ProbeTargets(ProbeFleet fleet, ComfyClientFactory clients, IOptions<ProbeOptions> options, IOptions<ComfyUIOptions> targets, TimeProvider time) : IWatchedTargets
{
    public IEnumerable<ComfyEndpoint> Watched => fleet.Instances.Select(i => i.Endpoint);

    public void Watch(ComfyEndpoint target) =>
        fleet.Set(new ProbedInstance(target, clients.Create(target), options.Value.RecentRuns, TargetExpectations.For(target, targets.Value), time));

    public void Unwatch(string name) => fleet.Remove(name);
}
