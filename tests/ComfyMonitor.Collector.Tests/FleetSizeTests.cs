using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>A fleet larger than OpenTelemetry's default 2,000 series per metric keeps every instance's series.</summary>
public sealed class FleetSizeTests
{
    [Fact]
    public async Task SixHundredInstancesAllHaveTheirSeries()
    {
        const int count = 600;
        await using var sim = await SimulatorHost.StartAsync(instances: count);
        var dir = Directory.CreateTempSubdirectory("comfymonitor-fleet-");
        try
        {
            var file = Path.Combine(dir.FullName, "targets.json");
            await File.WriteAllTextAsync(file, "[{\"targets\": [" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"127.0.0.1:{sim.BasePort + i}\"")) + "]}]");
            await using var collector = await CollectorHost.StartAsync(new Dictionary<string, string?>
            {
                ["ComfyUI:Discovery:Files:0"] = file,
                ["Collector:Interval"] = "00:00:02",
                ["Collector:Timeout"] = "00:00:01",
                // Five request histograms per instance: 3,000 series of one metric.
                ["Collector:PerInstanceHistograms"] = "true",
            });
            var m = await collector.WaitForMetricsAsync(
                m => m.Named("comfyui_scrape_duration_seconds_count").Count(s => s.Labels["endpoint"] == "models") == count
                    && m.Named("comfyui_up").Count(s => s.Value == 1) == count
                    && m.Named("comfyui_models_info").Count() == count * 3,
                TimeSpan.FromSeconds(120), "every instance's scrape durations");
            Assert.Equal(count, m.Named("comfyui_up").Count(s => s.Value == 1));
            Assert.Equal(count * 5, m.Named("comfyui_scrape_duration_seconds_count").Count());
            Assert.Equal(count * 3, m.Named("comfyui_models").Count()); // the three default folders
            Assert.DoesNotContain(m.Samples, s => s.Labels.ContainsKey("otel_metric_overflow"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task MoreInstancesThanTheSeriesWereSizedForIsLoggedOnce()
    {
        await using var sim = await SimulatorHost.StartAsync(instances: 3);
        await using var collector = await CollectorHost.StartAsync([sim.Url(0), sim.Url(1), sim.Url(2)], settings: new Dictionary<string, string?>
        {
            ["Collector:MaxInstances"] = "2",
        });
        await collector.WaitForMetricsAsync(m => m.Named("comfyui_up").Count(s => s.Value == 1) == 3, TimeSpan.FromSeconds(60), "the three instances up");
        var warnings = collector.Logs.Lines.Where(l => l.Contains("3 instances are watched but the series limits were sized for Collector:MaxInstances = 2", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
        Assert.StartsWith("Warning", warnings[0], StringComparison.Ordinal);
    }
}
