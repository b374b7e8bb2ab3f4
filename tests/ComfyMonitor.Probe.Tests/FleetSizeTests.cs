using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>
/// A fleet whose canary series pass OpenTelemetry's default 2,000 per metric keeps every instance's series
/// (found by the soak run: with 500 instances most phase durations and new failure reasons went to the overflow series).
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class FleetSizeTests
{
    [Fact]
    public async Task OneHundredFiftyInstancesAllHaveTheirCanarySeries()
    {
        const int count = 150;
        string[] canaries = ["render", "upload", "mask"];
        await using var sim = await SimulatorHost.StartAsync(instances: count);
        // One round of runs (spread over the interval), not a treadmill of rounds that a loaded machine cannot keep up with.
        await using var probe = await ProbeHost.StartAsync(Enumerable.Range(0, count).Select(i => sim.Url(i)), TimeSpan.FromSeconds(20), new Dictionary<string, string?>
        {
            ["Probe:MaxConcurrency"] = "32",
        });
        string Name(int i) => $"127.0.0.1:{sim.BasePort + i}";

        // Every canary has run on every instance and succeeded, and every instance has the same phase series (a run that
        // timed out on a loaded machine times fewer phases, or all of them and no success: its instance catches up with the
        // next round).
        bool Complete(PrometheusText m)
        {
            var perInstance = m.Named("comfyui_canary_duration_seconds_count").GroupBy(s => s.Labels["comfyui_instance"]).ToDictionary(g => g.Key, g => g.Count());
            return Enumerable.Range(0, count).All(i => canaries.All(c => m.Value("comfyui_canary_duration_seconds_count", Name(i), ("canary", c), ("phase", "total")) >= 1))
                && perInstance.Values.Distinct().Count() == 1
                && m.Named("comfyui_canary_runs_total").Count(s => s.Labels["result"] == "success") == count * canaries.Length;
        }

        var m = await probe.WaitForMetricsAsync(Complete, TimeSpan.FromSeconds(180), "a run of every canary on every instance, each instance with the same phase series");
        Assert.DoesNotContain(m.Samples, s => s.Labels.ContainsKey("otel_metric_overflow"));
        // The HttpClient's own per-server series are not exported: they would pass the limit at a few hundred servers.
        Assert.DoesNotContain(m.Samples, s => s.Name.StartsWith("http_client_", StringComparison.Ordinal));
        var durations = m.Named("comfyui_canary_duration_seconds_count").ToList();
        Assert.True(durations.Count > 2000, $"only {durations.Count} duration series: the fleet does not pass the default limit");
        var perInstance = durations.Count(s => s.Labels["comfyui_instance"] == Name(0));
        Assert.All(Enumerable.Range(1, count - 1), i => Assert.Equal(perInstance, durations.Count(s => s.Labels["comfyui_instance"] == Name(i))));
        Assert.Equal(count * canaries.Length, m.Named("comfyui_canary_success").Count());
        Assert.Equal(count * canaries.Length, m.Named("comfyui_canary_runs_total").Count(s => s.Labels["result"] == "success"));
    }
}
