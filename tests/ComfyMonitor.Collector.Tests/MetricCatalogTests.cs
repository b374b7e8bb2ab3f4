using ComfyMonitor.Hosting;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>
/// The catalogue of exported names holds exactly the collector's instruments, under the names Prometheus sees, and the
/// labels of their series (docs/metrics.md is generated from it).
/// </summary>
public sealed class MetricCatalogTests
{
    [Fact]
    public async Task EveryInstrumentOfTheCollectorIsCataloguedUnderItsExportedNameWithItsLabels()
    {
        await using var sim = await SimulatorHost.StartAsync();
        PrometheusText metrics = null!;
        var exported = await MetricCatalogCheck.ExportedNamesAsync([CollectorMetrics.MeterName, ComfyMonitor.Discovery.DiscoveryMetrics.MeterName], async () =>
        {
            await using var collector = await CollectorHost.StartAsync([sim.Url()], settings: new Dictionary<string, string?> { ["ComfyUI:Instances:0:Labels:pool"] = "sdxl" });
            metrics = await collector.WaitForMetricsAsync(m => m.Value("comfyui_up", $"127.0.0.1:{sim.BasePort}") == 1 && m.Named("comfyui_scrape_duration_seconds_count").Any(),
                what: "the instance up");
        });
        Assert.Equal(MetricCatalogCheck.Catalogued(MetricCatalog.Collector), exported);

        var catalogued = MetricCatalog.All.Where(m => m.Exporter is MetricCatalog.Collector or MetricCatalog.Both).ToList();
        Assert.Empty(MetricCatalogCheck.LabelProblems(catalogued, metrics));
        Assert.True(MetricCatalogCheck.Seen(catalogued, metrics) >= 25, "most metrics have series to check");
    }

    [Fact]
    public void ALabelTheCatalogueDoesNotListOrASeriesWithoutARequiredLabelIsCaught()
    {
        var metrics = PrometheusText.Parse("""
            comfyui_up{comfyui_instance="a",pool="sdxl"} 1
            comfyui_models{comfyui_instance="a"} 3
            comfyui_scrape_duration_seconds_bucket{endpoint="queue",le="0.1"} 1
            comfyui_target_info{comfyui_instance="a",region="eu"} 1

            """);
        Assert.Equal(
            ["comfyui_models lacks label folder, which the catalogue lists on every series", "comfyui_up has label pool, which the catalogue does not list"],
            MetricCatalogCheck.LabelProblems(MetricCatalog.All, metrics));
    }
}
