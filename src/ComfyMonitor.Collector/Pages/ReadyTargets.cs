using System.Text.Json.Serialization;
using ComfyMonitor.Collector.State;

namespace ComfyMonitor.Collector.Pages;

/// <summary>
/// /api/ready: the instances this replica finds ready (<see cref="Readiness"/>) in Prometheus's http_sd format — one
/// group per instance, its host:port as the target, its target labels, comfyui_instance and __scheme__ — which
/// gateways, load balancers' service discovery and Prometheus itself read.
/// </summary>
public static class ReadyTargets
{
    /// <summary>The instance's name, as on every series of the collector.</summary>
    public const string InstanceLabel = "comfyui_instance";

    public static IReadOnlyList<TargetGroup> Of(FleetState fleet) =>
        fleet.Scrapers
            .Where(s => Readiness.Of(s.State.Snapshot).Ready)
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s =>
            {
                var address = s.Endpoint.BaseAddress;
                var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, value) in s.Endpoint.Labels)
                {
                    if (!name.StartsWith(ComfyMonitor.Discovery.TargetExpectations.ReservedPrefix, StringComparison.Ordinal))
                    {
                        labels[name] = value;
                    }
                }

                labels[InstanceLabel] = s.Name;
                labels["__scheme__"] = address.Scheme;
                return new TargetGroup([$"{address.Host}:{address.Port}"], labels);
            })
            .ToList();
}

/// <summary>One http_sd target group.</summary>
public sealed record TargetGroup(
    [property: JsonPropertyName("targets")] IReadOnlyList<string> Targets,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string> Labels);
