using System.Diagnostics.Metrics;
using ComfyMonitor.Discovery;
using Microsoft.Extensions.Hosting;

namespace ComfyMonitor.Hosting;

/// <summary>
/// comfymonitor_build_info{version, revision, dotnet_version} 1, exported by the collector and the probe alike (as
/// Prometheus' own prometheus_build_info): which release each replica runs, and whether a fleet of them agrees.
/// </summary>
public sealed class BuildInfoMetric : IHostedService
{
    public const string Name = "comfymonitor_build_info";

    public BuildInfoMetric(IMeterFactory meterFactory)
    {
        KeyValuePair<string, object?>[] tags =
        [
            new("version", BuildVersion.Version), new("revision", BuildVersion.Revision), new("dotnet_version", BuildVersion.Runtime),
        ];
        meterFactory.Create(DiscoveryMetrics.MeterName).CreateObservableGauge(Name, () => new Measurement<int>(1, tags),
            description: "ComfyMonitor's build: its version (as --version prints it), the commit it was built from, and the .NET runtime; always 1.");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
