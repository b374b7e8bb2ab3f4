using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// The collector and the probe (separate processes) watching one simulated instance without users: the probe's canaries,
/// kept in the history (Probe:DeleteHistory=false), are counted as the probe's prompts and never as users' prompts.
/// </summary>
public sealed class ProbeTrafficTests : IAsyncLifetime
{
    private readonly List<ChildProcess> _processes = [];
    private readonly string _work = Directory.CreateTempSubdirectory("comfymonitor-probe-traffic-").FullName;
    private SimulatorHost _sim = null!;

    public async ValueTask InitializeAsync() => _sim = await SimulatorHost.StartAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await _sim.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task CanariesKeptInTheHistoryAreTheProbesPromptsNotUsers()
    {
        const string name = "sim";
        var targets = new Dictionary<string, string> { ["ComfyUI__Instances__0__Url"] = _sim.Url().ToString(), ["ComfyUI__Instances__0__Name"] = name };
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

        Assert.True(_sim.Fleet.Instances[0].HistoryCount >= 9, "the canaries stay in the history");
        foreach (var status in new[] { "success", "error", "interrupted" })
        {
            Assert.Equal(0, metrics.Value("comfyui_prompts_completed_total", name, ("status", status)) ?? 0);
        }

        Assert.Equal(0, metrics.Value("comfyui_prompt_execution_duration_seconds_count", name) ?? 0);
    }

    private Task<HttpClient> StartAsync(string project, Dictionary<string, string> settings) =>
        ChildProcess.StartServiceReadyAsync(project, settings, Path.Combine(_work, $"{project}.log"), _processes);
}
