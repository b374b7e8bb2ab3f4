using ComfyMonitor.Hosting;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>The catalogue of exported names holds exactly the collector's instruments, under the names Prometheus sees.</summary>
public sealed class MetricCatalogTests
{
    [Fact]
    public async Task EveryInstrumentOfTheCollectorIsCataloguedUnderItsExportedName()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var exported = await MetricCatalogCheck.ExportedNamesAsync([CollectorMetrics.MeterName, ComfyMonitor.Discovery.DiscoveryMetrics.MeterName], async () =>
        {
            await using var collector = await CollectorHost.StartAsync([sim.Url()]);
            await collector.WaitForMetricsAsync(m => m.Value("comfyui_up", $"127.0.0.1:{sim.BasePort}") == 1, what: "the instance up");
        });
        Assert.Equal(MetricCatalogCheck.Catalogued(MetricCatalog.Collector), exported);
    }
}
