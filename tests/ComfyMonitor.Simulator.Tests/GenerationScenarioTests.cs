using System.Text.Json.Nodes;
using ComfyMonitor.ComfyApi.Imaging;
using ComfyMonitor.Simulator.Workload;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Simulator.Tests;

/// <summary>
/// Text to image in the simulator makes a real picture — deterministic from the seed, the requested size, never blank —
/// and the scenarios of a GPU that stops generating do what docs/simulator.md says: black images with status success, a broken
/// CUDA context that fails model nodes only, a sampler four times slower.
/// </summary>
public sealed class GenerationScenarioTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync(1, new Dictionary<string, string?> { ["Simulator:NodeTime"] = "00:00:00.100" });
        _http = _sim.Http();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task TextToImageMakesADeterministicPictureOfTheRequestedSizeThatIsNotBlank()
    {
        var first = await RenderAsync(seed: 7, width: 96, height: 64);
        var again = await RenderAsync(seed: 7, width: 96, height: 64);
        var other = await RenderAsync(seed: 8, width: 96, height: 64);
        Assert.Equal((96, 64), (first.Width, first.Height));
        Assert.Null(Blankness.Of(first));
        Assert.Equal(Pixels(first), Pixels(again));
        Assert.NotEqual(Pixels(first), Pixels(other));
    }

    [Fact]
    public async Task BlackImagesDecodeToBlackWithStatusSuccessAndLeaveImageNodesAlone()
    {
        await _sim.SetScenarioAsync(0, "black-images");
        var (image, status) = await RenderWithStatusAsync(seed: 7, width: 64, height: 64);
        Assert.Equal("success", status);
        Assert.StartsWith("black", Blankness.Of(image));

        // An image-only graph (the render canary's) keeps its colour.
        var entry = await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(0x3366CC));
        var saved = entry["outputs"]!.AsObject().Select(o => o.Value!["images"]![0]!).Single();
        var png = Png.Decode(await _http.GetByteArrayAsync($"view?filename={saved["filename"]}&subfolder={saved["subfolder"]}&type={saved["type"]}"));
        Assert.Equal((0x33, 0x66, 0xCC), (png[0, 0].R, png[0, 0].G, png[0, 0].B));
    }

    [Fact]
    public async Task ACudaErrorFailsTheModelNodesWithARuntimeErrorAndImageNodesStillRun()
    {
        await _sim.SetScenarioAsync(0, "cuda-error");
        var entry = await _http.RunAsync(Graph(seed: 1, 64, 64));
        var error = entry["status"]!["messages"]!.AsArray().Single(m => (string?)m![0] == "execution_error")![1]!;
        Assert.Equal("RuntimeError", (string?)error["exception_type"]);
        Assert.StartsWith("CUDA error: an illegal memory access was encountered", (string?)error["exception_message"]);
        Assert.Equal("CheckpointLoaderSimple", (string?)error["node_type"]);
        Assert.Equal("success", (string?)(await _http.RunAsync(CanaryFiles.EmptyImageSaveWithColour(1)))["status"]!["status_str"]);
        Assert.Equal(200, (await _http.GetJsonAsync("system_stats")).Status);
    }

    [Fact]
    public async Task SlowSamplingMakesTheSamplerFourTimesSlowerAndTheSamplerTimeGrowsWithStepsAndSize()
    {
        // 20 steps of 512×512 take the node time (100 ms); 40 steps twice that; slow-sampling four times that.
        var normal = await SamplerMillisecondsAsync(steps: 40);
        await _sim.SetScenarioAsync(0, "slow-sampling");
        var slow = await SamplerMillisecondsAsync(steps: 40);
        Assert.InRange(normal, 120, 600);
        Assert.InRange(slow / normal, 3, 5);
    }

    private async Task<double> SamplerMillisecondsAsync(int steps)
    {
        // The sampler's time, from the history's timestamps: the whole prompt minus the same prompt with a 1-step sampler.
        async Task<long> RunMsAsync(int s)
        {
            var graph = Graph(Random.Shared.Next(), 512, 512);
            graph["3"]!["inputs"]!["steps"] = s;
            var messages = (await _http.RunAsync(graph))["status"]!["messages"]!.AsArray();
            return (long)messages.Last()![1]!["timestamp"]! - (long)messages.First(m => (string?)m![0] == "execution_start")![1]!["timestamp"]!;
        }

        await RunMsAsync(1); // loads the checkpoint and encodes the text: cached for the two measured runs
        var full = await RunMsAsync(steps);
        var one = await RunMsAsync(1);
        return full - one;
    }

    private async Task<RgbaImage> RenderAsync(int seed, int width, int height) => (await RenderWithStatusAsync(seed, width, height)).Image;

    private async Task<(RgbaImage Image, string? Status)> RenderWithStatusAsync(int seed, int width, int height)
    {
        var entry = await _http.RunAsync(Graph(seed, width, height));
        var saved = entry["outputs"]!["9"]!["images"]![0]!;
        var png = await _http.GetByteArrayAsync($"view?filename={saved["filename"]}&subfolder={saved["subfolder"]}&type={saved["type"]}");
        return (Png.Decode(png), (string?)entry["status"]!["status_str"]);
    }

    private static JsonObject Graph(int seed, int width, int height)
    {
        var graph = (JsonObject)WorkloadService.Txt2Img(succeeds: true)["prompt"]!.DeepClone();
        graph["5"]!["inputs"]!["width"] = width;
        graph["5"]!["inputs"]!["height"] = height;
        graph["3"]!["inputs"]!["seed"] = seed;
        graph["6"]!["inputs"]!["text"] = "a lighthouse on a cliff at dawn"; // the same text each time: the encoder stays cached
        return graph;
    }

    private static List<int> Pixels(RgbaImage image) =>
        [.. Enumerable.Range(0, image.Height).SelectMany(y => Enumerable.Range(0, image.Width).Select(x => (image[x, y].R << 16) | (image[x, y].G << 8) | image[x, y].B))];
}
