using ComfyMonitor.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>
/// Blank-output detection on users' real outputs: off by default (not one /view request), and on, it finds the black
/// images of an instance whose model decodes to black while every prompt says success, and nothing on healthy ones.
/// </summary>
public sealed class OutputCheckTests
{
    [Fact]
    public async Task WithOutputChecksOffTheCollectorNeverRequestsAnOutput()
    {
        await using var sim = await SimulatorHost.StartAsync(1, new Dictionary<string, string?> { ["Simulator:Workload"] = "600", ["Simulator:NodeTime"] = "00:00:00.005" });
        var counting = new CountingHandler();
        var (scraper, state) = TestScraper.Create("sim-0", sim.Url(0), new FakeTimeProvider(DateTimeOffset.UtcNow), new CollectorOptions(), timeout: TimeSpan.FromSeconds(10), handler: counting);

        // Cycles until users' prompts were counted, some of them successes with images.
        await SimulatorHttp.WaitUntilAsync(async () =>
        {
            await scraper.ScrapeAsync(default);
            return state.Snapshot.Completed.GetValueOrDefault("success") >= 20;
        }, TimeSpan.FromSeconds(60), "20 successful users' prompts counted");
        Assert.True(counting.Requests.Count > 20);
        Assert.DoesNotContain(counting.Requests, r => r.Contains("/view", StringComparison.Ordinal));
        Assert.Empty(state.Snapshot.OutputChecks);
    }

    [Fact]
    public async Task OnAFleetOfFourBlankChecksGrowOnTheBlackInstanceOnly()
    {
        await using var sim = await SimulatorHost.StartAsync(4, new Dictionary<string, string?> { ["Simulator:Workload"] = "600", ["Simulator:NodeTime"] = "00:00:00.005" });
        await sim.SetScenarioAsync(2, "black-images");
        await using var collector = await CollectorHost.StartAsync(Enumerable.Range(0, 4).Select(sim.Url), TimeSpan.FromMilliseconds(500),
            // The longest request timeout below the interval: a /view that a loaded machine slows is no unreadable output.
            new Dictionary<string, string?> { ["Collector:OutputChecks:Every"] = "1", ["Collector:Timeout"] = "00:00:00.480" });
        string Name(int i) => $"127.0.0.1:{sim.BasePort + i}";
        double Checks(PrometheusText m, int i, string result) => m.Value("comfyui_outputs_checked_total", Name(i), ("result", result)) ?? 0;

        var m = await collector.WaitForMetricsAsync(m => new[] { 0, 1, 3 }.Sum(i => Checks(m, i, "ok")) >= 200 && Checks(m, 2, "blank") >= 10,
            TimeSpan.FromSeconds(120), "200 checks of healthy instances and 10 blank ones on the black instance");
        Assert.All(new[] { 0, 1, 3 }, i => Assert.Equal(0, Checks(m, i, "blank")));
        Assert.Equal(0, Checks(m, 2, "ok"));
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(0, Checks(m, i, "unreadable")));

        // Every prompt there still said success: the old signals saw nothing wrong.
        Assert.True(m.Value("comfyui_prompts_completed_total", Name(2), ("status", "success")) >= 10);
    }
}
