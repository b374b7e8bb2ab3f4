using System.Text.Json.Nodes;
using ComfyMonitor.Collector.Scraping;
using ComfyMonitor.Collector.State;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>Stuck-queue detection with a fake clock against the simulator's stuck scenario.</summary>
public sealed class StallTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task StalledQueueIsReportedAfterStallWindowAndClearsWhenProgressResumes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CollectorOptions { StallAfter = TimeSpan.FromMinutes(10) };
        var (scraper, state) = Scraper(time, options);

        await _sim.SetScenarioAsync(0, "stuck");
        using var http = _sim.Http();
        var (_, submitted) = await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(42) });
        await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(43) });
        var id = (string)submitted!["prompt_id"]!;
        await http.WaitUntilRunningAsync(id, TimeSpan.FromSeconds(30)); // the worker takes the first from the queue a moment after the answer

        await scraper.ScrapeAsync(default);
        var start = time.GetUtcNow();
        Assert.False(state.Snapshot.Stalled);
        Assert.Equal((1, 1), (state.Snapshot.Queue!.Running, state.Snapshot.Queue.Pending));

        time.Advance(TimeSpan.FromMinutes(9));
        await scraper.ScrapeAsync(default);
        Assert.False(state.Snapshot.Stalled);

        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await scraper.ScrapeAsync(default);
        Assert.True(state.Snapshot.Stalled);
        Assert.Equal(start, state.Snapshot.LastProgress);
        Assert.Equal(601, state.Snapshot.Queue!.RunningAgeSeconds!.Value, precision: 0);

        await _sim.SetScenarioAsync(0, "healthy");
        await http.WaitForHistoryAsync(id);

        time.Advance(TimeSpan.FromSeconds(15));
        await scraper.ScrapeAsync(default);
        Assert.False(state.Snapshot.Stalled);
        Assert.Equal(time.GetUtcNow(), state.Snapshot.LastProgress);
    }

    [Fact]
    public async Task AWorkerWhosePromptsEndOnlyByInterruptStaysStalled()
    {
        // The probe interrupts its own canary at its timeout: on a stuck worker the next prompt hangs
        // in turn, and neither the interrupted entry nor the next running prompt is progress.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (scraper, state) = Scraper(time, new CollectorOptions { StallAfter = TimeSpan.FromMinutes(10) });
        await scraper.ScrapeAsync(default); // primed on the history as it is
        await _sim.SetScenarioAsync(0, "stuck");
        using var http = _sim.Http();
        var ids = new List<string>();
        for (var colour = 0; colour < 3; colour++)
        {
            var (_, submitted) = await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(100 + colour) });
            ids.Add((string)submitted!["prompt_id"]!);
        }

        await http.WaitUntilRunningAsync(ids[0], TimeSpan.FromSeconds(30));
        await scraper.ScrapeAsync(default);
        var start = time.GetUtcNow();
        foreach (var id in ids.Take(2))
        {
            time.Advance(TimeSpan.FromMinutes(4));
            await http.WaitUntilRunningAsync(id, TimeSpan.FromSeconds(30)); // an interrupt of a prompt that does not run yet is a no-op
            await http.PostJsonAsync("interrupt", new JsonObject { ["prompt_id"] = id });
            await http.WaitForHistoryAsync(id);

            await scraper.ScrapeAsync(default);
            Assert.Equal(id == ids[0] ? 1 : 2, state.Snapshot.Completed["interrupted"]);
        }

        time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        await http.WaitUntilRunningAsync(ids[2], TimeSpan.FromSeconds(30));
        await scraper.ScrapeAsync(default);
        Assert.Equal((1, 0), (state.Snapshot.Queue!.Running, state.Snapshot.Queue.Pending));
        Assert.True(state.Snapshot.Stalled);
        Assert.Equal(start, state.Snapshot.LastProgress);
        await _sim.SetScenarioAsync(0, "healthy");
    }

    [Fact]
    public async Task AnIdleQueueIsNeverStalled()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (scraper, state) = Scraper(time, new CollectorOptions { StallAfter = TimeSpan.FromMinutes(1) });
        await scraper.ScrapeAsync(default);
        time.Advance(TimeSpan.FromHours(2));
        await scraper.ScrapeAsync(default);
        Assert.False(state.Snapshot.Stalled);
        Assert.Equal(time.GetUtcNow(), state.Snapshot.LastProgress);
    }

    [Fact]
    public async Task PendingAgeComesFromTheServersCreateTime()
    {
        await _sim.SetScenarioAsync(0, "stuck");
        using var http = _sim.Http();
        var (_, first) = await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(1) });
        await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(2) });
        await http.WaitUntilRunningAsync((string)first!["prompt_id"]!, TimeSpan.FromSeconds(30));
        var pending = (await http.GetJsonAsync("queue")).Body!["queue_pending"]!.AsArray().Single()!;
        var created = DateTimeOffset.FromUnixTimeMilliseconds((long)pending[3]!["create_time"]!);

        // The collector's clock: three minutes after the server created the pending prompt.
        var time = new FakeTimeProvider(created + TimeSpan.FromMinutes(3));
        var (scraper, state) = Scraper(time, new CollectorOptions());
        await scraper.ScrapeAsync(default);
        Assert.Equal(180, state.Snapshot.Queue!.OldestPendingAgeSeconds!.Value, precision: 3);
        await _sim.SetScenarioAsync(0, "healthy");
    }

    private (InstanceScraper, InstanceState) Scraper(FakeTimeProvider time, CollectorOptions options) =>
        TestScraper.Create("stall-test", _sim.Url(), time, options);
}
