using System.Text.Json.Nodes;
using ComfyMonitor.Collector.Scraping;
using ComfyMonitor.Collector.State;
using ComfyMonitor.Discovery;
using ComfyMonitor.Simulator.Workload;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>
/// An instance's own expectations: its stall and backlog windows learned from its jobs (seeded from the history the first
/// cycle finds) unless set for it, the set one winning; and the clients whose prompts fail, counted without their ids.
/// Against the simulator's long (video) prompts, with the collector's clock faked.
/// </summary>
public sealed class ExpectationTests : IAsyncLifetime
{
    private static readonly TimeSpan Job = TimeSpan.FromSeconds(1);
    private SimulatorHost _sim = null!;

    public async ValueTask InitializeAsync() =>
        _sim = await SimulatorHost.StartAsync(1, new Dictionary<string, string?> { ["Simulator:NodeTime"] = "00:00:00.020" });

    public async ValueTask DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task AnInstanceThatRunsLongJobsIsNotStalledWithinItsLearnedWindowButIsPastIt()
    {
        using var http = _sim.Http();
        for (var i = 0; i < 2; i++)
        {
            await http.RunAsync((JsonObject)WorkloadService.Video(Job)["prompt"]!.DeepClone());
        }

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CollectorOptions { StallAfter = TimeSpan.FromMilliseconds(500), BacklogAfter = TimeSpan.FromMilliseconds(500) };
        var (learning, learned) = Scraper(time, options);
        var (setting, set) = Scraper(time, options, new TargetExpectations(TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(5), null));
        var (capped, cap) = Scraper(time, new CollectorOptions { StallAfter = TimeSpan.FromMilliseconds(500), MaxLearnedStallAfter = TimeSpan.FromSeconds(1) });

        // The first cycle reads the history that is there: the jobs ran ~1 s, so the window is 1.5 × that (not the fleet's
        // 0.5 s), the backlog threshold 3 × that; a set window wins over the learned one; the cap bounds the learned one.
        await Task.WhenAll(learning.ScrapeAsync(default), setting.ScrapeAsync(default), capped.ScrapeAsync(default));
        Assert.InRange(learned.Snapshot.StallAfterSeconds!.Value, 1.5 * Job.TotalSeconds, 1.5 * (Job.TotalSeconds + 1));
        Assert.InRange(learned.Snapshot.BacklogAfterSeconds!.Value, 3 * Job.TotalSeconds, 3 * (Job.TotalSeconds + 1));
        Assert.Equal((0.5, 300), (set.Snapshot.StallAfterSeconds, set.Snapshot.BacklogAfterSeconds));
        Assert.Equal(1, cap.Snapshot.StallAfterSeconds);

        // A long job starts (it runs for a minute of real time while the collector's clock is moved on).
        var id = await http.SubmitAsync((JsonObject)WorkloadService.Video(TimeSpan.FromMinutes(1))["prompt"]!.DeepClone());
        await http.WaitUntilRunningAsync(id, TimeSpan.FromSeconds(30));
        await Task.WhenAll(learning.ScrapeAsync(default), setting.ScrapeAsync(default));

        // 1.2 s in: past the fleet's 0.5 s (the set window calls it stalled) but within the learned window.
        time.Advance(TimeSpan.FromSeconds(1.2));
        await Task.WhenAll(learning.ScrapeAsync(default), setting.ScrapeAsync(default));
        Assert.False(learned.Snapshot.Stalled);
        Assert.True(set.Snapshot.Stalled);

        // Past the learned window: a hung long job is still caught.
        time.Advance(TimeSpan.FromSeconds(2));
        await learning.ScrapeAsync(default);
        Assert.True(learned.Snapshot.Stalled);
        await http.PostJsonAsync("interrupt", new JsonObject { ["prompt_id"] = id });
    }

    [Fact]
    public async Task AnInstanceWithoutJobsYetHasTheFleetsDefaults()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (scraper, state) = Scraper(time, new CollectorOptions { StallAfter = TimeSpan.FromMinutes(10), BacklogAfter = TimeSpan.FromMinutes(15) });
        await scraper.ScrapeAsync(default);
        Assert.Equal((600, 900), (state.Snapshot.StallAfterSeconds, state.Snapshot.BacklogAfterSeconds));
    }

    [Fact]
    public async Task TheClientsWhosePromptsFailedAreCountedForFifteenMinutesWithoutTheirIds()
    {
        using var http = _sim.Http();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (scraper, state) = Scraper(time, new CollectorOptions());
        await scraper.ScrapeAsync(default); // primed: what finished before is not counted
        Assert.Equal(0, state.Snapshot.ErrorClients);

        // alice twice, bob once, and a prompt without a client id; one success of carol's does not count.
        foreach (var client in new[] { "alice", "alice", "bob", null })
        {
            var graph = (JsonObject)WorkloadService.Txt2Img(succeeds: true)["prompt"]!.DeepClone();
            graph["3"]!["inputs"]!["simulate_error"] = "ValueError: a node of this workflow is missing";
            await http.RunAsync(graph, extra: client is null ? null : new JsonObject { ["client_id"] = client });
        }

        await http.RunAsync((JsonObject)WorkloadService.Txt2Img(succeeds: true)["prompt"]!.DeepClone(), extra: new JsonObject { ["client_id"] = "carol" });
        await scraper.ScrapeAsync(default);
        Assert.Equal(3, state.Snapshot.ErrorClients);
        Assert.Equal(4, state.Snapshot.Completed["error"]);

        time.Advance(InstanceState.ErrorClientWindow + TimeSpan.FromSeconds(1));
        await scraper.ScrapeAsync(default);
        Assert.Equal(0, state.Snapshot.ErrorClients);
    }

    private (InstanceScraper, InstanceState) Scraper(FakeTimeProvider time, CollectorOptions options, TargetExpectations? expectations = null) =>
        TestScraper.Create("sim-0", _sim.Url(0), time, options, expectations, TimeSpan.FromSeconds(10));
}
