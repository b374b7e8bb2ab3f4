using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>A dead, hung or babbling instance never delays the scrapes of a healthy one.</summary>
public sealed class IsolationTests
{
    [Fact]
    public async Task DownHangAndGarbageInstancesDoNotDelayAHealthyOne()
    {
        await using var sim = await SimulatorHost.StartAsync(instances: 5);
        await sim.SetScenarioAsync(0, "down");
        await sim.SetScenarioAsync(1, "hang");
        await sim.SetScenarioAsync(2, "garbage");
        await sim.SetScenarioAsync(3, "errors");
        var urls = Enumerable.Range(0, 5).Select(sim.Url).ToList();
        await using var collector = await CollectorHost.StartAsync(urls, TimeSpan.FromSeconds(1), new Dictionary<string, string?>
        {
            ["Collector:Timeout"] = "00:00:00.800",
            ["Collector:MaxConcurrency"] = "4",
        });
        string Name(int i) => $"127.0.0.1:{sim.BasePort + i}";
        double? Errors(PrometheusText m, int i, string reason) => m.Value("comfyui_scrape_errors_total", Name(i), ("endpoint", "system_stats"), ("reason", reason));

        var first = await collector.WaitForMetricsAsync(m =>
            m.Value("comfyui_up", Name(4)) == 1 && Errors(m, 0, "connect") >= 1 && Errors(m, 1, "timeout") >= 1
            && Errors(m, 2, "invalid_response") >= 1 && Errors(m, 3, "http_status") >= 1, TimeSpan.FromSeconds(60), "every failure reason");
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(0, first.Value("comfyui_up", Name(i))));

        // While the hung instance does five cycles (each waiting for the timeout), the healthy one, on the same
        // schedule, does as many: none of its cycles waits for the others.
        var before = Enumerable.Range(0, 5).Select(i => collector.Cycles(Name(i))).ToList();
        var after = await collector.HoldsForCyclesAsync(Name(1), 5, m => m.Value("comfyui_up", Name(4)) == 1, "the healthy instance up");
        var (healthy, hung) = (collector.Cycles(Name(4)) - before[4], collector.Cycles(Name(1)) - before[1]);
        Assert.True(healthy >= hung - 1, $"the healthy instance did {healthy} cycles while the hung one did {hung}");
        var page = await collector.Http.GetStringAsync("/");
        Assert.Contains("connection refused", page);

        await sim.SetScenarioAsync(1, "healthy"); // let the hung requests finish
    }
}
