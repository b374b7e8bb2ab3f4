using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>
/// Without the probe and without users, nothing tells a restart: ComfyUI exposes no process start time, and the prompt
/// numbers that show one come only with prompts. Such a restart is not counted (never a false count), and is counted
/// with the first prompt after it (docs/operating.md, on-call context).
/// </summary>
public sealed class UnseenRestartTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private CollectorHost _collector = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync();
        _collector = await CollectorHost.StartAsync([_sim.Url()]);
    }

    public async ValueTask DisposeAsync()
    {
        await _collector.DisposeAsync();
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task ARestartOfAnIdleInstanceWithoutTheProbeIsUnseenUntilTheNextPrompt()
    {
        var name = $"127.0.0.1:{_sim.BasePort}";
        await SimulatorHttp.WaitUntilAsync(() => Task.FromResult(_collector.Fleet.Scrapers.Any(s => s.State.HistoryPrimed)), TimeSpan.FromSeconds(60), "the history primed");
        using var http = _sim.Http();
        await http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(1));
        await _collector.WaitForMetricsAsync(m => m.Value("comfyui_prompts_completed_total", name, ("status", "success")) == 1, what: "the user's prompt counted");

        using (var restart = await _sim.Control.PostAsync("instances/0/restart", null))
        {
            restart.EnsureSuccessStatusCode();
        }

        await _collector.HoldsForCyclesAsync(name, 8, m => m.Value("comfyui_restarts_total", name) == 0 && m.Value("comfyui_up", name) == 1, "no restart counted while nobody prompts");

        await http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(2));
        await _collector.WaitForMetricsAsync(m => m.Value("comfyui_restarts_total", name) == 1, what: "the restart counted with the next prompt");
    }
}
