using ComfyMonitor.Hosting;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>
/// The catalogue of exported names holds exactly the probe's instruments, under the names Prometheus sees, and the labels
/// of their series (docs/metrics.md is generated from it).
/// </summary>
public sealed class MetricCatalogTests
{
    [Fact]
    public async Task EveryInstrumentOfTheProbeIsCataloguedUnderItsExportedNameWithItsLabels()
    {
        await using var sim = await SimulatorHost.StartAsync();
        PrometheusText metrics = null!;
        var exported = await MetricCatalogCheck.ExportedNamesAsync([ProbeMetrics.MeterName, ComfyMonitor.Discovery.DiscoveryMetrics.MeterName], async () =>
        {
            await using var probe = await ProbeHost.StartAsync([sim.Url()], TimeSpan.FromSeconds(1));
            metrics = await probe.WaitForMetricsAsync(m => m.Named("comfyui_canary_runs_total").Any(s => s.Value > 0)
                && m.Named("comfyui_canary_node_duration_seconds_count").Any(), what: "a canary run");
        });
        Assert.Equal(MetricCatalogCheck.Catalogued(MetricCatalog.Probe), exported);

        var catalogued = MetricCatalog.All.Where(m => m.Exporter is MetricCatalog.Probe or MetricCatalog.Both).ToList();
        Assert.Empty(MetricCatalogCheck.LabelProblems(catalogued, metrics));
        Assert.True(MetricCatalogCheck.Seen(catalogued, metrics) >= 8, "most metrics have series to check");
    }
}
