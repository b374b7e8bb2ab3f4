using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Collector.State;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>
/// Readiness for gateways: each reason an instance is not ready, driven against the simulator with a fake clock, and the
/// answers of /api/instances/{name}/ready (200, 503, 404) and /api/ready (http_sd JSON of the ready ones).
/// </summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async ValueTask InitializeAsync() => _sim = await SimulatorHost.StartAsync(instances: 3);

    public async ValueTask DisposeAsync() => await _sim.DisposeAsync();

    [Theory]
    [InlineData("up", Readiness.Ready)]
    [InlineData("never read", Readiness.NotScraped)]
    [InlineData("down", Readiness.Down)]
    [InlineData("stalled", Readiness.Stalled)]
    [InlineData("canary failing", Readiness.CanaryFailed)]
    [InlineData("canary failed, then a user's prompt succeeded", Readiness.Ready)]
    [InlineData("canary failed, then a canary succeeded", Readiness.Ready)]
    [InlineData("down and stalled before", Readiness.Down)]
    public async Task EachReasonAnInstanceIsNotReadyIsTold(string shape, string reason)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (scraper, state) = TestScraper.Create("sim", _sim.Url(), time, new CollectorOptions { StallAfter = TimeSpan.FromMinutes(10) });
        using var http = _sim.Http();
        await _sim.SetScenarioAsync(0, "healthy");
        await http.PostJsonAsync("queue", new JsonObject { ["clear"] = true });
        await http.PostJsonAsync("history", new JsonObject { ["clear"] = true });
        if (shape != "never read")
        {
            await scraper.ScrapeAsync(default);
        }

        switch (shape)
        {
            case "down":
                await _sim.SetScenarioAsync(0, "down");
                break;
            case "stalled" or "down and stalled before":
                await _sim.SetScenarioAsync(0, "stuck");
                var id = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(1));
                await http.WaitUntilRunningAsync(id, TimeSpan.FromSeconds(30));
                await scraper.ScrapeAsync(default);
                time.Advance(TimeSpan.FromMinutes(11));
                if (shape == "down and stalled before")
                {
                    await scraper.ScrapeAsync(default);
                    Assert.Equal(Readiness.Stalled, Readiness.Of(state.Snapshot).Reason);
                    await _sim.SetScenarioAsync(0, "down");
                }

                break;
            case "canary failing" or "canary failed, then a user's prompt succeeded" or "canary failed, then a canary succeeded":
                await _sim.SetScenarioAsync(0, "oom");
                await http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(2), extra: Canary());
                await _sim.SetScenarioAsync(0, "healthy");
                if (shape != "canary failing")
                {
                    await scraper.ScrapeAsync(default);
                    Assert.Equal(Readiness.CanaryFailed, Readiness.Of(state.Snapshot).Reason);
                    await http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(3), extra: shape.EndsWith("a canary succeeded", StringComparison.Ordinal) ? Canary() : null);
                }

                break;
        }

        if (shape != "never read")
        {
            await scraper.ScrapeAsync(default);
        }

        var answer = Readiness.Of(state.Snapshot);
        Assert.True(answer.Reason == reason, $"{shape}: {answer.Reason} ({answer.Detail})");
        Assert.Equal(reason == Readiness.Ready, answer.Ready);
        if (reason == Readiness.CanaryFailed)
        {
            Assert.Contains("torch.OutOfMemoryError", answer.Detail, StringComparison.Ordinal);
        }

        await _sim.SetScenarioAsync(0, "healthy");
    }

    [Fact]
    public async Task TheReadyAnswersAre200Or503Or404AndTheReadyListIsHttpSd()
    {
        await using var collector = await CollectorHost.StartAsync([_sim.Url(1), _sim.Url(2)], settings: new Dictionary<string, string?>
        {
            ["ComfyUI:Instances:0:Name"] = "gpu-a",
            ["ComfyUI:Instances:0:Labels:pool"] = "sdxl",
            ["ComfyUI:Instances:0:Labels:comfymonitor_stall_after"] = "30m",
            ["ComfyUI:Instances:1:Name"] = "gpu-b",
        });
        await _sim.SetScenarioAsync(2, "down");
        await collector.WaitForMetricsAsync(m => m.Value("comfyui_up", "gpu-a") == 1 && m.Value("comfyui_up", "gpu-b") == 0, what: "gpu-a up, gpu-b down");

        using var ready = await collector.Http.GetAsync("api/instances/gpu-a/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("no-store", ready.Headers.CacheControl?.ToString());
        var body = (await ready.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("gpu-a", true, "ready"), ((string?)body["instance"], (bool?)body["ready"], (string?)body["reason"]));

        using var down = await collector.Http.GetAsync("api/instances/gpu-b/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        body = (await down.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((false, "down"), ((bool?)body["ready"], (string?)body["reason"]));
        Assert.False(string.IsNullOrEmpty((string?)body["detail"]));

        using var unknown = await collector.Http.GetAsync("api/instances/gpu-z/ready");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("unknown_instance", (string?)(await unknown.Content.ReadFromJsonAsync<JsonObject>())!["reason"]);

        // Only the ready one, as an http_sd target group: host:port, its labels (not the reserved ones), its name, its scheme.
        var groups = (await collector.Http.GetFromJsonAsync<JsonArray>("api/ready"))!;
        var group = Assert.Single(groups)!;
        Assert.Equal([$"127.0.0.1:{_sim.BasePort + 1}"], group["targets"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(new Dictionary<string, string> { ["__scheme__"] = "http", ["comfyui_instance"] = "gpu-a", ["pool"] = "sdxl" },
            group["labels"]!.AsObject().ToDictionary(l => l.Key, l => (string)l.Value!));

        await _sim.SetScenarioAsync(2, "healthy");
        await SimulatorHttp.WaitUntilAsync(async () => (await collector.Http.GetFromJsonAsync<JsonArray>("api/ready"))!.Count == 2, TimeSpan.FromSeconds(30), "gpu-b back in the ready list");
    }

    private static JsonObject Canary() => new() { ["client_id"] = $"{QueueItem.ProbeClientIdPrefix}{Guid.NewGuid():N}" };
}
