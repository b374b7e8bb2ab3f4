using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// The collector and the probe (separate processes) watching one simulated instance without users: the probe's canaries,
/// kept in the history (Probe:DeleteHistory=false), are counted as the probe's prompts and never as users' prompts.
/// </summary>
public sealed class ProbeTrafficTests : IAsyncLifetime
{
    private SimulatedServices _services = null!;

    private SimulatorHost Sim => _services.Sim;

    public async ValueTask InitializeAsync() => _services = await SimulatedServices.StartAsync("probe-traffic");

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task CanariesKeptInTheHistoryAreTheProbesPromptsNotUsers()
    {
        const string name = "sim";
        var targets = new Dictionary<string, string> { ["ComfyUI__Instances__0__Url"] = Sim.Url().ToString(), ["ComfyUI__Instances__0__Name"] = name };
        var collector = await StartAsync("ComfyMonitor.Collector", new(targets) { ["Collector__Interval"] = "00:00:01", ["Collector__Timeout"] = "00:00:00.800" });
        await StartAsync("ComfyMonitor.Probe", new(targets) { ["Probe__Interval"] = "00:00:01", ["Probe__DeleteHistory"] = "false" });

        // Three runs of each built-in canary finished and seen by the collector.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        PrometheusText metrics;
        while (((metrics = PrometheusText.Parse(await collector.GetStringAsync("metrics"))).Value("comfyui_probe_prompts_total", name, ("status", "success")) ?? 0) < 9)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the collector never counted 9 canaries: {string.Join(", ", metrics.For("comfyui_probe_prompts_total", name).Select(s => $"{s.Labels["status"]}={s.Value}"))}");
            await Task.Delay(250);
        }

        Assert.True(Sim.Fleet.Instances[0].HistoryCount >= 9, "the canaries stay in the history");
        foreach (var status in new[] { "success", "error", "interrupted" })
        {
            Assert.Equal(0, metrics.Value("comfyui_prompts_completed_total", name, ("status", status)) ?? 0);
        }

        Assert.Equal(0, metrics.Value("comfyui_prompt_execution_duration_seconds_count", name) ?? 0);
    }

    private Task<HttpClient> StartAsync(string project, Dictionary<string, string> settings) => _services.StartAsync(project, settings);
}
