using ComfyMonitor.Testing;

namespace ComfyMonitor.Simulator.Tests;

/// <summary>
/// The simulator's own traffic (--workload, --history-fill) goes through the same validation and execution as a
/// prompt received over HTTP, and keeps the simulator running: its graphs are built in C#, where a number built as an
/// int is not readable as the long every parsed JSON number is (this once stopped the whole simulator at its first
/// background prompt, the AppHost's demo fleet included).
/// </summary>
public sealed class WorkloadTests
{
    [Fact]
    public async Task BackgroundPromptsRunAndTheSimulatorKeepsServing()
    {
        await using var sim = await SimulatorHost.StartAsync(2, new Dictionary<string, string?>
        {
            ["Simulator:Workload"] = "600", // ten a second: every tick submits to every instance
            ["Simulator:NodeTime"] = "00:00:00.020",
        });
        using var http = sim.Http(0);
        // Three finished, one of them a success (7 % of the workload's prompts fail or are interrupted on purpose).
        await SimulatorHttp.WaitUntilAsync(async () => (await http.GetJsonAsync("history")).Body!.AsObject() is var history
            && history.Count >= 3 && history.Any(e => (string?)e.Value!["status"]!["status_str"] == "success"), TimeSpan.FromSeconds(30), "three background prompts in the history, one a success");
        Assert.Equal(200, (await http.GetJsonAsync("system_stats")).Status);
        using var other = sim.Http(1);
        Assert.Equal(200, (await other.GetJsonAsync("queue")).Status);
    }

    [Fact]
    public async Task AMixedFleetRunsLongVideoJobsWithPromptsPendingOnItsOddInstancesAndImagesOnTheOthers()
    {
        await using var sim = await SimulatorHost.StartAsync(2, new Dictionary<string, string?>
        {
            ["Simulator:Workload"] = "600",
            ["Simulator:WorkloadProfile"] = "mixed",
            ["Simulator:VideoJobTime"] = "00:00:02",
            ["Simulator:NodeTime"] = "00:00:00.020",
        });
        using var video = sim.Http(1);
        using var image = sim.Http(0);

        // The video instance: a long job runs with two users' prompts pending behind it, never more.
        await SimulatorHttp.WaitUntilAsync(async () => (await video.GetJsonAsync("queue")).Body!["queue_pending"]!.AsArray().Count == 2, TimeSpan.FromSeconds(30), "two video prompts pending");
        await SimulatorHttp.WaitUntilAsync(async () => (await video.GetJsonAsync("history")).Body!.AsObject().Count >= 1, TimeSpan.FromSeconds(30), "a video job finished");
        for (var i = 0; i < 10; i++)
        {
            Assert.InRange((await video.GetJsonAsync("queue")).Body!["queue_pending"]!.AsArray().Count, 0, 2);
            await Task.Delay(100);
        }

        // Its jobs ran 0.4 to 1.6 times --video-job-time in the sampler (plus the other nodes' few milliseconds), and
        // reported their steps.
        var job = (await video.GetJsonAsync("history")).Body!.AsObject().First().Value!;
        var messages = job["status"]!["messages"]!.AsArray();
        var ms = (long)messages.Last()![1]!["timestamp"]! - (long)messages.First(m => (string?)m![0] == "execution_start")![1]!["timestamp"]!;
        Assert.InRange(ms, 800, 3200 + 1000);
        Assert.Equal("EmptyHunyuanLatentVideo", (string?)job["prompt"]![2]!["5"]!["class_type"]);

        // The image instance keeps to its short text-to-image prompts.
        await SimulatorHttp.WaitUntilAsync(async () => (await image.GetJsonAsync("history")).Body!.AsObject().Count >= 3, TimeSpan.FromSeconds(30), "image prompts finished");
        Assert.All((await image.GetJsonAsync("history")).Body!.AsObject(), e => Assert.Equal("EmptyLatentImage", (string?)e.Value!["prompt"]![2]!["5"]!["class_type"]));
    }

    [Fact]
    public async Task AFilledHistoryIsServedAndPaged()
    {
        await using var sim = await SimulatorHost.StartAsync(1, new Dictionary<string, string?> { ["Simulator:HistoryFill"] = "5" });
        using var http = sim.Http(0);
        Assert.Equal(5, (await http.GetJsonAsync("history")).Body!.AsObject().Count);
        Assert.Equal(2, (await http.GetJsonAsync("history?max_items=2")).Body!.AsObject().Count);
        Assert.Equal(200, (await http.GetJsonAsync("api/jobs?limit=3")).Status);
    }
}
