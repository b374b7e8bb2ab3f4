using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.Running;
using ComfyMonitor.Simulator.Workload;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Probe.Tests;

/// <summary>
/// The sampler canary proves that a GPU generates: it fails with blank_output where the model decodes to black while the
/// image-only canaries keep passing there, names the failing node and the CUDA error of a broken context, shows a slow
/// GPU in its speed, never submits on a busy instance (deferred) and skips an instance without its checkpoint.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class SamplerCanaryTests
{
    private const string Checkpoint = "v1-5-pruned-emaonly-fp16.safetensors";

    [Fact]
    public async Task OnAFleetOfFourTheSamplerCanaryCatchesBlackImagesABrokenCudaContextAndASlowGpuThatTheOtherCanariesMiss()
    {
        await using var sim = await SimulatorHost.StartAsync(4, new Dictionary<string, string?> { ["Simulator:NodeTime"] = "00:00:00.200" });
        await sim.SetScenarioAsync(1, "slow-sampling");
        await sim.SetScenarioAsync(2, "black-images");
        await sim.SetScenarioAsync(3, "cuda-error");
        await using var probe = await ProbeHost.StartAsync(Enumerable.Range(0, 4).Select(sim.Url), TimeSpan.FromSeconds(1), new Dictionary<string, string?>
        {
            ["Probe:Timeout"] = "00:00:20",
            ["Probe:Canaries:Sampler:Checkpoint"] = $"missing.safetensors, {Checkpoint}",
            ["Probe:Canaries:Sampler:Interval"] = "00:00:02",
            ["Probe:Canaries:Sampler:Steps"] = "20",
            ["Probe:Canaries:Sampler:Width"] = "256",
            ["Probe:Canaries:Sampler:Height"] = "256",
        });
        string Name(int i) => $"127.0.0.1:{sim.BasePort + i}";
        double Sampler(PrometheusText m, int i, string result, string reason) =>
            m.Value("comfyui_canary_runs_total", Name(i), ("canary", "sampler"), ("result", result), ("reason", reason)) ?? 0;

        var m = await probe.WaitForMetricsAsync(m =>
            Sampler(m, 0, "success", "none") >= 2 && Sampler(m, 1, "success", "none") >= 2
            && Sampler(m, 2, "failure", "blank_output") >= 1 && Sampler(m, 3, "failure", "execution_error") >= 1
            && Enumerable.Range(0, 4).All(i => new[] { "render", "upload", "mask" }.All(c => m.Value("comfyui_canary_success", Name(i), ("canary", c)) == 1)),
            TimeSpan.FromSeconds(90), "the sampler canary's verdicts and every image canary passing");

        // Black images: every sampler run there failed with blank_output (it caught it at its first run), while the image
        // canaries, which never touch the model, passed on that same instance.
        Assert.Equal(0, Sampler(m, 2, "success", "none"));
        Assert.Equal(0, m.Value("comfyui_canary_success", Name(2), ("canary", "sampler")));
        var runs = await probe.Http.GetFromJsonAsync<JsonArray>("api/runs");
        var blank = runs!.First(r => (string?)r!["Instance"] == Name(2) && (string?)r["Canary"] == "sampler")!;
        Assert.Equal("blank_output", (string?)blank["Reason"]);
        Assert.Contains("black", (string?)blank["Detail"]);

        // A broken CUDA context: the model node fails with the RuntimeError, and the render canary still passes there.
        var cuda = runs!.First(r => (string?)r!["Instance"] == Name(3) && (string?)r["Canary"] == "sampler")!;
        Assert.Equal(("execution_error", "RuntimeError"), ((string?)cuda["Reason"], (string?)cuda["ExceptionType"]));
        Assert.Contains((string?)cuda["NodeType"], new[] { "CheckpointLoaderSimple", "KSampler" });
        Assert.Contains("CUDA error: an illegal memory access was encountered", (string?)cuda["Detail"]);

        // A GPU sampling four times slower: its speed is about a quarter of a healthy one's; the model load is apart.
        m = await probe.WaitForMetricsAsync(m => Enumerable.Range(0, 2).All(i => m.Value("comfyui_canary_sampling_steps_per_second", Name(i), ("canary", "sampler")) > 0),
            what: "both speeds");
        var ratio = m.Value("comfyui_canary_sampling_steps_per_second", Name(0), ("canary", "sampler"))!.Value
            / m.Value("comfyui_canary_sampling_steps_per_second", Name(1), ("canary", "sampler"))!.Value;
        Assert.InRange(ratio, 2.5, 5.5);
        Assert.NotNull(m.Value("comfyui_canary_model_load_seconds", Name(0), ("canary", "sampler")));

        // The sampler canary's phases are the replica's: per instance it costs its success, last success, runs, speed and
        // model load series only.
        Assert.DoesNotContain(m.Named("comfyui_canary_duration_seconds_count"), s => s.Labels.GetValueOrDefault("canary") == "sampler" && s.Labels.ContainsKey("comfyui_instance"));
        var samplerSeries = m.Samples.Count(s => s.Labels.GetValueOrDefault("comfyui_instance") == Name(0) && s.Labels.GetValueOrDefault("canary") == "sampler");
        Assert.True(samplerSeries <= 6, $"the sampler canary costs {samplerSeries} series per healthy instance");
    }

    [Fact]
    public async Task OnABusyInstanceTheSamplerCanaryIsDeferredWithoutSubmittingAndOnAnIdleOneItPasses()
    {
        await using var sim = await SimulatorHost.StartAsync(1, new Dictionary<string, string?> { ["Simulator:NodeTime"] = "00:00:00.020" });
        using var http = sim.Http();
        var user = await http.SubmitAsync((JsonObject)WorkloadService.Video(TimeSpan.FromSeconds(20))["prompt"]!.DeepClone(), new JsonObject { ["client_id"] = "a-user" });
        await http.WaitUntilRunningAsync(user, TimeSpan.FromSeconds(30));
        var pending = await http.SubmitAsync((JsonObject)WorkloadService.Txt2Img(succeeds: true)["prompt"]!.DeepClone());
        var (runner, endpoint, client) = Runner(sim);
        var canary = new SamplerCanary(new SamplerCanaryOptions { Checkpoint = Checkpoint });

        for (var i = 0; i < 3; i++)
        {
            var run = await runner.RunAsync(endpoint, client, canary, CancellationToken.None);
            Assert.Equal(("deferred", "busy"), (run.Result, run.Reason));
            Assert.False(run.Counted);
        }

        // Nothing of the canary ever reached the server: only the users' two prompts in the queue, no history entry.
        var queue = (await http.GetJsonAsync("queue")).Body!;
        Assert.Equal([user, pending], queue["queue_running"]!.AsArray().Concat(queue["queue_pending"]!.AsArray()).Select(q => (string)q![1]!));
        Assert.Empty((await http.GetJsonAsync("history")).Body!.AsObject());

        await http.PostJsonAsync("interrupt", new JsonObject());
        await http.PostJsonAsync("queue", new JsonObject { ["clear"] = true });
        await SimulatorHttp.WaitUntilAsync(async () => await http.RunningAsync() is null, TimeSpan.FromSeconds(30), "the instance never became idle");
        var idle = await runner.RunAsync(endpoint, client, canary, CancellationToken.None);
        Assert.True(idle.Success, $"{idle.Reason}: {idle.Detail}");
        Assert.True(idle.StepsPerSecond > 0);
    }

    [Fact]
    public async Task AnInstanceWithoutAnyConfiguredCheckpointIsSkippedAndNothingIsSubmitted()
    {
        // Like the recorded real 0.3.64 server: no model files at all.
        await using var sim = await SimulatorHost.StartAsync(1, new Dictionary<string, string?> { ["Simulator:ModelFiles"] = "false" });
        using var http = sim.Http();
        var (runner, endpoint, client) = Runner(sim);
        var run = await runner.RunAsync(endpoint, client, new SamplerCanary(new SamplerCanaryOptions { Checkpoint = Checkpoint }), CancellationToken.None);
        Assert.Equal(("skipped", "no_checkpoint"), (run.Result, run.Reason));
        Assert.False(run.Counted);
        Assert.Contains("none of the checkpoints", run.Detail);
        Assert.Empty((await http.GetJsonAsync("history")).Body!.AsObject());
        Assert.Equal(0, sim.Fleet.Instances[0].QueueRemaining);

        var status = new State.CanaryStatus(10);
        status.Record(run);
        Assert.Null(status.LastSuccess); // neither a success nor a failure: the SLO does not see it
    }

    [Fact]
    public async Task TheSamplerGraphPassesValidationAgainstTheRecordedObjectInfo()
    {
        // The simulator validates every prompt as ComfyUI 0.3.64 does, from that server's recorded /object_info.
        await using var sim = await SimulatorHost.StartAsync(1);
        using var http = sim.Http();
        var graph = new SamplerCanary(new SamplerCanaryOptions { Checkpoint = Checkpoint }).Graph(Checkpoint, "monitoring");
        var (status, body) = await http.PostJsonAsync("prompt", new JsonObject { ["prompt"] = graph });
        Assert.True(status == 200, body?.ToJsonString());
        Assert.Empty(body!["node_errors"]!.AsObject());
    }

    private static (CanaryRunner, ComfyApi.ComfyEndpoint, ComfyApi.ComfyClient) Runner(SimulatorHost sim)
    {
        var endpoint = new ComfyApi.ComfyEndpoint("sim", sim.Url());
        var runner = new CanaryRunner(Options.Create(new ProbeOptions { Timeout = TimeSpan.FromSeconds(30), RequestTimeout = TimeSpan.FromSeconds(10) }), TimeProvider.System);
        return (runner, endpoint, ComfyApi.ComfyClientFactory.Create(endpoint, new ComfyApi.ComfyClientOptions { Timeout = TimeSpan.FromSeconds(10) }));
    }
}
