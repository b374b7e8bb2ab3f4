using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>
/// What a healthy instance costs the Prometheus that scrapes the probe (docs/metrics.md, series budget): at most 270
/// series with the three built-in canaries, node durations the replica's unless Probe:PerInstanceNodeDurations.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class SeriesBudgetTests
{
    [Fact]
    public async Task AHealthyInstanceCostsAtMost270SeriesAndNodeDurationsAreTheReplicas()
    {
        await using var sim = await SimulatorHost.StartAsync(instances: 2);
        await using var probe = await ProbeHost.StartAsync([sim.Url(0), sim.Url(1)], TimeSpan.FromSeconds(1));
        var m = await EveryCanaryRanAsync(probe, sim);
        var name = $"127.0.0.1:{sim.BasePort}";

        var series = m.Samples.Where(s => s.Labels.GetValueOrDefault("comfyui_instance") == name).ToList();
        var breakdown = string.Join(", ", series.GroupBy(s => s.Name).Select(g => $"{g.Key} {g.Count()}"));
        Assert.True(series.Count <= 270, $"{series.Count} series: {breakdown}");

        // Node durations: one set for the replica (the runs of both instances in it), none per instance.
        var nodes = m.Named("comfyui_canary_node_duration_seconds_count").ToList();
        Assert.NotEmpty(nodes);
        Assert.All(nodes, s => Assert.False(s.Labels.ContainsKey("comfyui_instance")));
        Assert.True(m.Sum("comfyui_canary_node_duration_seconds_count", ("canary", "render"), ("node_type", "EmptyImage")) >= 1);
        Assert.Equal("", await Promtool.CheckMetricsAsync(await probe.Http.GetStringAsync("metrics")));
    }

    [Fact]
    public async Task PerInstanceNodeDurationsAreAnOption()
    {
        await using var sim = await SimulatorHost.StartAsync(instances: 2);
        await using var probe = await ProbeHost.StartAsync([sim.Url(0), sim.Url(1)], TimeSpan.FromSeconds(1), new Dictionary<string, string?> { ["Probe:PerInstanceNodeDurations"] = "true" });
        await EveryCanaryRanAsync(probe, sim);
        // A run followed by polling (no WebSocket) times no nodes: the next runs, a second apart, do.
        var m = await probe.WaitForMetricsAsync(m => Enumerable.Range(0, 2).All(i =>
            m.Value("comfyui_canary_node_duration_seconds_count", $"127.0.0.1:{sim.BasePort + i}", ("canary", "render"), ("node_type", "EmptyImage")) >= 1),
            what: "node durations of the render canary on each instance");
        Assert.DoesNotContain(m.Named("comfyui_canary_node_duration_seconds_count"), s => !s.Labels.ContainsKey("comfyui_instance"));
    }

    private static Task<PrometheusText> EveryCanaryRanAsync(ProbeHost probe, SimulatorHost sim) =>
        probe.WaitForMetricsAsync(m => Enumerable.Range(0, 2).All(i => new[] { "render", "upload", "mask" }.All(c =>
            m.Value("comfyui_canary_success", $"127.0.0.1:{sim.BasePort + i}", ("canary", c)) == 1
            && m.Value("comfyui_canary_duration_seconds_count", $"127.0.0.1:{sim.BasePort + i}", ("canary", c), ("phase", "total")) >= 1))
            && m.Named("comfyui_canary_node_duration_seconds_count").Any(),
            what: "every canary run and succeeded on both instances, with node durations");
}
