using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Simulator.Tests;

/// <summary>
/// What depends on the ComfyUI version follows the version an instance reports (the API reference's version table), and a
/// few answers checked against a real 0.3.64 beyond the recorded exchanges.
/// </summary>
public sealed class VersionTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async ValueTask InitializeAsync() => _sim = await SimulatorHost.StartAsync(instances: 3);

    public async ValueTask DisposeAsync() => await _sim.DisposeAsync();

    [Theory]
    [InlineData("0.3.64", false, false, false)]
    [InlineData("0.3.69", true, false, false)]
    [InlineData("0.4.0", true, true, false)]
    [InlineData("0.6.0", true, true, true)]
    [InlineData("0.8.0", true, true, true)]
    public async Task CreateTimeFeaturesAndTheJobsApiComeWithTheirReleases(string version, bool createTime, bool extensionFlags, bool jobs)
    {
        await SetVersionAsync(0, version);
        using var http = _sim.Http(0);
        var id = await RunAsync(http, CanaryFiles.EmptyImageSaveWithColour(0x123456));
        var (_, history) = await http.GetJsonAsync($"history/{id}");
        Assert.Equal(createTime, history![id]!["prompt"]![3]!.AsObject().ContainsKey("create_time"));

        var (_, features) = await http.GetJsonAsync("features");
        Assert.Equal(extensionFlags, features!.AsObject().ContainsKey("extension"));
        var (_, stats) = await http.GetJsonAsync("system_stats");
        Assert.Equal(extensionFlags ? "linux" : "posix", (string?)stats!["system"]!["os"]);

        using var list = await http.GetAsync("api/jobs");
        Assert.Equal(jobs ? 200 : 404, (int)list.StatusCode);
        using var plain = await http.GetAsync("jobs");
        Assert.Equal(404, (int)plain.StatusCode);
    }

    [Fact]
    public async Task TheJobsApiListsQueueAndHistoryAndRejectsBadQueries()
    {
        await SetVersionAsync(1, "0.8.0");
        using var http = _sim.Http(1);
        var done = await RunAsync(http, CanaryFiles.EmptyImageSaveWithColour(0x00FF00));
        await _sim.SetScenarioAsync(1, "stuck");
        var running = await Submit(http, CanaryFiles.EmptyImageSaveWithColour(0x0000FF));
        await http.WaitUntilRunningAsync(running, TimeSpan.FromSeconds(30)); // the worker takes it a moment after the answer
        var pending = await Submit(http, CanaryFiles.EmptyImageSaveWithColour(0xFF0000));
        try
        {
            var (_, all) = await http.GetJsonAsync("api/jobs?sort_order=asc");
            var statuses = all!["jobs"]!.AsArray().ToDictionary(j => (string)j!["id"]!, j => (string?)j!["status"]);
            Assert.Equal("completed", statuses[done]);
            Assert.Equal("in_progress", statuses[running]);
            Assert.Equal("pending", statuses[pending]);
            Assert.Equal(3, (int)all["pagination"]!["total"]!);
            Assert.Null(all["pagination"]!["limit"]);

            var (_, page) = await http.GetJsonAsync("api/api/jobs?status=pending,in_progress&limit=1");
            Assert.Single(page!["jobs"]!.AsArray());
            Assert.True((bool)page["pagination"]!["has_more"]!);

            var (_, detail) = await http.GetJsonAsync($"api/jobs/{done}");
            Assert.Equal(1, (int)detail!["outputs_count"]!);
            Assert.Equal("images", (string?)detail["preview_output"]!["mediaType"]);
            Assert.Equal("success", (string?)detail["execution_status"]!["status_str"]);
            Assert.NotNull(detail["workflow"]!["prompt"]);
            Assert.True((long)detail["execution_end_time"]! >= (long)detail["execution_start_time"]!);

            var (notFound, missing) = await http.GetJsonAsync("api/jobs/no-such-job");
            Assert.Equal(404, notFound);
            Assert.Equal("Job not found", (string?)missing!["error"]);
            var (badStatus, bad) = await http.GetJsonAsync("api/jobs?status=done");
            Assert.Equal(400, badStatus);
            Assert.Equal("Invalid status value(s): done. Valid values: pending, in_progress, completed, failed", (string?)bad!["error"]);
            Assert.Equal(400, (await http.GetJsonAsync("api/jobs?limit=0")).Status);
        }
        finally
        {
            await _sim.SetScenarioAsync(1, "healthy");
        }
    }

    [Theory]
    [InlineData("0.3.56", true)]
    [InlineData("0.3.57", false)]
    public async Task AnInterruptNamingAnotherPromptStopsTheRunningOneOnlyBefore0357(string version, bool interrupted)
    {
        await SetVersionAsync(2, version);
        using var http = _sim.Http(2);
        await _sim.SetScenarioAsync(2, "stuck");
        try
        {
            var running = await Submit(http, CanaryFiles.EmptyImageSaveWithColour(0x010203));
            await http.WaitUntilRunningAsync(running);
            await http.PostJsonAsync("interrupt", new JsonObject { ["prompt_id"] = "someone-else" });
            if (interrupted)
            {
                var entry = await http.WaitForHistoryAsync(running);
                Assert.Equal("execution_interrupted", (string?)entry["status"]!["messages"]!.AsArray()[^1]![0]);
            }
            else
            {
                await http.StaysRunningAsync(running);
                await http.PostJsonAsync("interrupt", new JsonObject { ["prompt_id"] = running });
                await http.WaitForHistoryAsync(running);
            }
        }
        finally
        {
            await _sim.SetScenarioAsync(2, "healthy");
        }
    }

    [Fact]
    public async Task ModelFilesSetThroughTheControlApiAreListedOfferedAndAccepted()
    {
        using var http = _sim.Http(1);
        using (var put = await _sim.Control.PutAsync("instances/1/models/checkpoints", new StringContent("[\"zeta.safetensors\", \"alpha.ckpt\"]", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(204, (int)put.StatusCode);
        }

        var (_, files) = await http.GetJsonAsync("models/checkpoints");
        Assert.Equal(["alpha.ckpt", "zeta.safetensors"], files!.AsArray().Select(f => (string?)f));
        var (_, info) = await http.GetJsonAsync("object_info/CheckpointLoaderSimple");
        Assert.Equal(["alpha.ckpt", "zeta.safetensors"], info!["CheckpointLoaderSimple"]!["input"]!["required"]!["ckpt_name"]![0]!.AsArray().Select(f => (string?)f));
        using (var instance0 = _sim.Http(0))
        {
            var (_, untouched) = await instance0.GetJsonAsync("models/checkpoints");
            Assert.Contains("v1-5-pruned-emaonly-fp16.safetensors", untouched!.AsArray().Select(f => (string?)f));
        }

        // A prompt naming a checkpoint the box does not have fails validation, like on the real server.
        var graph = new JsonObject
        {
            ["4"] = new JsonObject { ["class_type"] = "CheckpointLoaderSimple", ["inputs"] = new JsonObject { ["ckpt_name"] = "v1-5-pruned-emaonly-fp16.safetensors" } },
            ["8"] = new JsonObject { ["class_type"] = "VAEDecode", ["inputs"] = new JsonObject { ["samples"] = new JsonArray("5", 0), ["vae"] = new JsonArray("4", 2) } },
            ["5"] = new JsonObject { ["class_type"] = "EmptyLatentImage", ["inputs"] = new JsonObject { ["width"] = 64, ["height"] = 64, ["batch_size"] = 1 } },
            ["9"] = new JsonObject { ["class_type"] = "PreviewImage", ["inputs"] = new JsonObject { ["images"] = new JsonArray("8", 0) } },
        };
        var (status, body) = await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = graph.DeepClone() });
        Assert.Equal(400, status);
        Assert.Equal("value_not_in_list", (string?)body!["node_errors"]!["4"]!["errors"]![0]!["type"]);
        graph["4"]!["inputs"]!["ckpt_name"] = "alpha.ckpt";
        Assert.Equal(200, (await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = graph.DeepClone() })).Status);

        using var badFolder = await _sim.Control.PutAsync("instances/1/models/nosuch", new StringContent("[]", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)badFolder.StatusCode);
        using var badBody = await _sim.Control.PutAsync("instances/1/models/loras", new StringContent("{\"a\": 1}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)badBody.StatusCode);
    }

    /// <summary>Answers compared with a real ComfyUI 0.3.64 by hand, not among the recorded exchanges.</summary>
    [Fact]
    public async Task AnswersCheckedAgainstARealServer()
    {
        using var http = _sim.Http(0);
        var id = await RunAsync(http, CanaryFiles.EmptyImageSaveWithColour(0xFF0000));
        var image = (await http.WaitForHistoryAsync(id))["outputs"]!.AsObject().First().Value!["images"]![0]!;
        var view = $"view?filename={image["filename"]}&subfolder={image["subfolder"]}&type=output";

        using var jpeg = await http.GetAsync($"{view}&preview=jpeg;50");
        Assert.Equal("image/jpeg", jpeg.Content.Headers.ContentType?.MediaType);
        using var webp = await http.GetAsync($"{view}&preview=jpeg;50&channel=a");
        Assert.Equal("image/webp", webp.Content.Headers.ContentType?.MediaType);

        using var ws = await http.GetAsync("ws");
        Assert.Equal(400, (int)ws.StatusCode);
        Assert.Equal("No WebSocket UPGRADE hdr: None\n Can \"Upgrade\" only to \"WebSocket\".", await ws.Content.ReadAsStringAsync());

        var (listStatus, list) = await http.PostRawAsync("prompt", "[]");
        Assert.Equal(400, listStatus);
        Assert.Equal("no_prompt", (string?)list!["error"]!["type"]);
        Assert.Equal(500, (await http.PostRawAsync("prompt", "{\"prompt\": null}")).Status);
    }

    private async Task SetVersionAsync(int index, string version)
    {
        using var response = await _sim.Control.PutAsync($"instances/{index}/version/{version}", null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A prompt with a workflow id (for the jobs API's workflow_id), submitted.</summary>
    private static Task<string> Submit(HttpClient http, JsonObject graph) =>
        http.SubmitAsync(graph, new JsonObject { ["extra_data"] = new JsonObject { ["extra_pnginfo"] = new JsonObject { ["workflow"] = new JsonObject { ["id"] = "wf-1" } } } });

    private static async Task<string> RunAsync(HttpClient http, JsonObject graph)
    {
        var id = await Submit(http, graph);
        await http.WaitForHistoryAsync(id);
        return id;
    }
}
