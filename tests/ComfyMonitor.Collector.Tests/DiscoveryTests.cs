using System.Net;
using ComfyMonitor.Discovery;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>Targets from file_sd (JSON and YAML, globs, re-read on change) and http_sd; a broken source keeps its last good targets.</summary>
public sealed class DiscoveryTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private string _dir = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync(instances: 3);
        _dir = Directory.CreateTempSubdirectory("comfymonitor-sd-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        await _sim.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task FileSdTargetsAreAddedRemovedAndAKeptWhenTheFileBreaks()
    {
        var file = Path.Combine(_dir, "fleet.json");
        await File.WriteAllTextAsync(file, Groups(0, 1));
        await using var collector = await CollectorHost.StartAsync(new Dictionary<string, string?>
        {
            ["ComfyUI:Discovery:Files:0"] = Path.Combine(_dir, "*.json"),
            ["ComfyUI:Discovery:RefreshInterval"] = "00:00:01",
            ["Collector:Interval"] = "00:00:00.300",
            ["Collector:Timeout"] = "00:00:00.200",
        });
        await collector.WaitForMetricsAsync(m => UpNames(m).SetEquals([Name(0), Name(1)]), what: "two targets from the file");

        await File.WriteAllTextAsync(file, Groups(0, 1, 2));
        await collector.WaitForMetricsAsync(m => UpNames(m).SetEquals([Name(0), Name(1), Name(2)]), what: "a third target added");

        await File.WriteAllTextAsync(file, Groups(0, 2));
        var m = await collector.WaitForMetricsAsync(m => UpNames(m).SetEquals([Name(0), Name(2)]), what: "a target removed");
        // Gauges and counters of the removed target leave /metrics (histograms of past requests stay frozen).
        Assert.DoesNotContain(m.Samples, s => s.Labels.GetValueOrDefault("comfyui_instance") == Name(1)
            && !s.Name.StartsWith("comfyui_scrape_duration", StringComparison.Ordinal) && !s.Name.StartsWith("comfyui_prompt_execution", StringComparison.Ordinal)
            && !s.Name.StartsWith("comfyui_prompt_queue_wait", StringComparison.Ordinal));

        await File.WriteAllTextAsync(file, "[{\"targets\": [\"127.0.0.1:1\"");
        m = await collector.WaitForMetricsAsync(m => m.Named("comfymonitor_discovery_failures_total").Any(s => s.Labels["mechanism"] == "file_sd" && s.Value >= 1),
            what: "the broken file reported");
        Assert.True(Watched(m).SetEquals([Name(0), Name(2)]), "the last good targets are kept");
        Assert.Contains(collector.Logs.Lines, l => l.Contains("fleet.json", StringComparison.Ordinal) && l.Contains("last good targets", StringComparison.Ordinal));

        File.Delete(file);
        await collector.WaitForMetricsAsync(m => UpNames(m).Count == 0, what: "targets of a deleted file gone");
    }

    [Fact]
    public async Task TargetLabelsFromFilesAndConfigurationAreExportedAsTargetInfo()
    {
        var file = Path.Combine(_dir, "labelled.json");
        await File.WriteAllTextAsync(file, $$$"""
            [{"targets": ["127.0.0.1:{{{_sim.BasePort}}}"], "labels": {"pool": "sdxl", "hostname": "gpu-node-7", "region": "eu", "__meta_zone": "x", "comfyui_instance": "gpu-a"}}]
            """);
        await using var collector = await CollectorHost.StartAsync(new Dictionary<string, string?>
        {
            ["ComfyUI:Discovery:Files:0"] = file,
            ["ComfyUI:Discovery:RefreshInterval"] = "00:00:01",
            ["ComfyUI:Instances:0:Url"] = _sim.Url(1).ToString(),
            ["ComfyUI:Instances:0:Name"] = "static-b",
            ["ComfyUI:Instances:0:Labels:team-name"] = "imaging",
            ["ComfyUI:Instances:0:Labels:9lives"] = "a\nvalue " + new string('x', 200),
            ["ComfyUI:MaxTargetLabels"] = "2",
            ["Collector:Interval"] = "00:00:00.300",
            ["Collector:Timeout"] = "00:00:00.200",
        });
        var m = await collector.WaitForMetricsAsync(m => m.For("comfyui_target_info", "gpu-a").Any() && m.For("comfyui_target_info", "static-b").Any(), what: "target info of both targets");
        var a = Assert.Single(m.For("comfyui_target_info", "gpu-a")); // region: past ComfyUI:MaxTargetLabels (the first two by name)
        Assert.Equal(1, a.Value);
        Assert.Equal(new Dictionary<string, string> { ["comfyui_instance"] = "gpu-a", ["hostname"] = "gpu-node-7", ["pool"] = "sdxl" }, a.Labels);
        var b = Assert.Single(m.For("comfyui_target_info", "static-b"));
        Assert.Equal("imaging", b.Labels["team_name"]);
        Assert.Equal(128, b.Labels["_9lives"].Length);
        Assert.DoesNotContain('\n', b.Labels["_9lives"]);

        // A change of labels shows within a refresh: the target is watched anew with them.
        await File.WriteAllTextAsync(file, $$$"""
            [{"targets": ["127.0.0.1:{{{_sim.BasePort}}}"], "labels": {"pool": "flux", "comfyui_instance": "gpu-a"}}]
            """);
        m = await collector.WaitForMetricsAsync(m => m.For("comfyui_target_info", "gpu-a").Any(s => s.Labels.GetValueOrDefault("pool") == "flux"), what: "the new pool label");
        Assert.Equal(new Dictionary<string, string> { ["comfyui_instance"] = "gpu-a", ["pool"] = "flux" }, Assert.Single(m.For("comfyui_target_info", "gpu-a")).Labels);
    }

    [Theory]
    [InlineData("pool", "pool")]
    [InlineData("team-name", "team_name")]
    [InlineData("9lives", "_9lives")]
    [InlineData("  zone ", "zone")]
    [InlineData("__meta_x", null)]
    [InlineData("comfyui_instance", null)]
    [InlineData("", null)]
    public void LabelNamesAreMadeValidAndReservedOnesDropped(string raw, string? expected)
    {
        var labels = TargetLabels.Clean([new(raw, "v")]);
        Assert.Equal(expected, labels.Keys.SingleOrDefault());
    }

    [Fact]
    public async Task YamlFilesHonourTheSchemeAndInstanceNameLabels()
    {
        var file = Path.Combine(_dir, "gpus.yml");
        await File.WriteAllTextAsync(file, $"""
            - targets: ["127.0.0.1:{_sim.BasePort}"]
              labels:
                __scheme__: http
                comfyui_instance: gpu-a
            - targets:
                - 127.0.0.1:{_sim.BasePort + 1}
            """);
        await using var collector = await CollectorHost.StartAsync(new Dictionary<string, string?>
        {
            ["ComfyUI:Discovery:Files:0"] = file,
            ["Collector:Interval"] = "00:00:00.300",
            ["Collector:Timeout"] = "00:00:00.200",
        });
        await collector.WaitForMetricsAsync(m => UpNames(m).SetEquals(["gpu-a", Name(1)]), what: "the YAML targets");
    }

    [Fact]
    public async Task HttpSdIsRefreshedAndAFailingEndpointKeepsTheLastTargets()
    {
        await using var sd = await ExampleServer.StartAsync();
        sd.Serve("/sd", Groups(0));
        await using var collector = await CollectorHost.StartAsync(new Dictionary<string, string?>
        {
            ["ComfyUI:Discovery:HttpUrl"] = new Uri(sd.Url, "sd").ToString(),
            ["ComfyUI:Discovery:RefreshInterval"] = "00:00:00.300",
            ["Collector:Interval"] = "00:00:00.300",
            ["Collector:Timeout"] = "00:00:00.200",
        });
        await collector.WaitForMetricsAsync(m => UpNames(m).SetEquals([Name(0)]), what: "the http_sd target");
        sd.Serve("/sd", Groups(1, 2));
        await collector.WaitForMetricsAsync(m => UpNames(m).SetEquals([Name(1), Name(2)]), what: "the refreshed targets");
        sd.Serve("/sd", "<html>oops</html>", 500, "text/html");
        var m = await collector.WaitForMetricsAsync(m => m.Named("comfymonitor_discovery_failures_total").Any(s => s.Labels["mechanism"] == "http_sd" && s.Value >= 1), what: "the failure");
        Assert.True(Watched(m).SetEquals([Name(1), Name(2)]), "the last good targets are kept");
    }

    [Theory]
    [InlineData("{}", "list of target groups")]
    [InlineData("[{\"labels\": {}}]", "\"targets\" list")]
    [InlineData("[{\"targets\": [42]}]", "host:port")]
    [InlineData("[{\"targets\": [\"host:8188/path\"]}]", "host:port")]
    [InlineData("[{\"targets\": [\"user:pw@host:8188\"]}]", "host:port")]
    [InlineData("[{\"targets\": [\"host:8188\"], \"labels\": {\"__scheme__\": \"ftp\"}}]", "__scheme__")]
    public void BadTargetGroupsAreRejectedWithAReason(string json, string reason)
    {
        var ex = Assert.ThrowsAny<Exception>(() => TargetGroupParser.ParseJson(json));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GoodTargetGroupsBecomeEndpoints()
    {
        var endpoints = TargetGroupParser.ParseJson("""
            [{"targets": ["gpu1:8188", "gpu2:8188"], "labels": {"__scheme__": "https", "team": "x"}},
             {"targets": ["gpu3:8190"], "labels": {"comfyui_instance": "render-3"}}]
            """);
        Assert.Equal(["gpu1:8188", "gpu2:8188", "render-3"], endpoints.Select(e => e.Name));
        Assert.Equal("https://gpu1:8188/", endpoints[0].BaseAddress.ToString());
        Assert.Equal("http://gpu3:8190/", endpoints[2].BaseAddress.ToString());
    }

    private string Name(int index) => $"127.0.0.1:{_sim.BasePort + index}";

    private string Groups(params int[] indexes) =>
        "[" + string.Join(",", indexes.Select(i => $"{{\"targets\": [\"127.0.0.1:{_sim.BasePort + i}\"], \"labels\": {{\"env\": \"test\"}}}}")) + "]";

    /// <summary>The targets watched, up or not (a cycle that times out on a loaded machine does not remove a target).</summary>
    private static HashSet<string> Watched(PrometheusText m) => m.Named("comfyui_up").Select(s => s.Labels["comfyui_instance"]).ToHashSet();

    private static HashSet<string> UpNames(PrometheusText m) =>
        m.Named("comfyui_up").Where(s => s.Value == 1).Select(s => s.Labels["comfyui_instance"]).ToHashSet();
}
