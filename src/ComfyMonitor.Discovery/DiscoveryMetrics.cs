using System.Diagnostics.Metrics;

namespace ComfyMonitor.Discovery;

/// <summary>Discovery's own health: targets per mechanism and failed reads (a broken file keeps its last good targets).</summary>
public sealed class DiscoveryMetrics
{
    public const string MeterName = "ComfyMonitor.Discovery";
    public const string Targets = "comfymonitor_discovery_targets";
    public const string Failures = "comfymonitor_discovery_failures";

    private readonly Counter<long> _failures;

    public DiscoveryMetrics(IMeterFactory meterFactory, TargetRegistry registry)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge(Targets, () => registry.CountsByMechanism()
            .Select(p => new Measurement<int>(p.Value, new KeyValuePair<string, object?>("mechanism", p.Key))),
            unit: "{target}", description: "Targets known to this replica, before sharding, by discovery mechanism (static, file_sd, http_sd).");
        _failures = meter.CreateCounter<long>(Failures, unit: "{failure}",
            description: "Discovery reads that failed; the last good targets of that source are kept.");

        // Both mechanisms that can fail exist at 0 from the start, so that rate() and increase() see the first failure.
        foreach (var mechanism in new[] { TargetRegistry.FileSd, TargetRegistry.HttpSd })
        {
            _failures.Add(0, new KeyValuePair<string, object?>("mechanism", mechanism));
        }
    }

    public void Failed(string mechanism) => _failures.Add(1, new KeyValuePair<string, object?>("mechanism", mechanism));
}
