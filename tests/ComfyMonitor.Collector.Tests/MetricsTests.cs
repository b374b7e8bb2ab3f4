using System.Text.Json.Nodes;
using ComfyMonitor.Collector.State;
using ComfyMonitor.Hosting;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>Every metric of DESIGN.md, with the values the simulator holds, in a valid exposition.</summary>
public sealed class MetricsTests : IAsyncLifetime
{
    /// <summary>
    /// Every metric of the catalogue the collector exports (a histogram by its _bucket series), but the scrape errors: they
    /// appear with the first error (ADownInstanceReportsUpZeroAndNothingStale).
    /// </summary>
    private static readonly string[] DesignMetrics = MetricCatalog.All
        .Where(m => m.Exporter is MetricCatalog.Collector or MetricCatalog.Both)
        .Where(m => m.Name != "comfyui_scrape_errors_total")
        .Select(m => m.Kind == MetricKind.Histogram ? m.Name + "_bucket" : m.Name).ToArray();

    private SimulatorHost _sim = null!;
    private CollectorHost _collector = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync(instances: 2);
        // Output checks on, so that their counters are among the metrics (off, they are not exported).
        _collector = await CollectorHost.StartAsync([_sim.Url(0), _sim.Url(1)], settings: new Dictionary<string, string?> { ["Collector:OutputChecks:Every"] = "1" });
    }

    public async ValueTask DisposeAsync()
    {
        await _collector.DisposeAsync();
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task EveryCollectorMetricIsExposedWithTheSimulatorsValues()
    {
        var a = Name(0);
        var b = Name(1);
        await _collector.WaitForMetricsAsync(m => m.Value("comfyui_up", a) == 1 && m.Value("comfyui_up", b) == 1
            && _collector.Fleet.Scrapers.All(s => s.State.HistoryPrimed), what: "both instances up");

        using var http0 = _sim.Http(0);
        await http0.RunAsync(CanaryFiles.EmptyImageSaveWithColour(0x123456));
        await http0.RunAsync(Failing("simulate_error", "RuntimeError: CUDA error: an illegal memory access was encountered"));
        await http0.RunAsync(Failing("simulate_interrupt", true));
        await http0.RunAsync(CanaryFiles.EmptyImageSaveWithColour(0x654321), extra: new JsonObject { ["client_id"] = $"comfymonitor-probe-{Guid.NewGuid():N}" });

        using var http1 = _sim.Http(1);
        await _sim.SetScenarioAsync(1, "stuck");
        for (var i = 0; i < 3; i++)
        {
            await http1.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(i) });
        }

        var m = await _collector.WaitForMetricsAsync(m =>
            m.Value("comfyui_prompts_completed_total", a, ("status", "interrupted")) == 1
            && m.Value("comfyui_prompts_completed_total", a, ("status", "error")) == 1
            && m.Value("comfyui_prompts_completed_total", a, ("status", "success")) == 1
            && m.Value("comfyui_probe_prompts_total", a, ("status", "success")) == 1
            && m.Value("comfyui_queue_pending", b) == 2
            // A cycle reads /queue before /history: one that straddles the end of the last prompt shows it running and finished.
            && m.Value("comfyui_queue_running", a) == 0, what: "the completions and the stuck queue");

        foreach (var name in DesignMetrics)
        {
            Assert.True(m.Named(name).Any(), $"{name} is missing");
        }

        var stats = (await http0.GetJsonAsync("system_stats")).Body!;
        var device = stats["devices"]![0]!;
        Assert.Equal((double)(long)stats["system"]!["ram_total"]!, m.Value("comfyui_system_ram_total_bytes", a));
        Assert.Equal((double)(long)device["vram_total"]!, m.Value("comfyui_device_vram_total_bytes", a, ("device", (string)device["name"]!), ("device_type", "cuda")));
        var build = Assert.Single(m.For("comfyui_build_info", a));
        Assert.Equal(1, build.Value);
        Assert.Equal("0.8.0", build.Labels["comfyui_version"]);
        Assert.Equal("3.12.3", build.Labels["python_version"]);
        Assert.Equal("2.9.1+cu128", build.Labels["pytorch_version"]);
        Assert.Equal("linux", build.Labels["os"]);
        Assert.Equal("false", build.Labels["embedded_python"]);

        Assert.Equal(1, m.Value("comfyui_queue_running", b));
        Assert.Equal(0, m.Value("comfyui_queue_running", a));
        Assert.Equal(0, m.Value("comfyui_queue_stalled", b));
        Assert.True(m.Value("comfyui_queue_oldest_pending_age_seconds", b) >= 0);
        Assert.True(m.Value("comfyui_queue_running_age_seconds", b) >= 0);
        Assert.InRange(m.Value("comfyui_queue_last_progress_timestamp_seconds", b)!.Value, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        var extensions = (await http0.GetJsonAsync("extensions")).Body!.AsArray().Select(e => (string)e!).ToList();
        Assert.Equal(extensions.Count, m.Value("comfyui_extensions", a));
        Assert.Equal(InstanceState.Fingerprint(extensions), Assert.Single(m.For("comfyui_extensions_info", a)).Labels["fingerprint"]);

        Assert.Equal(1, m.Value("comfyui_prompt_node_errors_total", a, ("node_type", "KSampler"), ("exception_type", "RuntimeError")));
        Assert.Equal(3, m.Value("comfyui_prompt_execution_duration_seconds_count", a));
        // By default the request and queue-wait histograms are the replica's (docs/metrics.md, series budget); no error series before an error.
        Assert.Empty(m.For("comfyui_prompt_queue_wait_seconds_count", a));
        Assert.True(Fleetwide(m, "comfyui_prompt_queue_wait_seconds_count") >= 3);
        Assert.All(m.For("comfyui_scrape_errors_total", a), s => Assert.True(s.Value >= 1));
        Assert.Empty(m.For("comfyui_scrape_duration_seconds_count", a));
        Assert.True(Fleetwide(m, "comfyui_scrape_duration_seconds_count", "system_stats") > 0);
        Assert.True(Fleetwide(m, "comfyui_scrape_duration_seconds_count", "history") > 0);

        Assert.Equal("", await Promtool.CheckMetricsAsync(await _collector.Http.GetStringAsync("metrics")));
    }

    [Fact]
    public async Task ADownInstanceReportsUpZeroAndNothingStale()
    {
        var b = Name(1);
        await _collector.WaitForMetricsAsync(m => m.Value("comfyui_queue_pending", b) is not null, what: "instance 1 scraped");
        await _sim.SetScenarioAsync(1, "down");
        // Instance 1 down while instance 0 stays up (a reading may catch one of its cycles timing out on a loaded machine).
        var m = await _collector.WaitForMetricsAsync(m => m.Value("comfyui_up", b) == 0 && m.Value("comfyui_up", Name(0)) == 1, what: "instance 1 down, instance 0 up");
        Assert.Empty(m.For("comfyui_queue_pending", b));
        Assert.Empty(m.For("comfyui_system_ram_free_bytes", b));
        Assert.Empty(m.For("comfyui_device_vram_free_bytes", b));
        Assert.Empty(m.For("comfyui_build_info", b));
        Assert.True(m.Value("comfyui_scrape_errors_total", b, ("endpoint", "system_stats"), ("reason", "connect")) >= 1);

        await _sim.SetScenarioAsync(1, "healthy");
        await _collector.WaitForMetricsAsync(m => m.Value("comfyui_up", b) == 1 && m.Value("comfyui_queue_pending", b) is not null, what: "instance 1 back");
    }

    [Fact]
    public async Task ThePageAndApiFleetShowEveryInstance()
    {
        await _collector.WaitForMetricsAsync(m => m.Named("comfyui_up").Count() == 2 && m.Named("comfyui_up").All(s => s.Value == 1), what: "both up");
        var page = await _collector.Http.GetStringAsync("/");
        Assert.Contains(Name(0), page);
        Assert.Contains("NVIDIA GeForce RTX 4090", page);
        // Read until both are up there too: a reading may catch a cycle that timed out on a loaded machine.
        JsonArray fleet = [];
        await SimulatorHttp.WaitUntilAsync(async () => (fleet = JsonNode.Parse(await _collector.Http.GetStringAsync("api/fleet"))!.AsArray()).All(f => (bool)f!["up"]!),
            TimeSpan.FromSeconds(30), "api/fleet never showed both up");

        Assert.Equal([Name(0), Name(1)], fleet.Select(f => (string)f!["instance"]!));
        Assert.All(fleet, f => Assert.Equal("0.8.0", (string?)f!["version"]));
    }

    [Fact]
    public async Task TheBuildInfoAndThePageCarryTheVersionOfTheBuild()
    {
        var m = await _collector.WaitForMetricsAsync(m => m.Named(BuildInfoMetric.Name).Any(), what: "the build info");
        var build = Assert.Single(m.Named(BuildInfoMetric.Name));
        Assert.Equal(1, build.Value);
        Assert.Equal(BuildVersion.Version, build.Labels["version"]);
        Assert.Equal(BuildVersion.Revision, build.Labels["revision"]);
        Assert.Equal(Environment.Version.ToString(), build.Labels["dotnet_version"]);
        Assert.Contains($"<h1>ComfyMonitor collector <small>{BuildVersion.Version}</small></h1>", await _collector.Http.GetStringAsync("/"), StringComparison.Ordinal);
    }

    private string Name(int index) => $"127.0.0.1:{_sim.BasePort + index}";

    /// <summary>The sum of the replica-wide series of <paramref name="name"/> (those without comfyui_instance), of one endpoint if given.</summary>
    private static double Fleetwide(PrometheusText m, string name, string? endpoint = null) =>
        m.Named(name).Where(s => !s.Labels.ContainsKey("comfyui_instance") && (endpoint is null || s.Labels.GetValueOrDefault("endpoint") == endpoint)).Sum(s => s.Value);

    private static JsonObject Failing(string hook, JsonNode value)
    {
        var graph = (JsonObject)Simulator.Workload.WorkloadService.Txt2Img(succeeds: true)["prompt"]!.DeepClone();
        var sampler = (JsonObject)graph["3"]!["inputs"]!;
        sampler.Remove("simulate_error");
        sampler.Remove("simulate_interrupt");
        sampler[hook] = value;
        return graph;
    }
}
