using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>The probe as a service: scheduled canaries, metrics, the runs page, no overlapping runs.</summary>
[Collection(HeavyCollection.Name)]
public sealed class ProbeServiceTests
{
    [Fact]
    public async Task EveryCanaryReportsSuccessThenAnOomInstanceTurnsToExecutionError()
    {
        await using var sim = await SimulatorHost.StartAsync(instances: 2);
        await using var probe = await ProbeHost.StartAsync([sim.Url(0), sim.Url(1)], TimeSpan.FromSeconds(1), new Dictionary<string, string?> { ["ComfyUI:Instances:0:Labels:pool"] = "sdxl" });
        string Name(int i) => $"127.0.0.1:{sim.BasePort + i}";
        string[] canaries = ["render", "upload", "mask"];

        // Node timings come from a run's WebSocket messages (a run followed by polling has none; the next ones do).
        var m = await probe.WaitForMetricsAsync(m => Enumerable.Range(0, 2).All(i => canaries.All(c => m.Value("comfyui_canary_success", Name(i), ("canary", c)) == 1))
                && m.Sum("comfyui_canary_node_duration_seconds_count", ("canary", "render"), ("node_type", "EmptyImage")) >= 1
                && m.Sum("comfyui_canary_node_duration_seconds_count", ("canary", "mask"), ("node_type", "ImageCompositeMasked")) >= 1,
            what: "every canary succeeding, with node timings");
        Assert.All(canaries, c => Assert.True(m.Value("comfyui_canary_last_success_timestamp_seconds", Name(0), ("canary", c)) > DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60));
        Assert.True(m.Value("comfyui_canary_runs_total", Name(0), ("canary", "mask"), ("result", "success"), ("reason", "none")) >= 1);
        Assert.True(m.Value("comfyui_canary_duration_seconds_count", Name(0), ("canary", "mask"), ("phase", "upload_mask")) >= 1);
        Assert.True(m.Value("comfyui_canary_duration_seconds_count", Name(0), ("canary", "render"), ("phase", "total")) >= 1);

        // Each executed node of a canary timed from its WebSocket messages, by node type (the replica's, by default).
        Assert.True(m.Sum("comfyui_canary_node_duration_seconds_count", ("canary", "render"), ("node_type", "EmptyImage")) >= 1);
        Assert.True(m.Sum("comfyui_canary_node_duration_seconds_count", ("canary", "mask"), ("node_type", "ImageCompositeMasked")) >= 1);

        // The same target info as the collector's, so that canary panels group and filter by the targets' labels.
        Assert.Equal("sdxl", Assert.Single(m.For("comfyui_target_info", Name(0))).Labels["pool"]);
        Assert.Equal(["comfyui_instance"], Assert.Single(m.For("comfyui_target_info", Name(1))).Labels.Keys);

        // Which build runs, as the collector says it too.
        Assert.Equal(ComfyMonitor.Hosting.BuildVersion.Version, Assert.Single(m.Named(ComfyMonitor.Hosting.BuildInfoMetric.Name)).Labels["version"]);

        await sim.SetScenarioAsync(1, "oom");
        // ...while the other passes (its last runs: one that timed out on a loaded machine is followed by another).
        m = await probe.WaitForMetricsAsync(m => canaries.All(c => m.Value("comfyui_canary_success", Name(1), ("canary", c)) == 0 && m.Value("comfyui_canary_success", Name(0), ("canary", c)) == 1),
            what: "the oom instance failing, the other passing");
        Assert.True(m.Value("comfyui_canary_runs_total", Name(1), ("canary", "render"), ("result", "failure"), ("reason", "execution_error")) >= 1);
        Assert.Equal("", await Promtool.CheckMetricsAsync(await probe.Http.GetStringAsync("metrics")));

        var page = await probe.Http.GetStringAsync("/");
        Assert.Contains($"<h1>ComfyMonitor probe <small>{ComfyMonitor.Hosting.BuildVersion.Version}</small></h1>", page, StringComparison.Ordinal);
        Assert.Matches(@"EmptyImage \d+, SaveImage \d+", page);
        Assert.Contains("execution_error", page);
        Assert.Contains("torch.OutOfMemoryError", page);
        var runs = JsonNode.Parse(await probe.Http.GetStringAsync("api/runs"))!.AsArray();
        Assert.Contains(runs, r => (string?)r!["reason"] == "execution_error" && (string?)r["nodeType"] is { Length: > 0 });
    }

    [Fact]
    public async Task RunsNeverOverlapOnOneInstance()
    {
        await using var sim = await SimulatorHost.StartAsync();
        await sim.SetScenarioAsync(0, "slow"); // every answer takes 1 s: a run outlasts the 300 ms interval many times
        await using var probe = await ProbeHost.StartAsync([sim.Url()], TimeSpan.FromMilliseconds(300), new Dictionary<string, string?>
        {
            ["Probe:Canaries:Upload:Enabled"] = "false",
            ["Probe:Canaries:Mask:Enabled"] = "false",
        });
        List<(DateTimeOffset Start, DateTimeOffset End)> Runs() => probe.Fleet.Instances.Single().Canaries.Values.SelectMany(c => c.Recent())
            .Select(r => (Start: r.Started, End: r.Started + TimeSpan.FromSeconds(r.Phases["total"]))).OrderBy(r => r.Start).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (Runs().Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {Runs().Count} runs in 90 s");
            await Task.Delay(100);
        }

        var runs = Runs();
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.True(runs[i].Start >= runs[i - 1].End - TimeSpan.FromMilliseconds(5), $"run {i} started before run {i - 1} ended");
        }

        await sim.SetScenarioAsync(0, "healthy");
    }

    [Fact]
    public async Task ACustomCanaryChecksItsExpectation()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var dir = Directory.CreateTempSubdirectory("comfymonitor-custom-");
        try
        {
            var workflow = Path.Combine(dir.FullName, "team.json");
            var graph = CanaryFiles.EmptyImageSaveWithColour(0x336699);
            graph["1"]!["inputs"]!["width"] = 96;
            await File.WriteAllTextAsync(workflow, new JsonObject { ["prompt"] = graph }.ToJsonString());
            await using var probe = await ProbeHost.StartAsync([sim.Url()], TimeSpan.FromSeconds(1), new Dictionary<string, string?>
            {
                ["Probe:Canaries:Render:Enabled"] = "false",
                ["Probe:Canaries:Upload:Enabled"] = "false",
                ["Probe:Canaries:Mask:Enabled"] = "false",
                ["Probe:Custom:0:Name"] = "team-good",
                ["Probe:Custom:0:Workflow"] = workflow,
                ["Probe:Custom:0:OutputNode"] = "2",
                ["Probe:Custom:0:Width"] = "96",
                ["Probe:Custom:0:Height"] = "64",
                ["Probe:Custom:0:MeanColor"] = "#336699",
                ["Probe:Custom:1:Name"] = "team-wrong-colour",
                ["Probe:Custom:1:Workflow"] = workflow,
                ["Probe:Custom:1:OutputNode"] = "2",
                ["Probe:Custom:1:MeanColor"] = "#FF0000",
            });
            var name = $"127.0.0.1:{sim.BasePort}";
            // A run may time out on a loaded machine: what counts is that the good one passes and the wrong one fails its check.
            var m = await probe.WaitForMetricsAsync(m => m.Value("comfyui_canary_success", name, ("canary", "team-good")) == 1
                && m.Value("comfyui_canary_runs_total", name, ("canary", "team-wrong-colour"), ("result", "failure"), ("reason", "output_mismatch")) >= 1,
                what: "the good custom canary passing and the wrong-colour one failing with output_mismatch");
            Assert.Equal(0, m.Value("comfyui_canary_runs_total", name, ("canary", "team-wrong-colour"), ("result", "success"), ("reason", "none")) ?? 0);
            Assert.DoesNotContain(m.Named("comfyui_canary_success"), s => s.Labels["canary"] is "render" or "upload" or "mask");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
