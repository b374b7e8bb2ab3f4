using ComfyMonitor.Hosting;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>The catalogue of exported names holds exactly the probe's instruments, under the names Prometheus sees.</summary>
public sealed class MetricCatalogTests
{
    [Fact]
    public async Task EveryInstrumentOfTheProbeIsCataloguedUnderItsExportedName()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var exported = await MetricCatalogCheck.ExportedNamesAsync([ProbeMetrics.MeterName, ComfyMonitor.Discovery.DiscoveryMetrics.MeterName], async () =>
        {
            await using var probe = await ProbeHost.StartAsync([sim.Url()], TimeSpan.FromSeconds(1));
            await probe.WaitForMetricsAsync(m => m.Named("comfyui_canary_runs_total").Any(s => s.Value > 0), what: "a canary run");
        });
        Assert.Equal(MetricCatalogCheck.Catalogued(MetricCatalog.Probe), exported);
    }
}
