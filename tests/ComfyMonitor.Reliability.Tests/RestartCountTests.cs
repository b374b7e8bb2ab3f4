using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// Restarts counted on every probed instance (the collector and the probe as separate processes, as deployed): an
/// instance nobody but the probe uses counts each restart within two probe intervals, from the prompt number of the
/// canary the probe keeps in its history; with users' prompts as well, each restart counts once.
/// </summary>
public sealed class RestartCountTests : IAsyncLifetime
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(4);

    private SimulatedServices _services = null!;

    private SimulatorHost Sim => _services.Sim;

    public async ValueTask InitializeAsync() => _services = await SimulatedServices.StartAsync("restarts");

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task EachRestartIsCountedOnceWithinTwoProbeIntervalsWithOrWithoutUsers()
    {
        const string name = "sim";
        var targets = new Dictionary<string, string> { ["ComfyUI__Instances__0__Url"] = Sim.Url().ToString(), ["ComfyUI__Instances__0__Name"] = name };
        var collector = await StartAsync("ComfyMonitor.Collector", new(targets) { ["Collector__Interval"] = "00:00:01", ["Collector__Timeout"] = "00:00:00.800" });
        await StartAsync("ComfyMonitor.Probe", new(targets) { ["Probe__Interval"] = ProbeInterval.ToString("c"), ["Probe__Canaries__Upload__Enabled"] = "false", ["Probe__Canaries__Mask__Enabled"] = "false" });

        async Task<PrometheusText> MetricsAsync() => PrometheusText.Parse(await collector.GetStringAsync("metrics"));
        async Task<double> RestartsAsync() => (await MetricsAsync()).Value("comfyui_restarts_total", name) ?? -1;

        // The collector has read the probe's canaries (it knows the numbers), and nobody else prompts.
        await SimulatorHttp.WaitUntilAsync(async () => ((await MetricsAsync()).Value("comfyui_probe_prompts_total", name, ("status", "success")) ?? 0) >= 2,
            TimeSpan.FromSeconds(60), "two canaries seen by the collector");
        Assert.Equal(0, await RestartsAsync());
        Assert.True(Sim.Fleet.Instances[0].HistoryCount <= 1, $"the probe keeps its newest canary only, the history holds {Sim.Fleet.Instances[0].HistoryCount}");

        // Three restarts within a minute: each counted within two probe intervals.
        for (var restart = 1; restart <= 3; restart++)
        {
            using (var response = await Sim.Control.PostAsync("instances/0/restart", null))
            {
                response.EnsureSuccessStatusCode();
                Assert.Equal(restart, (int)JsonNode.Parse(await response.Content.ReadAsStringAsync())![0]!["restarts"]!);
            }

            var restarted = DateTime.UtcNow;
            await SimulatorHttp.WaitUntilAsync(async () => await RestartsAsync() >= restart, 2 * ProbeInterval, $"restart {restart} counted within two probe intervals");
            Assert.True(DateTime.UtcNow - restarted <= 2 * ProbeInterval, $"restart {restart} took {(DateTime.UtcNow - restarted).TotalSeconds:0.0} s");
            Assert.Equal(restart, await RestartsAsync());
        }

        // Users come back: prompts one after another, while the probe goes on. A restart among them counts once.
        using var users = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            using var http = Sim.Http();
            while (!users.IsCancellationRequested)
            {
                await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(Random.Shared.Next(1 << 24)), ["client_id"] = "a-user" });
                await Task.Delay(300);
            }
        });
        try
        {
            await SimulatorHttp.WaitUntilAsync(async () => ((await MetricsAsync()).Value("comfyui_prompts_completed_total", name, ("status", "success")) ?? 0) >= 3,
                TimeSpan.FromSeconds(30), "users' prompts seen");
            using (var response = await Sim.Control.PostAsync("instances/0/restart", null))
            {
                response.EnsureSuccessStatusCode();
            }

            await SimulatorHttp.WaitUntilAsync(async () => await RestartsAsync() >= 4, 2 * ProbeInterval, "the restart among users' prompts counted");
            // Counted once: it stays 4 while users' prompts and canaries go on for three probe intervals.
            var until = DateTime.UtcNow + (3 * ProbeInterval);
            while (DateTime.UtcNow < until)
            {
                Assert.Equal(4, await RestartsAsync());
                await Task.Delay(250);
            }
        }
        finally
        {
            await users.CancelAsync();
            await traffic;
        }
    }

    private Task<HttpClient> StartAsync(string project, Dictionary<string, string> settings) => _services.StartAsync(project, settings);
}
