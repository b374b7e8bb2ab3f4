using System.Text.Json.Nodes;
using ComfyMonitor.Collector.State;
using ComfyMonitor.Simulator.Workload;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>
/// The users' queue figures leave the probe's canaries out: a canary waiting at the front of the queue behind a long
/// user job is not a user's prompt pending, and does not make the users' backlog look older. The stall clock still sees
/// the whole queue.
/// </summary>
public sealed class ProbeQueueTests
{
    [Fact]
    public async Task ACanaryWaitingBehindALongUserJobIsNotAUsersPendingPromptNorItsAge()
    {
        // A server without create_time (0.3.64): pending ages are counted from when the collector first saw each prompt.
        await using var sim = await SimulatorHost.StartAsync(1, new Dictionary<string, string?> { ["Simulator:NodeTime"] = "00:00:00.020", ["Simulator:ComfyVersion"] = "0.3.64" });
        using var http = sim.Http();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (scraper, state) = TestScraper.Create("sim-0", sim.Url(0), time, new CollectorOptions(), timeout: TimeSpan.FromSeconds(10));
        await scraper.ScrapeAsync(default);

        var user = await http.SubmitAsync((JsonObject)WorkloadService.Video(TimeSpan.FromMinutes(1))["prompt"]!.DeepClone(), new JsonObject { ["client_id"] = "a-user" });
        await http.WaitUntilRunningAsync(user, TimeSpan.FromSeconds(30));
        var canary = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(5), new JsonObject { ["client_id"] = $"comfymonitor-probe-{Guid.NewGuid():N}", ["front"] = true });
        await scraper.ScrapeAsync(default);
        time.Advance(TimeSpan.FromMinutes(14));
        await scraper.ScrapeAsync(default);

        // The canary waits at the front (the server's queue shows it), but the users' figures do not count it.
        var raw = (await http.GetJsonAsync("queue")).Body!;
        Assert.Equal(canary, (string?)raw["queue_pending"]![0]![1]);
        Assert.Equal(new QueueSnapshot(1, 0, null, state.Snapshot.Queue!.RunningAgeSeconds), state.Snapshot.Queue);
        Assert.True(state.Snapshot.Queue.RunningAgeSeconds >= 14 * 60);

        // A user's prompt pending too: the oldest pending age is that prompt's (1 minute), not the canary's (15).
        var pending = await http.SubmitAsync((JsonObject)WorkloadService.Txt2Img(succeeds: true)["prompt"]!.DeepClone());
        await scraper.ScrapeAsync(default);
        time.Advance(TimeSpan.FromMinutes(1));
        await scraper.ScrapeAsync(default);
        Assert.Equal((1, 1), (state.Snapshot.Queue!.Running, state.Snapshot.Queue.Pending));
        Assert.Equal(60, state.Snapshot.Queue.OldestPendingAgeSeconds!.Value, precision: 0);

        // The stall clock still sees the whole queue: nothing finished for 15 minutes, and the fleet's window is 10.
        Assert.True(state.Snapshot.Stalled);
        await http.PostJsonAsync("queue", new JsonObject { ["delete"] = new JsonArray(canary, pending) });
        await http.PostJsonAsync("interrupt", new JsonObject { ["prompt_id"] = user });
    }
}
