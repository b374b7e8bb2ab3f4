using System.Text.Json.Nodes;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.Running;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>The probe never disturbs users' work: on timeout it removes only its own prompt.</summary>
public sealed class SafetyTests : IAsyncLifetime
{
    private RunnerFixture _f = null!;

    /// <summary>Past Probe:MaxQueueWait behind a user's prompt; a timeout long enough that only the queue wait can end the run.</summary>
    private static readonly ProbeOptions QueueWait = new()
    {
        // The stuck prompt ahead is past the instance's stall window (1 s) when the wait runs out: queue_wait, not deferred.
        Timeout = TimeSpan.FromMinutes(1), MaxQueueWait = TimeSpan.FromSeconds(2), RequestTimeout = TimeSpan.FromSeconds(10), StallAfter = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// A run that must end in a timeout while its prompt runs: short enough to keep the tests quick, with requests
    /// (submit, the queue reads, the clean-up's /system_stats) that a loaded machine still answers in time.
    /// </summary>
    private static readonly ProbeOptions Stuck = new()
    {
        Timeout = TimeSpan.FromSeconds(6), MaxQueueWait = TimeSpan.FromSeconds(6), RequestTimeout = TimeSpan.FromSeconds(5),
    };

    public async ValueTask InitializeAsync() => _f = await RunnerFixture.StartAsync();

    public async ValueTask DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task PastMaxQueueWaitAUsersRunningPromptIsNeverInterruptedAndTheProbesPendingPromptIsRemoved()
    {
        await _f.Sim.SetScenarioAsync(0, "stuck");
        using var http = _f.Sim.Http();
        var (_, user) = await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(7), ["client_id"] = "a-user" });
        var userId = (string)user!["prompt_id"]!;
        await http.WaitUntilRunningAsync(userId, TimeSpan.FromSeconds(10)); // the worker takes it before the probe comes

        var run = await _f.RunAsync(new RenderCanary(), QueueWait);
        Assert.Equal("queue_wait", run.Reason); // it waited behind the user's prompt for Probe:MaxQueueWait
        Assert.Contains("removed the probe's pending prompt", run.Detail);

        var (_, queue) = await http.GetJsonAsync("queue");
        Assert.Equal(userId, (string?)queue!["queue_running"]![0]![1]);
        Assert.Empty(queue["queue_pending"]!.AsArray());
        Assert.Empty((await http.GetJsonAsync($"history/{userId}")).Body!.AsObject());
        await _f.Sim.SetScenarioAsync(0, "healthy");
        await http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(8)); // the user's prompt finishes normally
        Assert.Equal("success", (string?)(await http.GetJsonAsync($"history/{userId}")).Body![userId]!["status"]!["status_str"]);
    }

    [Fact]
    public async Task OnTimeoutTheProbesOwnRunningPromptIsInterruptedByItsId()
    {
        await _f.Sim.SetScenarioAsync(0, "stuck");
        var run = await _f.RunAsync(new RenderCanary(), Stuck);
        Assert.Equal("timeout", run.Reason);
        Assert.Contains("interrupted the probe's own running prompt", run.Detail);
        using var http = _f.Sim.Http();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await http.GetJsonAsync("queue")).Body!["queue_running"]!.AsArray().Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the probe's prompt kept running");
            await Task.Delay(50);
        }

        await _f.Sim.SetScenarioAsync(0, "healthy");
    }

    [Fact]
    public async Task OnAServerWithoutTargetedInterruptTheProbeInterruptsNothing()
    {
        using var version = await _f.Sim.Control.PutAsync("instances/0/version/0.3.40", null);
        await _f.Sim.SetScenarioAsync(0, "stuck");
        var run = await _f.RunAsync(new RenderCanary(), Stuck);
        Assert.Equal("timeout", run.Reason);
        Assert.Contains("cannot interrupt by prompt id, so the probe did not interrupt anything", run.Detail);
        using var http = _f.Sim.Http();
        Assert.Single((await http.GetJsonAsync("queue")).Body!["queue_running"]!.AsArray());
        await _f.Sim.SetScenarioAsync(0, "healthy");
        using var back = await _f.Sim.Control.PutAsync("instances/0/version/0.8.0", null);
    }

    [Theory]
    [InlineData("0.8.0", true)]
    [InlineData("0.3.57", true)]
    [InlineData("0.3.56", false)]
    [InlineData("v0.2.2-87-gd854ed0", false)]
    [InlineData("unknown", false)]
    [InlineData(null, false)]
    public void TargetedInterruptIsKnownFromTheVersion(string? version, bool supported) =>
        Assert.Equal(supported, CleanupPolicy.SupportsTargetedInterrupt(version));
}
