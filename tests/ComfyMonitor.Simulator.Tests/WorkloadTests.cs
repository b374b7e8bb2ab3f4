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
    public async Task AFilledHistoryIsServedAndPaged()
    {
        await using var sim = await SimulatorHost.StartAsync(1, new Dictionary<string, string?> { ["Simulator:HistoryFill"] = "5" });
        using var http = sim.Http(0);
        Assert.Equal(5, (await http.GetJsonAsync("history")).Body!.AsObject().Count);
        Assert.Equal(2, (await http.GetJsonAsync("history?max_items=2")).Body!.AsObject().Count);
        Assert.Equal(200, (await http.GetJsonAsync("api/jobs?limit=3")).Status);
    }
}
