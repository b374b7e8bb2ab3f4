using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ComfyMonitor.ComfyApi.Imaging;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Simulator.Tests;

/// <summary>Each scenario of DESIGN.md does what docs/simulator.md says, and the instance recovers from it.</summary>
public sealed class ScenarioTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private HttpClient _http = null!;
    private HttpClient _healthy = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync(instances: 2);
        _http = _sim.Http();
        _healthy = _sim.Http(1);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        _healthy.Dispose();
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task DownRefusesConnectionsUntilTheInstanceComesBack()
    {
        await _sim.SetScenarioAsync(0, "down");
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync("system_stats"));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException).SocketErrorCode);
        Assert.Equal(200, (await _healthy.GetJsonAsync("system_stats")).Status);

        await _sim.SetScenarioAsync(0, "healthy");
        Assert.Equal(200, (await _http.GetJsonAsync("system_stats")).Status);
    }

    [Fact]
    public async Task HangAcceptsButNeverAnswers()
    {
        await _sim.SetScenarioAsync(0, "hang");
        using var quick = new HttpClient { BaseAddress = _sim.Url(), Timeout = TimeSpan.FromMilliseconds(800) };
        await Assert.ThrowsAsync<TaskCanceledException>(() => quick.GetAsync("system_stats"));
        Assert.Equal(200, (await _healthy.GetJsonAsync("system_stats")).Status);
        await _sim.SetScenarioAsync(0, "healthy");
        Assert.Equal(200, (await _http.GetJsonAsync("system_stats")).Status);
    }

    [Fact]
    public async Task SlowDelaysEveryAnswer()
    {
        await _sim.SetScenarioAsync(0, "slow");
        var watch = Stopwatch.StartNew();
        Assert.Equal(200, (await _http.GetJsonAsync("queue")).Status);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"answered in {watch.Elapsed}");
        await _sim.SetScenarioAsync(0, "healthy");
    }

    [Fact]
    public async Task ErrorsAnswer500WithAPlainTextBody()
    {
        await _sim.SetScenarioAsync(0, "errors");
        using var response = await _http.GetAsync("system_stats");
        Assert.Equal(500, (int)response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        await _sim.SetScenarioAsync(0, "healthy");
    }

    [Fact]
    public async Task GarbageAnswers200WithABodyThatIsNotJson()
    {
        await _sim.SetScenarioAsync(0, "garbage");
        using var response = await _http.GetAsync("system_stats");
        Assert.Equal(200, (int)response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonNode.Parse(body));
        await _sim.SetScenarioAsync(0, "healthy");
    }

    [Fact]
    public async Task StuckKeepsTheRunningPromptForeverAndResumesAfterwards()
    {
        await _sim.SetScenarioAsync(0, "stuck");
        var (_, submitted) = await _http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSave });
        var id = (string)submitted!["prompt_id"]!;
        await _http.StaysRunningAsync(id);
        Assert.Empty((await _http.GetJsonAsync($"history/{id}")).Body!.AsObject());
        Assert.Equal(200, (await _http.GetJsonAsync("system_stats")).Status);

        await _sim.SetScenarioAsync(0, "healthy");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await _http.GetJsonAsync($"history/{id}")).Body![id] is null)
        {
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task OomFailsPromptsWithTorchOutOfMemoryAndEmptiesVram()
    {
        await _sim.SetScenarioAsync(0, "oom");
        var entry = await _http.RunAsync(CanaryFiles.EmptyImageSave);
        Assert.Equal("error", (string?)entry["status"]!["status_str"]);
        var error = entry["status"]!["messages"]!.AsArray()[^1]!;
        Assert.Equal("execution_error", (string?)error[0]);
        Assert.Equal("torch.OutOfMemoryError", (string?)error[1]!["exception_type"]);
        Assert.Equal("EmptyImage", (string?)error[1]!["node_type"]);
        var device = (await _http.GetJsonAsync("system_stats")).Body!["devices"]![0]!;
        Assert.True((long)device["vram_free"]! < (long)device["vram_total"]! / 100);
        await _sim.SetScenarioAsync(0, "healthy");
        Assert.Equal("success", (string?)(await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(99)))["status"]!["status_str"]);
    }

    [Fact]
    public async Task VramLeakShrinksFreeVramWithEveryPrompt()
    {
        await _sim.SetScenarioAsync(0, "vram-leak");
        var before = await VramFree();
        for (var i = 0; i < 3; i++)
        {
            await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(1000 + i));
        }

        var after = await VramFree();
        Assert.True(after < before - (500L << 20), $"free VRAM went from {before} to {after}");
        await _sim.SetScenarioAsync(0, "healthy");
    }

    [Fact]
    public async Task WrongPixelsWritesImagesThatDoNotMatchTheRequest()
    {
        await _sim.SetScenarioAsync(0, "wrong-pixels");
        var graph = CanaryFiles.EmptyImageSaveWithColour(0x102030);
        var entry = await _http.RunAsync(graph);
        var image = entry["outputs"]!["2"]!["images"]![0]!;
        var png = Png.Decode(await _http.GetByteArrayAsync($"view?filename={image["filename"]}&subfolder={image["subfolder"]}&type=output"));
        Assert.NotEqual((byte)0x10, png[0, 0].R);
        await _sim.SetScenarioAsync(0, "healthy");
    }

    [Fact]
    public async Task BrokenHistoryFailsOnlyTheHistoryRoutes()
    {
        await _sim.SetScenarioAsync(0, "broken-history");
        Assert.Equal(500, (await _http.GetJsonAsync("history?max_items=1")).Status);
        Assert.Equal(500, (await _http.GetJsonAsync("api/history/x")).Status);
        Assert.Equal(200, (await _http.GetJsonAsync("system_stats")).Status);
        Assert.Equal(200, (await _http.GetJsonAsync("queue")).Status);
        await _sim.SetScenarioAsync(0, "healthy");
    }

    [Fact]
    public async Task RestartLosesQueueHistoryAndTempFilesLikeARealServer()
    {
        await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(5));
        var preview = await _http.RunAsync(new System.Text.Json.Nodes.JsonObject
        {
            ["1"] = new System.Text.Json.Nodes.JsonObject { ["class_type"] = "EmptyImage", ["inputs"] = new System.Text.Json.Nodes.JsonObject { ["width"] = 8, ["height"] = 8, ["batch_size"] = 1, ["color"] = 7 } },
            ["2"] = new System.Text.Json.Nodes.JsonObject { ["class_type"] = "PreviewImage", ["inputs"] = new System.Text.Json.Nodes.JsonObject { ["images"] = new System.Text.Json.Nodes.JsonArray("1", 0) } },
        });
        var temp = $"view?filename={preview["outputs"]!["2"]!["images"]![0]!["filename"]}&type=temp";
        Assert.Equal(200, (int)(await _http.GetAsync(temp)).StatusCode);
        Assert.NotEmpty((await _http.GetJsonAsync("history")).Body!.AsObject());
        using var restart = await _sim.Control.PostAsync("instances/0/restart", null);
        Assert.Equal(200, (int)restart.StatusCode);
        var answer = System.Text.Json.Nodes.JsonNode.Parse(await restart.Content.ReadAsStringAsync())!.AsArray();
        Assert.Equal(0, (int)answer.Single()!["index"]!);
        Assert.Equal(_sim.Fleet.Instances[0].Restarts, (int)answer.Single()!["restarts"]!);
        Assert.True(_sim.Fleet.Instances[0].Restarts >= 1);
        Assert.Empty((await _http.GetJsonAsync("history")).Body!.AsObject());
        Assert.Equal(404, (int)(await _http.GetAsync(temp)).StatusCode);

        // Prompts are numbered from 0 again, as a restarted server's are (what tells the collector of a restart).
        var (_, first) = await _http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(9) });
        Assert.Equal(0, (double)first!["number"]!);
    }

    private async Task<long> VramFree() => (long)(await _http.GetJsonAsync("system_stats")).Body!["devices"]![0]!["vram_free"]!;
}
