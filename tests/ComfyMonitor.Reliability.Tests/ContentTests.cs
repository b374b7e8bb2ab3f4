using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>Odd but valid content: a 10,000-prompt queue, duplicate prompt ids, a history that shrinks or is cleared, a restart mid-canary.</summary>
[Collection(WatchedFleetCollection.Name)]
public sealed class ContentTests(WatchedFleet fleet)
{
    [Fact]
    public async Task AQueueOf10000PendingPromptsIsReadInFull()
    {
        var (c, _) = await fleet.WaitAsync((c, _) => c.Value("comfyui_queue_pending", "queue-10k") == 10_000 ? [] :
            [$"up {c.Value("comfyui_up", "queue-10k")}, pending {c.Value("comfyui_queue_pending", "queue-10k")}, errors {string.Join(",", c.For("comfyui_scrape_errors_total", "queue-10k").Where(s => s.Value > 0).Select(s => $"{s.Labels["endpoint"]}/{s.Labels["reason"]}"))}"],
            TimeSpan.FromSeconds(60), "10,000 pending prompts");
        Assert.Equal(1, c.Value("comfyui_up", "queue-10k"));
        Assert.Equal(0, c.Value("comfyui_queue_running", "queue-10k"));
        // Read in full, never refused as too large or unreadable; on a loaded machine a cycle may still time out.
        Assert.All(c.For("comfyui_scrape_errors_total", "queue-10k").Where(s => s.Labels["reason"] != "timeout"), s => Assert.Equal(0, s.Value));

        await fleet.AssertHealthyFreshAsync();
    }

    [Fact]
    public async Task DuplicatePromptIdsAreCountedOnce()
    {
        await fleet.WaitAsync((c, _) => c.Value("comfyui_up", "duplicates") == 1 && c.Value("comfyui_queue_pending", "duplicates") == 3, TimeSpan.FromSeconds(60), "the duplicates instance");
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (fleet.Duplicates)
        {
            // Two new prompts, one of them listed twice (a key repeated in the JSON object).
            fleet.Duplicates.Add(("dup-h1", HistoryJson.Entry("dup-h1", start)));
            fleet.Duplicates.Add(("dup-h1", HistoryJson.Entry("dup-h1", start)));
            fleet.Duplicates.Add(("dup-h2", HistoryJson.Entry("dup-h2", start + 100)));
        }

        await fleet.WaitAsync((c, _) => c.Value("comfyui_prompts_completed_total", "duplicates", ("status", "success")) >= 2, TimeSpan.FromSeconds(60), "the new prompts counted");
        var after = await fleet.HoldsForCyclesAsync("duplicates", 3, c => c.Value("comfyui_prompts_completed_total", "duplicates", ("status", "success")) == 2, "two prompts counted");
        Assert.Equal(1, after.Value("comfyui_queue_running", "duplicates"));
        Assert.All(after.For("comfyui_scrape_errors_total", "duplicates").Where(s => s.Labels["reason"] != "timeout"), s => Assert.Equal(0, s.Value)); // a loaded machine may time a cycle out

        await fleet.AssertHealthyFreshAsync();
    }

    [Fact]
    public async Task AHistoryThatShrinksOrIsClearedIsNeitherRecountedNorNegative()
    {
        const string name = "sim-history";
        using var http = fleet.Sim.Http(WatchedFleet.HistoryIndex);
        double Success(PrometheusText c) => c.Value("comfyui_prompts_completed_total", name, ("status", "success")) ?? -1;
        // The probe does not watch sim-history: every completion there is one of this test's prompts.
        // Two more cycles, the last one up: its history read (a loaded machine may time a cycle in between out).
        var start = WatchedFleet.Cycles(await fleet.CollectorMetricsAsync(), name);
        var (before, _) = await fleet.WaitAsync((c, _) => WatchedFleet.Cycles(c, name) - start >= 2 && c.Value("comfyui_up", name) == 1, TimeSpan.FromSeconds(60), "two more cycles of sim-history, up");
        var counted = Success(before);
        async Task RunAndExpectAsync(int prompts, string what)
        {
            for (var i = 0; i < prompts; i++)
            {
                await http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(Random.Shared.Next(1 << 24)));
            }

            counted += prompts;
            await fleet.WaitAsync((c, _) => Success(c) >= counted, TimeSpan.FromSeconds(60), what);
            await fleet.HoldsForCyclesAsync(name, 2, c => Success(c) == counted, $"{counted} counted");
        }

        await RunAndExpectAsync(3, "three prompts counted");
        using (var restart = await fleet.Sim.Control.PostAsync($"instances/{WatchedFleet.HistoryIndex}/restart", null))
        {
            restart.EnsureSuccessStatusCode(); // the history is now empty, and prompt numbers start again
        }

        await fleet.HoldsForCyclesAsync(name, 2, c => Success(c) == counted, "nothing recounted after the restart");
        await RunAndExpectAsync(2, "two prompts after the restart counted");
        await http.PostJsonAsync("history", new JsonObject { ["clear"] = true });
        await fleet.HoldsForCyclesAsync(name, 2, c => Success(c) == counted, "nothing recounted after the clear");
        await RunAndExpectAsync(1, "a prompt after the history was cleared counted");
        var (after, _) = await fleet.WaitAsync((c, _) => c.Value("comfyui_up", name) == 1, TimeSpan.FromSeconds(30), "sim-history up");
        Assert.Equal(0, after.Value("comfyui_prompts_completed_total", name, ("status", "error")));

        await fleet.AssertHealthyFreshAsync();
    }

    [Fact]
    public async Task AnInstanceRestartingMidCanaryFailsThatRunAndTheNextOneSucceeds()
    {
        const string name = "sim-restart";
        var index = WatchedFleet.RestartIndex;
        // Whichever canary's prompt is in the queue at the restart (render, upload or mask) is the one that fails.
        double Runs(PrometheusText p, string result, string reason) =>
            p.For("comfyui_canary_runs_total", name).Where(s => s.Labels["result"] == result && s.Labels["reason"] == reason).Sum(s => s.Value);
        double Failed(PrometheusText p) => Runs(p, "failure", "execution_error");
        var (_, before) = await fleet.WaitAsync((_, p) => p.Value("comfyui_canary_success", name, ("canary", "render")) == 1, TimeSpan.FromSeconds(60), "a first good canary");
        await fleet.Sim.SetScenarioAsync(index, "stuck"); // the probe's next prompt stays in the queue until the restart
        using var http = fleet.Sim.Http(index);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var queue = (await http.GetJsonAsync("queue")).Body!;
            if (queue["queue_running"]!.AsArray().Concat(queue["queue_pending"]!.AsArray()).Any(r => ((string?)r![3]!["client_id"])?.StartsWith("comfymonitor-probe-", StringComparison.Ordinal) == true))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the probe's prompt never came");
            await Task.Delay(50);
        }

        using (var restart = await fleet.Sim.Control.PostAsync($"instances/{index}/restart", null))
        {
            restart.EnsureSuccessStatusCode();
        }

        await fleet.Sim.SetScenarioAsync(index, "healthy");
        var (_, failed) = await fleet.WaitAsync((_, p) => Failed(p) > Failed(before), TimeSpan.FromSeconds(60), "the interrupted canary failing with execution_error");
        var runs = await fleet.Probe.GetFromJsonAsync<JsonArray>("api/runs");
        Assert.Contains(runs!, r => (string?)r!["instance"] == name && (string?)r["reason"] == "execution_error");
        await fleet.WaitAsync((_, p) => Runs(p, "success", "none") > Runs(failed, "success", "none"), TimeSpan.FromSeconds(60), "a good canary after the restart");
        Assert.Empty(fleet.Failures());

        await fleet.AssertHealthyFreshAsync();
    }
}
