using System.Text.Json.Nodes;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>
/// The probe keeps its newest canary in the history and deletes the one before: the collector counts each such canary
/// once, reads two entries (not eight of users') in the cycle after one, and one in the cycles between.
/// </summary>
public sealed class KeptCanaryTests
{
    [Fact]
    public async Task ANewKeptCanaryCostsOneReadOfTwoEntries()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var counting = new CountingHandler();
        var (scraper, state) = TestScraper.Create("sim-0", sim.Url(0), new FakeTimeProvider(DateTimeOffset.UtcNow), new CollectorOptions(), timeout: TimeSpan.FromSeconds(10), handler: counting);
        using var http = sim.Http();
        for (var i = 0; i < 10; i++)
        {
            await http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(i)); // users' entries below the canaries
        }

        await scraper.ScrapeAsync(default); // primes
        string? kept = null;
        for (var run = 1; run <= 3; run++)
        {
            var canary = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(100 + run), new JsonObject { ["client_id"] = $"{QueueItem.ProbeClientIdPrefix}{Guid.NewGuid():N}" });
            await http.WaitForHistoryAsync(canary);
            if (kept is not null)
            {
                await http.PostJsonAsync("history", new JsonObject { ["delete"] = new JsonArray(kept) });
            }

            kept = canary;
            counting.Requests.Clear();
            await scraper.ScrapeAsync(default);
            Assert.Equal(["/history?max_items=1", "/history?max_items=2"], counting.Requests.Where(r => r.StartsWith("/history", StringComparison.Ordinal)));
            Assert.Equal(run, state.Snapshot.ProbeCompleted.GetValueOrDefault("success"));

            counting.Requests.Clear();
            await scraper.ScrapeAsync(default);
            Assert.Equal(["/history?max_items=1"], counting.Requests.Where(r => r.StartsWith("/history", StringComparison.Ordinal)));
        }

        Assert.Equal(0, state.Snapshot.Restarts);
        Assert.Equal(0, state.Snapshot.Completed.GetValueOrDefault("success")); // the users' prompts were there before: primed, not counted
    }
}
