using System.Text.Json.Nodes;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.Running;
using ComfyMonitor.Simulator.Workload;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Probe.Tests;

/// <summary>
/// A GPU busy with users' long prompts is healthy: Probe:Timeout counts from the moment the canary's prompt starts
/// executing, so canaries that wait behind longer prompts still pass; only a worker that never gets to them fails them,
/// with reason queue_wait after Probe:MaxQueueWait.
/// </summary>
public sealed class BusyWorkerTests : IAsyncLifetime
{
    /// <summary>Each model node of a user's txt2img takes this long: the whole prompt about 15 s, three times the timeout.</summary>
    private static readonly TimeSpan NodeTime = TimeSpan.FromSeconds(2.5);

    private SimulatorHost _sim = null!;

    public async ValueTask InitializeAsync() =>
        _sim = await SimulatorHost.StartAsync(settings: new Dictionary<string, string?> { ["Simulator:NodeTime"] = NodeTime.ToString("c") });

    public async ValueTask DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task UserPromptsLongerThanTheTimeoutKeepTheWorkerBusyAndEveryCanaryStillPasses()
    {
        using var http = _sim.Http();
        // Long enough for each stage of a run that must pass (uploads and submit, the first queue read, execution to
        // the output) on a loaded machine; the user's prompt is still three times longer.
        var timeout = TimeSpan.FromSeconds(5);
        var runner = Runner(timeout, maxQueueWait: TimeSpan.FromSeconds(90));
        var endpoint = new ComfyApi.ComfyEndpoint("busy", _sim.Url());
        var client = ComfyApi.ComfyClientFactory.Create(endpoint, new ComfyApi.ComfyClientOptions { Timeout = TimeSpan.FromSeconds(5) });

        var users = new List<string>();
        foreach (var canary in new Canary[] { new RenderCanary(), new UploadCanary(), new MaskCanary() })
        {
            // A user's prompt runs, longer than Probe:Timeout, when the canary comes.
            var (_, user) = await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = WorkloadService.Txt2Img(succeeds: true)["prompt"]!.DeepClone(), ["client_id"] = "a-user" });
            users.Add((string)user!["prompt_id"]!);
            await http.StaysRunningAsync(users[^1], readings: 1);

            var run = await runner.RunAsync(endpoint, client, canary, CancellationToken.None);
            Assert.True(run.Success, $"{canary.Name}: {run.Reason} {run.Detail}");
            Assert.True(run.Phases["queue_wait"] > timeout.TotalSeconds / 2, $"{canary.Name} waited only {run.Phases["queue_wait"]} s behind the user's prompt");
            Assert.True(run.Phases["total"] > timeout.TotalSeconds, $"{canary.Name} took {run.Phases["total"]} s in all: the user's prompt was not longer than the timeout");
        }

        // The users' prompts all finished, none interrupted.
        foreach (var id in users)
        {
            var entry = await WaitForHistoryAsync(http, id);
            Assert.Equal("success", (string?)entry["status"]!["status_str"]);
        }
    }

    [Fact]
    public async Task OnAStuckWorkerTheCanaryFailsWithQueueWaitAndTheUsersPromptKeepsRunning()
    {
        using var http = _sim.Http();
        await _sim.SetScenarioAsync(0, "stuck");
        var (_, user) = await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(9), ["client_id"] = "a-user" });
        var userId = (string)user!["prompt_id"]!;
        await http.StaysRunningAsync(userId, readings: 1);

        // The prompt ahead is past the instance's stall window (1 s) when the wait (2 s) runs out: not healthy work.
        var runner = Runner(timeout: TimeSpan.FromSeconds(30), maxQueueWait: TimeSpan.FromSeconds(2), stallAfter: TimeSpan.FromSeconds(1));
        var endpoint = new ComfyApi.ComfyEndpoint("stuck", _sim.Url());
        var run = await runner.RunAsync(endpoint, ComfyApi.ComfyClientFactory.Create(endpoint, new ComfyApi.ComfyClientOptions { Timeout = TimeSpan.FromSeconds(5) }), new RenderCanary(), CancellationToken.None);
        Assert.False(run.Success);
        Assert.Equal("queue_wait", run.Reason);
        // The whole Probe:MaxQueueWait, give or take the timer's resolution.
        Assert.True(run.Phases["queue_wait"] >= 1.9, $"queue_wait phase {run.Phases.GetValueOrDefault("queue_wait")} s");
        Assert.True(run.Phases["total"] < 30, "the run waited for Probe:Timeout instead of Probe:MaxQueueWait");
        Assert.Contains("removed the probe's pending prompt", run.Detail);
        Assert.Contains("past the instance's stall window of 1 s", run.Detail);
        await http.StaysRunningAsync(userId, readings: 5);

        await _sim.SetScenarioAsync(0, "healthy");
        Assert.Equal("success", (string?)(await WaitForHistoryAsync(http, userId))["status"]!["status_str"]);
    }

    [Fact]
    public async Task BehindAHealthyLongJobTheCanaryIsDeferredAndBehindOnePastTheStallWindowItFails()
    {
        // A video job of a minute runs; the instance's stall window is 6 s (its target label or pool says so), the
        // canary's wait 2 s. The first run waits out behind a job seen running for ~2 s: deferred, neither success nor
        // failure. The probe remembers the job: a later run behind it, once it has run past 6 s, fails with queue_wait.
        using var http = _sim.Http();
        var (_, user) = await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = WorkloadService.Video(TimeSpan.FromMinutes(1))["prompt"]!.DeepClone(), ["client_id"] = "a-user" });
        var userId = (string)user!["prompt_id"]!;
        await http.StaysRunningAsync(userId, readings: 1);

        var options = Options.Create(new ProbeOptions { Timeout = TimeSpan.FromSeconds(30), MaxQueueWait = TimeSpan.FromMinutes(15), RequestTimeout = TimeSpan.FromSeconds(5) });
        var runner = new CanaryRunner(options, TimeProvider.System);
        var endpoint = new ComfyApi.ComfyEndpoint("video", _sim.Url());
        var instance = new State.ProbedInstance(endpoint, ComfyApi.ComfyClientFactory.Create(endpoint, new ComfyApi.ComfyClientOptions { Timeout = TimeSpan.FromSeconds(5) }), 10,
            new Discovery.TargetExpectations(StallAfter: TimeSpan.FromSeconds(6), BacklogAfter: null, MaxQueueWait: TimeSpan.FromSeconds(2)));

        var deferred = await runner.RunAsync(instance, new RenderCanary(), CancellationToken.None);
        Assert.True(deferred.Deferred, $"{deferred.Result} {deferred.Reason}: {deferred.Detail}");
        Assert.Equal(("deferred", "busy"), (deferred.Result, deferred.Reason));
        Assert.Contains("within the instance's stall window of 6 s", deferred.Detail);
        Assert.Contains("removed the probe's pending prompt", deferred.Detail);
        Assert.True(deferred.Phases["queue_wait"] >= 1.9, $"waited {deferred.Phases["queue_wait"]} s, not the instance's 2 s");
        var status = instance.Status("render");
        status.Record(deferred);
        Assert.Null(status.LastSuccess); // a deferred run says nothing either way
        Assert.Equal(1, status.Runs()[("deferred", "busy")]);

        // Only the user's job is left in the queue: the canary took its prompt out.
        var queue = (await http.GetJsonAsync("queue")).Body!;
        Assert.Equal(userId, (string?)queue["queue_running"]![0]![1]);
        Assert.Empty(queue["queue_pending"]!.AsArray());

        await SimulatorHttp.WaitUntilAsync(async () => { await Task.Delay(500); return instance.Busy.SeenRunningFor(userId) >= TimeSpan.FromSeconds(4.5); }, TimeSpan.FromSeconds(30), "time passes");
        var failed = await runner.RunAsync(instance, new RenderCanary(), CancellationToken.None);
        Assert.Equal(("failure", "queue_wait"), (failed.Result, failed.Reason));
        Assert.Contains("past the instance's stall window of 6 s", failed.Detail);
        await http.StaysRunningAsync(userId, readings: 2);
        await http.PostJsonAsync("interrupt", new JsonObject { ["prompt_id"] = userId });
    }

    private static CanaryRunner Runner(TimeSpan timeout, TimeSpan maxQueueWait, TimeSpan? stallAfter = null) =>
        new(Options.Create(new ProbeOptions
        {
            Timeout = timeout, MaxQueueWait = maxQueueWait, RequestTimeout = TimeSpan.FromSeconds(5), StallAfter = stallAfter ?? TimeSpan.FromMinutes(10),
        }), TimeProvider.System);

    private static async Task<JsonNode> WaitForHistoryAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            if ((await http.GetJsonAsync($"history/{id}")).Body?[id] is { } entry)
            {
                return entry;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{id} never finished");
            await Task.Delay(100);
        }
    }
}
