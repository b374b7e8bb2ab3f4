using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>
/// Over 1,000 canary runs while users keep submitting and instances keep getting stuck, slow, failing or
/// losing their WebSocket: no user prompt is interrupted or deleted, and the probe's uploads and history
/// entries do not pile up.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class LongRunSafetyTests
{
    private const int Instances = 24;
    private static readonly string[] Faults = ["stuck", "slow", "errors", "no-websocket", "healthy", "healthy"];

    [Fact]
    public async Task AThousandRunsUnderFaultsNeverTouchUserPromptsAndLeaveNothingBehind()
    {
        await using var sim = await SimulatorHost.StartAsync(Instances, new Dictionary<string, string?>
        {
            ["Simulator:NodeTime"] = "00:00:00.020",
            ["Simulator:SlowDelay"] = "00:00:00.300",
        });
        await using var probe = await ProbeHost.StartAsync(Enumerable.Range(0, Instances).Select(sim.Url), TimeSpan.FromSeconds(1), new Dictionary<string, string?>
        {
            ["Probe:Timeout"] = "00:00:01.500",
            ["Probe:MaxQueueWait"] = "00:00:01.500",
            ["Probe:RequestTimeout"] = "00:00:01",
        });

        var users = new ConcurrentDictionary<string, int>(); // prompt id -> instance
        using var stop = new CancellationTokenSource();
        // A user per instance, submitting every 100 ms: an instance that hangs holds up its own user only.
        var traffic = Task.WhenAll(Enumerable.Range(0, Instances).Select(i => Task.Run(async () =>
        {
            using var client = sim.Http(i);
            for (var n = i; !stop.IsCancellationRequested; n += Instances)
            {
                try
                {
                    var (status, body) = await client.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(n), ["client_id"] = "a-user" });
                    if (status == 200 && (string?)body?["prompt_id"] is { } id)
                    {
                        users[id] = i;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                    // the instance is failing right now: users get errors too
                }

                await Task.Delay(100);
            }
        })));
        var chaos = Task.Run(async () =>
        {
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                for (var i = 0; i < Instances; i++)
                {
                    await sim.SetScenarioAsync(i, Faults[(i + round) % Faults.Length]);
                }

                await Task.Delay(TimeSpan.FromSeconds(2.5));
            }
        });

        double Runs(PrometheusText m) => m.Named("comfyui_canary_runs_total").Sum(s => s.Value);
        var metrics = await probe.WaitForMetricsAsync(m => Runs(m) >= 1000 && users.Count >= 500, TimeSpan.FromMinutes(4), "1,000 canary runs beside 500 user prompts");
        await stop.CancelAsync();
        await traffic;
        await chaos;
        for (var i = 0; i < Instances; i++)
        {
            await sim.SetScenarioAsync(i, "healthy");
        }

        // Every user prompt finishes, successfully, once the instances are healthy again (each instance's history and
        // queue read whole, a few times a second, rather than one request per prompt).
        var deadline = DateTime.UtcNow.AddSeconds(120);
        foreach (var group in users.GroupBy(u => u.Value, u => u.Key))
        {
            using var http = sim.Http(group.Key);
            var waiting = group.ToHashSet();
            while (true)
            {
                var (_, queue) = await http.GetJsonAsync("queue");
                var queued = queue!["queue_running"]!.AsArray().Concat(queue["queue_pending"]!.AsArray()).Select(p => (string?)p![1]).ToHashSet();
                var (_, history) = await http.GetJsonAsync("history");
                foreach (var id in waiting.ToList())
                {
                    if (history?[id] is { } found)
                    {
                        Assert.Equal("success", (string?)found["status"]!["status_str"]);
                        waiting.Remove(id);
                    }
                    else
                    {
                        // Read after the queue: a prompt that left the queue in between is in the history by now.
                        Assert.True(queued.Contains(id) || (await http.GetJsonAsync($"history/{id}")).Body?[id] is not null,
                            $"user prompt {id} on instance {group.Key} is neither queued nor in the history: it was deleted");
                    }
                }

                if (waiting.Count == 0)
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"{waiting.Count} user prompts on instance {group.Key} never finished, e.g. {waiting.First()}");
                await Task.Delay(250);
            }
        }

        // The probe leaves, per instance, its newest canary (kept for the collector's restart count) and the entries of
        // the runs in flight, at most one per canary (the earlier ones are deleted by the next runs, now that the instances
        // answer again: a thousand runs leave no pile), and only its three fixed input files (overwritten each run).
        async Task<List<string>> LeftoverAsync()
        {
            var leftover = new List<string>();
            for (var i = 0; i < Instances; i++)
            {
                using var http = sim.Http(i);
                var (_, history) = await http.GetJsonAsync("history");
                leftover.AddRange(history!.AsObject().Where(e => ((string?)e.Value!["prompt"]![3]!["client_id"])?.StartsWith("comfymonitor-probe-", StringComparison.Ordinal) == true)
                    .Select(e => $"{i}:{e.Key}:{e.Value!["status"]!["status_str"]}"));
            }

            return leftover;
        }

        const int PerInstance = 1 + 3; // the kept canary, and one run in flight of each built-in canary
        bool PiledUp(List<string> entries) => entries.Count > 2 * Instances || entries.GroupBy(e => e.Split(':')[0]).Any(g => g.Count() > PerInstance);
        var left = await LeftoverAsync();
        for (var wait = DateTime.UtcNow.AddSeconds(60); PiledUp(left) && DateTime.UtcNow < wait; left = await LeftoverAsync())
        {
            await Task.Delay(250);
        }

        Assert.False(PiledUp(left), $"{Runs(metrics)} runs left {left.Count} history entries: {string.Join(", ", left.Take(20))}");
        for (var i = 0; i < Instances; i++)
        {
            var input = sim.Fleet.Instances[i].Files.Folder("input");
            var inputs = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(input, f)).ToHashSet();
            Assert.Subset(new HashSet<string> { "monitoring/canary_probe.png", "monitoring/canary_mask_source.png", "monitoring/canary_masked.png" }, inputs);
        }

        Assert.True(metrics.Named("comfyui_canary_runs_total").Where(s => s.Labels["result"] == "failure").Sum(s => s.Value) > 50, "the faults never failed a canary");
    }
}
