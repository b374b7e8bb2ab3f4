using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>A history entry is counted exactly once: across cycles, after a collector restart, after a server restart.</summary>
public sealed class CompletionTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync();
        _http = _sim.Http();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private string Instance => $"127.0.0.1:{_sim.BasePort}";

    [Fact]
    public async Task CompletionsAreCountedOnceAcrossCyclesAndAcrossACollectorRestart()
    {
        for (var i = 0; i < 3; i++)
        {
            await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(100 + i));
        }

        await using (var first = await CollectorHost.StartAsync([_sim.Url()], TimeSpan.FromMilliseconds(300)))
        {
            await WaitPrimedAsync(first);
            await first.HoldsForCyclesAsync(Instance, 3, m => Success(m) == 0, "none of the 3 older entries counted");

            await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(200));
            await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(201));
            await first.WaitForMetricsAsync(m => Success(m) == 2, what: "two completions");
            await first.HoldsForCyclesAsync(Instance, 3, m => Success(m) == 2, "two completions");
        }

        await using var second = await CollectorHost.StartAsync([_sim.Url()], TimeSpan.FromMilliseconds(300));
        await WaitPrimedAsync(second);
        await second.HoldsForCyclesAsync(Instance, 2, m => Success(m) == 0, "no burst of old completions after a restart");
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(300));
        await second.WaitForMetricsAsync(m => Success(m) == 1, what: "one new completion");
    }

    [Fact]
    public async Task ManyCompletionsBetweenTwoCyclesAreAllCounted()
    {
        await using var collector = await CollectorHost.StartAsync([_sim.Url()], TimeSpan.FromSeconds(3));
        await WaitPrimedAsync(collector);
        var runs = Enumerable.Range(0, 30).Select(i => _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(1000 + i)));
        await Task.WhenAll(runs);
        var m = await collector.WaitForMetricsAsync(m => Success(m) >= 30, TimeSpan.FromSeconds(60), "30 completions");
        Assert.Equal(30, Success(m));
    }

    [Fact]
    public async Task AServerRestartDoesNotRecountAndNewPromptsAfterItAreCounted()
    {
        await using var collector = await CollectorHost.StartAsync([_sim.Url()], TimeSpan.FromMilliseconds(300));
        await WaitPrimedAsync(collector);
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(1));
        await collector.WaitForMetricsAsync(m => Success(m) == 1, what: "one completion");

        using var restart = await _sim.Control.PostAsync("instances/0/restart", null);
        await collector.HoldsForCyclesAsync(Instance, 2, m => Success(m) == 1, "nothing recounted after the restart");
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(2));
        await collector.WaitForMetricsAsync(m => Success(m) == 2, what: "a completion after the restart");
    }

    [Fact]
    public async Task EntriesDeletedFromTheHistoryDoNotMakeOlderOnesCountAgain()
    {
        // Like the probe removing its canaries: each new entry is counted, then deleted, many more times
        // than the collector remembers ids (MaxHistoryBatch); the one old entry left must not count again.
        await using var collector = await CollectorHost.StartAsync([_sim.Url()], TimeSpan.FromMilliseconds(300),
            new Dictionary<string, string?> { ["Collector:MaxHistoryBatch"] = "4" });
        await WaitPrimedAsync(collector);
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(1));
        await collector.WaitForMetricsAsync(m => Success(m) == 1, what: "the entry that stays");
        for (var i = 1; i <= 8; i++)
        {
            var entry = await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(100 + i));
            await collector.WaitForMetricsAsync(m => Success(m) == 1 + i, what: $"deleted entry {i} counted");
            await _http.PostJsonAsync("history", new JsonObject { ["delete"] = new JsonArray((string)entry["prompt"]![1]!) });
        }

        await collector.HoldsForCyclesAsync(Instance, 4, m => Success(m) == 9, "the entry that stays counted once");
    }

    [Fact]
    public async Task ARestartIsCountedAndClearingTheHistoryOrTheQueueIsNot()
    {
        await using var collector = await CollectorHost.StartAsync([_sim.Url()], TimeSpan.FromMilliseconds(300));
        await WaitPrimedAsync(collector);
        double? Restarts(PrometheusText m) => m.Value("comfyui_restarts_total", Instance);
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(1));
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(2));
        await collector.WaitForMetricsAsync(m => Success(m) == 2, what: "two completions");

        await _http.PostJsonAsync("history", new JsonObject { ["clear"] = true });
        await _http.PostJsonAsync("queue", new JsonObject { ["clear"] = true });
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(3));
        await collector.WaitForMetricsAsync(m => Success(m) == 3, what: "a completion after the clears");
        await collector.HoldsForCyclesAsync(Instance, 2, m => Restarts(m) == 0, "no restart counted for the clears");

        using (var restart = await _sim.Control.PostAsync("instances/0/restart", null))
        {
            restart.EnsureSuccessStatusCode();
        }

        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(4)); // the first prompt after the restart shows it
        await collector.WaitForMetricsAsync(m => Restarts(m) == 1, what: "the restart counted");
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(5));
        await collector.WaitForMetricsAsync(m => Success(m) == 5, what: "the completions after the restart");
        await collector.HoldsForCyclesAsync(Instance, 2, m => Restarts(m) == 1 && Success(m) == 5, "one restart, every completion counted");
    }

    [Fact]
    public async Task FailedPromptsAreCountedByCategory()
    {
        await using var collector = await CollectorHost.StartAsync([_sim.Url()], TimeSpan.FromMilliseconds(300));
        await WaitPrimedAsync(collector);
        await _sim.SetScenarioAsync(0, "oom");
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(1));
        await _sim.SetScenarioAsync(0, "healthy");
        var m = await collector.WaitForMetricsAsync(m => m.Value("comfyui_prompt_failures_total", Instance, ("category", "out_of_memory")) == 1, what: "an out-of-memory failure");
        // The other categories appear with their first failure (docs/metrics.md, series budget).
        Assert.DoesNotContain(m.For("comfyui_prompt_failures_total", Instance), s => s.Labels["category"] != "out_of_memory");
        Assert.Equal(1, m.Value("comfyui_prompts_completed_total", Instance, ("status", "error")));
    }

    [Fact]
    public async Task TheProbesCanariesAreCountedApartFromUsersPrompts()
    {
        await using var collector = await CollectorHost.StartAsync([_sim.Url()], TimeSpan.FromMilliseconds(300));
        await WaitPrimedAsync(collector);
        var probe = new JsonObject { ["client_id"] = $"comfymonitor-probe-{Guid.NewGuid():N}" };
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(11), extra: probe);
        await _sim.SetScenarioAsync(0, "oom");
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(12), extra: probe);
        await _sim.SetScenarioAsync(0, "healthy");
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(13), extra: new JsonObject { ["client_id"] = "a-user" });

        double? Probe(PrometheusText m, string status) => m.Value("comfyui_probe_prompts_total", Instance, ("status", status));
        var m = await collector.WaitForMetricsAsync(m => Probe(m, "success") == 1 && Probe(m, "error") == 1 && Success(m) == 1, what: "two canaries and a user's prompt");
        await collector.HoldsForCyclesAsync(Instance, 3, m => Success(m) == 1 && Probe(m, "success") == 1, "each counted once, on its side");
        Assert.Equal(0, m.Value("comfyui_prompts_completed_total", Instance, ("status", "error")));
        Assert.Equal(0, m.Value("comfyui_prompt_failures_total", Instance, ("category", "out_of_memory")));
        Assert.Equal(1, m.Value("comfyui_prompt_execution_duration_seconds_count", Instance));
        Assert.DoesNotContain(m.For("comfyui_prompt_node_errors_total", Instance), s => s.Value > 0);
    }

    private double? Success(PrometheusText m) => m.Value("comfyui_prompts_completed_total", Instance, ("status", "success"));

    private static async Task WaitPrimedAsync(CollectorHost collector)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!collector.Fleet.Scrapers.Any() || !collector.Fleet.Scrapers.All(s => s.State.HistoryPrimed))
        {
            Assert.True(DateTime.UtcNow < deadline, "the first cycle never read the history");
            await Task.Delay(50);
        }
    }
}
