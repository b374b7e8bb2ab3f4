using System.Net;
using System.Net.Http.Json;
using ComfyMonitor.Collector.Scraping;
using ComfyMonitor.Collector.State;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>The model folders: read on Collector:ModelsInterval, a count and a fingerprint per folder, drift groups, servers without the routes.</summary>
public sealed class ModelInventoryTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync(instances: 3);
    }

    public async ValueTask DisposeAsync()
    {
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task InstancesWithDifferentCheckpointsShowDifferentFingerprintsInTheirDriftGroup()
    {
        await SetCheckpointsAsync(1, "sd_xl_base_1.0.safetensors", "juggernautXL_v9.safetensors");
        await using var collector = await CollectorHost.StartAsync([_sim.Url(0), _sim.Url(1), _sim.Url(2)], settings: new Dictionary<string, string?>
        {
            ["Collector:ModelsInterval"] = "00:00:00.500",
            ["Collector:ModelDriftGroupLabel"] = "pool",
            ["ComfyUI:Instances:0:Labels:pool"] = "sdxl",
            ["ComfyUI:Instances:1:Labels:pool"] = "sdxl",
            ["ComfyUI:Instances:2:Labels:pool"] = "flux",
        });
        string[] names = [Name(0), Name(1), Name(2)];
        var m = await collector.WaitForMetricsAsync(m => names.All(n => m.For("comfyui_models_info", n).Count() == 3), what: "three folders of every instance");

        // The default folders, as many as the server holds; the checkpoints of instance 1 differ from instance 0's.
        Assert.Equal(["checkpoints", "diffusion_models", "loras"], m.For("comfyui_models", names[0]).Select(s => s.Labels["folder"]).Order());
        Assert.Equal(2, m.Value("comfyui_models", names[0], ("folder", "checkpoints")));
        Assert.Equal(2, m.Value("comfyui_models", names[1], ("folder", "checkpoints")));
        // Null while the instance is down (a cycle timed out on a loaded machine: its models leave /metrics with it).
        string? Fingerprint(PrometheusText m, int i, string folder) => m.For("comfyui_models_info", names[i]).SingleOrDefault(s => s.Labels["folder"] == folder)?.Labels["fingerprint"];
        Assert.NotEqual(Fingerprint(m, 0, "checkpoints"), Fingerprint(m, 1, "checkpoints"));
        Assert.Equal(Fingerprint(m, 0, "loras"), Fingerprint(m, 1, "loras"));
        Assert.Equal(InstanceState.Fingerprint(Simulator.Fleet.SimulatedInstance.SimulatedModels["checkpoints"]), Fingerprint(m, 0, "checkpoints"));
        Assert.Equal(["flux", "sdxl", "sdxl"], names.Select(n => m.For("comfyui_models_info", n).First().Labels["drift_group"]).Order());

        // The model copied to instance 0 too: the same fingerprint once the folders are read again, and one series per folder.
        await SetCheckpointsAsync(0, "juggernautXL_v9.safetensors", "sd_xl_base_1.0.safetensors");
        m = await collector.WaitForMetricsAsync(m => Fingerprint(m, 0, "checkpoints") is { } a && a == Fingerprint(m, 1, "checkpoints"), what: "the same checkpoints on both");
        Assert.Single(m.For("comfyui_models_info", names[0]), s => s.Labels["folder"] == "checkpoints");
        Assert.Null(m.Value("comfyui_scrape_errors_total", names[0], ("endpoint", "models"), ("reason", "http_status"))); // no error, no series
        Assert.Equal("", await Promtool.CheckMetricsAsync(await collector.Http.GetStringAsync("metrics")));
    }

    public static TheoryData<string, string[]> Folders() => new()
    {
        { "checkpoints,loras,no_such_folder", ["checkpoints", "loras"] },
        { " upscale_models , clip_vision ", ["clip_vision", "upscale_models"] },
        { "*", ["audio_encoders", "checkpoints", "classifiers", "clip_vision", "configs", "controlnet", "custom_nodes", "diffusers", "diffusion_models",
            "embeddings", "gligen", "hypernetworks", "loras", "model_patches", "photomaker", "style_models", "text_encoders", "upscale_models", "vae", "vae_approx"] },
        { "", [] },
    };

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task OnlyTheConfiguredFoldersTheServerHasAreRead(string configured, string[] expected)
    {
        var handler = new CountingHandler();
        var (scraper, state) = Scraper(new FakeTimeProvider(DateTimeOffset.UtcNow), new CollectorOptions { ModelFolders = configured }, handler);
        await scraper.ScrapeAsync(default);
        Assert.Equal(expected, state.Snapshot.Models.Select(f => f.Folder).Order());
        Assert.Equal(expected.Length + (configured.Length == 0 ? 0 : 1), handler.Paths.Count(p => p.StartsWith("/models", StringComparison.Ordinal)));
        Assert.DoesNotContain(handler.Paths, p => p.StartsWith("/object_info", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheFoldersAreReadAgainOnlyAfterTheInterval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new CountingHandler();
        var (scraper, state) = Scraper(time, new CollectorOptions { ModelFolders = "checkpoints" }, handler);
        await scraper.ScrapeAsync(default);
        time.Advance(TimeSpan.FromMinutes(9));
        await scraper.ScrapeAsync(default);
        Assert.Equal(2, handler.Paths.Count(p => p.StartsWith("/models", StringComparison.Ordinal)));

        await SetCheckpointsAsync(0, "a.safetensors");
        time.Advance(TimeSpan.FromMinutes(1));
        await scraper.ScrapeAsync(default);
        Assert.Equal(4, handler.Paths.Count(p => p.StartsWith("/models", StringComparison.Ordinal)));
        Assert.Equal(new ModelFolder("checkpoints", 1, InstanceState.Fingerprint(["a.safetensors"])), Assert.Single(state.Snapshot.Models));
    }

    [Fact]
    public async Task AServerWithoutTheRoutesHasNoFoldersAndIsNotFailing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new CountingHandler { Answer = HttpStatusCode.NotFound };
        var (scraper, state) = Scraper(time, new CollectorOptions(), handler);
        await scraper.ScrapeAsync(default);
        await scraper.ScrapeAsync(default);
        Assert.True(state.Snapshot.Up);
        Assert.Empty(state.Snapshot.Models);
        Assert.Null(state.Snapshot.LastError);
        Assert.All(state.Snapshot.ScrapeErrors, e => Assert.Equal(0, e.Value));
        Assert.Equal(1, handler.Paths.Count(p => p.StartsWith("/models", StringComparison.Ordinal))); // not asked again before the interval
    }

    [Fact]
    public async Task AFailedReadKeepsWhatWasReadAndIsTriedAgainNextCycle()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new CountingHandler();
        var (scraper, state) = Scraper(time, new CollectorOptions { ModelFolders = "checkpoints,loras" }, handler);
        await scraper.ScrapeAsync(default);
        var before = state.Snapshot.Models;
        Assert.Equal(2, before.Count);

        handler.Answer = HttpStatusCode.InternalServerError;
        time.Advance(TimeSpan.FromMinutes(10));
        await scraper.ScrapeAsync(default);
        Assert.Equal(before, state.Snapshot.Models);
        Assert.Equal(1, state.Snapshot.ScrapeErrors[("models", "http_status")]);
        Assert.True(state.Models.Due);

        handler.Answer = null;
        await scraper.ScrapeAsync(default);
        Assert.False(state.Models.Due);
        Assert.Equal(1, state.Snapshot.ScrapeErrors[("models", "http_status")]);
    }

    private async Task SetCheckpointsAsync(int instance, params string[] files)
    {
        using var response = await _sim.Control.PutAsJsonAsync($"instances/{instance}/models/checkpoints", files);
        response.EnsureSuccessStatusCode();
    }

    private string Name(int index) => $"127.0.0.1:{_sim.BasePort + index}";

    // What is read, not how fast: a loaded test machine must not time a request out (a timed-out /system_stats ends the cycle).
    private (InstanceScraper, InstanceState) Scraper(FakeTimeProvider time, CollectorOptions options, HttpMessageHandler handler) =>
        TestScraper.Create("models-test", _sim.Url(), time, options, timeout: TimeSpan.FromSeconds(60), handler: handler);

    /// <summary>Passes requests to the simulator and notes their paths; answers the /models routes itself with <see cref="Answer"/> when set.</summary>
    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<string> Paths { get; } = [];

        public HttpStatusCode? Answer { get; set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            lock (Paths)
            {
                Paths.Add(path);
            }

            return Answer is { } status && path.StartsWith("/models", StringComparison.Ordinal)
                ? Task.FromResult(new HttpResponseMessage(status) { Content = new ByteArrayContent([]), RequestMessage = request })
                : base.SendAsync(request, cancellationToken);
        }
    }
}
