using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>
/// What a healthy instance costs the Prometheus that scrapes the collector (docs/metrics.md, series budget): at most 50 series and
/// 4 KB of exposition by default, the request and queue-wait histograms per instance only when asked for.
/// </summary>
public sealed class SeriesBudgetTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async ValueTask InitializeAsync() => _sim = await SimulatorHost.StartAsync(instances: 1);

    public ValueTask DisposeAsync() => _sim.DisposeAsync();

    [Fact]
    public async Task AHealthyInstanceCostsAtMostFiftySeriesAndFourKilobytes()
    {
        await using var collector = await CollectorHost.StartAsync([_sim.Url(0)]);
        var (name, m) = await RunPromptsAsync(collector);

        // Without its errors (a healthy instance has none; a test machine may still time a request out).
        var series = m.Samples.Where(s => s.Labels.GetValueOrDefault("comfyui_instance") == name && s.Name != "comfyui_scrape_errors_total").ToList();
        var breakdown = string.Join(", ", series.GroupBy(s => s.Name).Select(g => $"{g.Key} {g.Count()}"));
        Assert.True(series.Count <= 50, $"{series.Count} series: {breakdown}");
        var text = await collector.Http.GetStringAsync("metrics");
        var bytes = text.Split('\n')
            .Where(l => l.Contains($"comfyui_instance=\"{name}\"", StringComparison.Ordinal) && !l.StartsWith("comfyui_scrape_errors_total", StringComparison.Ordinal))
            .Sum(l => l.Length + 1);
        Assert.True(bytes <= 4096, $"{bytes} bytes: {breakdown}");

        // What the budget leaves out: the request and queue-wait histograms are the replica's; no error series without an error.
        Assert.Empty(m.For("comfyui_scrape_duration_seconds_count", name));
        Assert.Empty(m.For("comfyui_prompt_queue_wait_seconds_count", name));
        Assert.All(m.For("comfyui_scrape_errors_total", name), s => Assert.True(s.Value >= 1)); // a test machine's hiccup may time one out
        Assert.Contains(m.Named("comfyui_scrape_duration_seconds_count"), s => !s.Labels.ContainsKey("comfyui_instance") && s.Labels["endpoint"] == "system_stats");
        Assert.Contains(m.Named("comfyui_prompt_queue_wait_seconds_count"), s => !s.Labels.ContainsKey("comfyui_instance") && s.Value >= 1);
        // What it keeps: the counters the alerts take increase() of start at 0.
        Assert.Equal(0, m.Value("comfyui_prompts_completed_total", name, ("status", "error")));
        Assert.Equal(0, m.Value("comfyui_prompt_failures_total", name, ("category", "out_of_memory")));
        Assert.Equal(0, m.Value("comfyui_restarts_total", name));
        Assert.Equal(1, m.Value("comfyui_prompt_execution_duration_seconds_count", name));
        Assert.Equal("", await Promtool.CheckMetricsAsync(text));
    }

    [Fact]
    public async Task PerInstanceHistogramsAreAnOption()
    {
        await using var collector = await CollectorHost.StartAsync([_sim.Url(0)], settings: new Dictionary<string, string?> { ["Collector:PerInstanceHistograms"] = "true" });
        var (name, m) = await RunPromptsAsync(collector);

        Assert.Equal(
            ["history", "models", "queue", "system_stats"],
            m.For("comfyui_scrape_duration_seconds_count", name).Select(s => s.Labels["endpoint"]).Where(e => e != "extensions").Order());
        Assert.Equal(1, m.Value("comfyui_prompt_queue_wait_seconds_count", name));
        Assert.DoesNotContain(m.Named("comfyui_scrape_duration_seconds_count"), s => !s.Labels.ContainsKey("comfyui_instance"));
        Assert.DoesNotContain(m.Named("comfyui_prompt_queue_wait_seconds_count"), s => !s.Labels.ContainsKey("comfyui_instance"));
        Assert.Equal("", await Promtool.CheckMetricsAsync(await collector.Http.GetStringAsync("metrics")));
    }

    /// <summary>A user's prompt and a canary on the instance, counted: every series a healthy, used instance has.</summary>
    private async Task<(string Name, PrometheusText Metrics)> RunPromptsAsync(CollectorHost collector)
    {
        var name = $"127.0.0.1:{_sim.BasePort}";
        await collector.WaitForMetricsAsync(m => m.Value("comfyui_up", name) == 1 && collector.Fleet.Scrapers.All(s => s.State.HistoryPrimed), what: "the instance up");
        using var http = _sim.Http(0);
        await http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(0x2468ac));
        await http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(0x13579b), extra: new JsonObject { ["client_id"] = $"comfymonitor-probe-{Guid.NewGuid():N}" });
        var m = await collector.WaitForMetricsAsync(
            m => m.Value("comfyui_prompts_completed_total", name, ("status", "success")) == 1
                && m.Value("comfyui_probe_prompts_total", name, ("status", "success")) == 1
                && m.For("comfyui_models_info", name).Count() == 3,
            what: "the prompt, the canary and the model folders counted");
        return (name, m);
    }
}
