using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ComfyMonitor.ComfyApi.Imaging;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Simulator.Tests;

/// <summary>The simulator against the ComfyUI contract: routes, status codes, queue order, history, files.</summary>
public sealed class ContractTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync(instances: 2, new Dictionary<string, string?> { ["Simulator:HistoryCap"] = "5" });
        _http = _sim.Http();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    [Theory]
    [InlineData("system_stats")]
    [InlineData("prompt")]
    [InlineData("queue")]
    [InlineData("history")]
    [InlineData("extensions")]
    [InlineData("object_info")]
    [InlineData("features")]
    [InlineData("embeddings")]
    public async Task EveryRouteAnswersAsItselfAndUnderTheApiMirror(string route)
    {
        var (plain, plainBody) = await _http.GetJsonAsync(route);
        var (mirror, mirrorBody) = await _http.GetJsonAsync("api/" + route);
        Assert.Equal(200, plain);
        Assert.Equal(200, mirror);
        Assert.Equal(plainBody!.GetValueKind(), mirrorBody!.GetValueKind());
    }

    [Fact]
    public async Task SystemStatsHasTheShapeOfARealServer()
    {
        var (_, stats) = await _http.GetJsonAsync("system_stats");
        var system = stats!["system"]!;
        foreach (var key in new[] { "os", "ram_total", "ram_free", "comfyui_version", "python_version", "pytorch_version", "embedded_python", "argv" })
        {
            Assert.NotNull(system[key]);
        }

        var device = Assert.Single(stats["devices"]!.AsArray())!;
        Assert.True((long)device["vram_total"]! >= (long)device["vram_free"]!);
        Assert.True((long)device["torch_vram_total"]! >= (long)device["torch_vram_free"]!);
    }

    [Fact]
    public async Task InstancesListTheirPortsAndEachPortIsItsOwnServer()
    {
        var instances = await _sim.InstancesAsync();
        Assert.Equal([_sim.BasePort, _sim.BasePort + 1], instances.Select(i => i.Port));
        Assert.All(instances, i => Assert.Equal("healthy", i.Scenario));
        using var second = _sim.Http(1);
        await _http.PostJsonAsync("history", new JsonObject { ["clear"] = true });
        await second.RunAsync(CanaryFiles.EmptyImageSave);
        var (_, first) = await _http.GetJsonAsync("history");
        var (_, other) = await second.GetJsonAsync("history");
        Assert.Empty(first!.AsObject());
        Assert.Single(other!.AsObject());
    }

    [Fact]
    public async Task BadPromptsGetTheRealErrorShapes()
    {
        var (status, body) = await _http.PostJsonAsync("prompt", new JsonObject { ["client_id"] = "x" });
        Assert.Equal(400, status);
        Assert.Equal("no_prompt", (string?)body!["error"]!["type"]);

        (status, body) = await _http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = new JsonObject { ["5"] = new JsonObject { ["class_type"] = "FooBarNode", ["inputs"] = new JsonObject() } } });
        Assert.Equal(400, status);
        Assert.Equal("invalid_prompt", (string?)body!["error"]!["type"]);
        Assert.Equal("Cannot execute because node FooBarNode does not exist.", (string?)body["error"]!["message"]);
        Assert.Equal("Node ID '#5'", (string?)body["error"]!["details"]);

        (status, body) = await _http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = new JsonObject { ["1"] = new JsonObject { ["inputs"] = new JsonObject() } } });
        Assert.Equal("Cannot execute because a node is missing the class_type property.", (string?)body!["error"]!["message"]);

        var graph = CanaryFiles.EmptyImageSave;
        graph.Remove("2");
        (status, body) = await _http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = graph });
        Assert.Equal(400, status);
        Assert.Equal("prompt_no_outputs", (string?)body!["error"]!["type"]);

        graph = CanaryFiles.EmptyImageSave;
        graph["1"]!["inputs"]!["width"] = 0;
        (status, body) = await _http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = graph });
        Assert.Equal(400, status);
        Assert.Equal("prompt_outputs_failed_validation", (string?)body!["error"]!["type"]);
        Assert.Equal("", (string?)body["error"]!["details"]);
        Assert.Equal("value_smaller_than_min", (string?)body["node_errors"]!["1"]!["errors"]![0]!["type"]);
        Assert.Equal("Value 0 smaller than min of 1", (string?)body["node_errors"]!["1"]!["errors"]![0]!["message"]);
        Assert.Equal("2", (string?)body["node_errors"]!["1"]!["dependent_outputs"]![0]);

        graph = CanaryFiles.EmptyImageSave;
        ((JsonObject)graph["2"]!["inputs"]!).Remove("images");
        (status, body) = await _http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = graph });
        Assert.Equal("Required input is missing: images", (string?)body!["error"]!["details"]);

        (status, _) = await _http.PostRawAsync("prompt", "{not json");
        Assert.Equal(500, status);
    }

    [Fact]
    public async Task ThePromptCounterGrowsOnRejectedPromptsToo()
    {
        var (_, first) = await _http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSave });
        await _http.PostJsonAsync("prompt", new JsonObject());
        var (_, third) = await _http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSave });
        Assert.Equal((int)first!["number"]! + 2, (int)third!["number"]!);
    }

    [Fact]
    public async Task HistoryIsCappedLikeTheRealServerAndPagesNewestLast()
    {
        await _http.PostJsonAsync("history", new JsonObject { ["clear"] = true });
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var entry = await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(i));
            ids.Add((string)entry["prompt"]![1]!);
        }

        var (_, all) = await _http.GetJsonAsync("history");
        Assert.Equal(ids[^6..], all!.AsObject().Select(p => p.Key)); // the cap is 5: the steady state is cap + 1
        var (_, newest) = await _http.GetJsonAsync("history?max_items=2");
        Assert.Equal(ids[^2..], newest!.AsObject().Select(p => p.Key));
        var (_, page) = await _http.GetJsonAsync("history?max_items=2&offset=1");
        Assert.Equal(ids[3..5], page!.AsObject().Select(p => p.Key));
        var (_, none) = await _http.GetJsonAsync("history?max_items=0");
        Assert.Empty(none!.AsObject());
        var (bad, _) = await _http.GetJsonAsync("history?max_items=ten");
        Assert.Equal(500, bad);
        var (unknown, empty) = await _http.GetJsonAsync("history/no-such-id");
        Assert.Equal(200, unknown);
        Assert.Empty(empty!.AsObject());

        await _http.PostJsonAsync("history", new JsonObject { ["delete"] = new JsonArray(ids[^1]) });
        var (_, after) = await _http.GetJsonAsync("history");
        Assert.DoesNotContain(ids[^1], after!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task QueueRunsByPriorityWithFrontFirstAndDeletesPendingOnly()
    {
        using var http = _sim.Http(1);
        await _sim.SetScenarioAsync(1, "stuck");
        var blocker = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(1));
        await SimulatorHttp.WaitUntilAsync(async () => (await http.GetJsonAsync("queue")).Body!["queue_running"]!.AsArray().Count == 1, TimeSpan.FromSeconds(15));
        var a = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(2));
        var b = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(3));
        var front = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(4), new JsonObject { ["front"] = true });
        var gone = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(5));

        var (_, queue) = await http.GetJsonAsync("queue");
        Assert.Equal(blocker, (string?)queue!["queue_running"]![0]![1]);
        Assert.Equal(4, queue["queue_pending"]!.AsArray().Count);
        Assert.True((double)queue["queue_pending"]!.AsArray().Single(i => (string?)i![1] == front)![0]! < 0);

        await http.PostJsonAsync("queue", new JsonObject { ["delete"] = new JsonArray(gone, blocker) });
        (_, queue) = await http.GetJsonAsync("queue");
        Assert.Equal(blocker, (string?)queue!["queue_running"]![0]![1]); // the running item is untouched
        Assert.Equal(3, queue["queue_pending"]!.AsArray().Count);

        await _sim.SetScenarioAsync(1, "healthy");
        await SimulatorHttp.WaitUntilAsync(async () => (await http.GetJsonAsync("prompt")).Body!["exec_info"]!["queue_remaining"]!.GetValue<int>() == 0, TimeSpan.FromSeconds(15));
        var (_, history) = await http.GetJsonAsync("history");
        Assert.Equal([blocker, front, a, b], history!.AsObject().Select(p => p.Key).TakeLast(4));
    }

    [Fact]
    public async Task InterruptStopsOnlyTheNamedRunningPrompt()
    {
        using var http = _sim.Http(1);
        await _sim.SetScenarioAsync(1, "stuck");
        var running = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(7));
        var pending = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(8));
        await SimulatorHttp.WaitUntilAsync(async () => (await http.GetJsonAsync("queue")).Body!["queue_running"]!.AsArray().Count == 1, TimeSpan.FromSeconds(15));

        await http.PostJsonAsync("interrupt", new JsonObject { ["prompt_id"] = pending }); // pending: a no-op
        await http.StaysRunningAsync(running);

        await http.PostJsonAsync("interrupt", new JsonObject { ["prompt_id"] = running });
        var entry = await http.WaitForHistoryAsync(running, TimeSpan.FromSeconds(15));
        Assert.Equal("error", (string?)entry["status"]!["status_str"]);
        Assert.Equal("execution_interrupted", (string?)entry["status"]!["messages"]!.AsArray()[^1]![0]);
        await _sim.SetScenarioAsync(1, "healthy");
        var next = await http.WaitForHistoryAsync(pending, TimeSpan.FromSeconds(15));
        Assert.Equal("success", (string?)next["status"]!["status_str"]);
        var (get, _) = await http.GetJsonAsync("interrupt");
        Assert.Equal(404, get);
    }

    [Fact]
    public async Task UploadsRenameOnConflictUnlessOverwriteAndKeepIdenticalFiles()
    {
        var a = Png.Encode(new RgbaImage(4, 4));
        var b = Png.Encode(new RgbaImage(5, 5));
        var (s1, r1) = await _http.UploadAsync("upload/image", a, "same.png", "up");
        var (_, r2) = await _http.UploadAsync("upload/image", a, "same.png", "up");
        var (_, r3) = await _http.UploadAsync("upload/image", b, "same.png", "up");
        var (_, r4) = await _http.UploadAsync("upload/image", b, "same.png", "up", overwrite: true);
        Assert.Equal(200, s1);
        Assert.Equal("same.png", (string?)r1!["name"]);
        Assert.Equal("same.png", (string?)r2!["name"]);
        Assert.Equal("same (1).png", (string?)r3!["name"]);
        Assert.Equal("same.png", (string?)r4!["name"]);
        Assert.Equal("up", (string?)r4["subfolder"]);
        Assert.Equal("input", (string?)r4["type"]);

        var (escape, _) = await _http.UploadAsync("upload/image", a, "x.png", "../../etc");
        Assert.Equal(400, escape);
        var (badType, _) = await _http.UploadAsync("upload/image", a, "x.png", type: "elsewhere");
        Assert.Equal(500, badType);
    }

    [Fact]
    public async Task MaskUploadKeepsTheOriginalRgbAndTakesTheMaskAlpha()
    {
        await _http.UploadAsync("upload/image", CanaryFiles.ProbeImage, "canary_probe.png", "monitoring", overwrite: true);
        var (status, body) = await _http.UploadAsync("upload/mask", CanaryFiles.MaskImage, "canary_masked.png", "monitoring", overwrite: true,
            originalRef: "{\"filename\":\"canary_probe.png\",\"subfolder\":\"monitoring\",\"type\":\"input\"}");
        Assert.Equal(200, status);
        var stored = Png.Decode(await _http.GetByteArrayAsync($"view?filename={body!["name"]}&subfolder=monitoring&type=input"));
        var probe = Png.Decode(CanaryFiles.ProbeImage);
        var mask = Png.Decode(CanaryFiles.MaskImage);
        Assert.All(Enumerable.Range(0, 64 * 64), i =>
        {
            var (x, y) = (i % 64, i / 64);
            Assert.Equal((probe[x, y].R, probe[x, y].G, probe[x, y].B, mask[x, y].A), stored[x, y]);
        });

        var (missing, _) = await _http.UploadAsync("upload/mask", CanaryFiles.MaskImage, "m.png", "monitoring", originalRef: null);
        Assert.Equal(500, missing);
    }

    [Theory]
    [InlineData("view?filename=../secret.png", 400)]
    [InlineData("view?filename=/etc/passwd", 400)]
    [InlineData("view?filename=", 400)]
    [InlineData("view?filename=a.png&type=elsewhere", 400)]
    [InlineData("view?filename=a.png&subfolder=../../..", 403)]
    [InlineData("view", 404)]
    [InlineData("view?filename=nope.png", 404)]
    public async Task ViewRejectsTraversalAndUnknownFilesWithTheRealStatusCodes(string path, int expected)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(expected, (int)response.StatusCode);
    }

    [Fact]
    public async Task ScenariosSwitchThroughTheControlApiAndUnknownOnesAreRejected()
    {
        using var bad = await _sim.Control.PostAsync("instances/0/scenario/melting", null);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var missing = await _sim.Control.PostAsync("instances/99/scenario/healthy", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var all = await _sim.Control.PostAsync("instances/all/scenario/slow", null);
        Assert.Equal(HttpStatusCode.NoContent, all.StatusCode);
        Assert.All(await _sim.InstancesAsync(), i => Assert.Equal("slow", i.Scenario));
        using var back = await _sim.Control.PostAsync("instances/all/scenario/healthy", null);
        Assert.All(await _sim.InstancesAsync(), i => Assert.Equal("healthy", i.Scenario));
    }
}
