using System.Text.Json.Nodes;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.Running;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>Each canary passes on a healthy instance and fails with the right reason in each scenario.</summary>
public sealed class CanaryTests : IAsyncLifetime
{
    private RunnerFixture _f = null!;

    public async ValueTask InitializeAsync() => _f = await RunnerFixture.StartAsync();

    public async ValueTask DisposeAsync() => await _f.DisposeAsync();

    public static TheoryData<string> BuiltIn() => [RenderCanary.CanaryName, UploadCanary.CanaryName, MaskCanary.CanaryName];

    [Theory]
    [MemberData(nameof(BuiltIn))]
    public async Task EachCanaryPassesOnAHealthyInstanceWithEveryPhaseTimed(string name)
    {
        var run = await _f.RunAsync(Canary(name));
        Assert.True(run.Success, $"{run.Reason}: {run.Detail}");
        Assert.Equal("none", run.Reason);
        string[] phases = name switch
        {
            "render" => [Phase.Submit, Phase.QueueWait, Phase.Execute, Phase.FetchOutput, Phase.Total],
            "upload" => [Phase.UploadImage, Phase.Submit, Phase.QueueWait, Phase.Execute, Phase.FetchOutput, Phase.Total],
            _ => [Phase.UploadImage, Phase.UploadMask, Phase.Submit, Phase.QueueWait, Phase.Execute, Phase.FetchOutput, Phase.Total],
        };
        Assert.Equal(phases.Order(), run.Phases.Keys.Order());
        Assert.NotEmpty(run.Nodes!);
        Assert.All(run.Nodes!, n => Assert.True(n.Seconds >= 0 && n.NodeType.Length > 0, $"{n}"));
        Assert.Contains(run.Nodes!, n => n.NodeType is "SaveImage" or "PreviewImage");
        Assert.True(run.Phases[Phase.Total] >= run.Phases[Phase.Submit]);
    }

    [Theory]
    [InlineData("render", "down", "connect")]
    [InlineData("upload", "down", "connect")]
    [InlineData("render", "hang", "timeout")]
    [InlineData("mask", "hang", "timeout")]
    [InlineData("render", "stuck", "timeout")]
    [InlineData("render", "oom", "execution_error")]
    [InlineData("upload", "oom", "execution_error")]
    [InlineData("mask", "oom", "execution_error")]
    [InlineData("render", "garbage", "invalid_response")]
    [InlineData("render", "errors", "http_status")]
    [InlineData("upload", "errors", "upload_rejected")]
    [InlineData("render", "wrong-pixels", "output_mismatch")]
    [InlineData("upload", "wrong-pixels", "output_mismatch")]
    [InlineData("mask", "wrong-pixels", "output_mismatch")]
    public async Task EachScenarioFailsTheCanaryWithItsReason(string canary, string scenario, string reason)
    {
        await _f.Sim.SetScenarioAsync(0, scenario);
        try
        {
            // The scenarios that must end in a timeout get a short one; the others the fixture's generous one, so that a
            // loaded machine cannot turn their reason into a timeout.
            var run = reason == "timeout" ? await _f.RunAsync(Canary(canary), RunnerFixture.Timeouts(TimeSpan.FromSeconds(6))) : await _f.RunAsync(Canary(canary));
            Assert.False(run.Success);
            Assert.Equal(reason, run.Reason);
            Assert.False(string.IsNullOrWhiteSpace(run.Detail));
            if (reason == "execution_error")
            {
                Assert.Equal("torch.OutOfMemoryError", run.ExceptionType);
                Assert.False(string.IsNullOrEmpty(run.NodeType));
            }
        }
        finally
        {
            await _f.Sim.SetScenarioAsync(0, "healthy");
        }
    }

    [Theory]
    [MemberData(nameof(BuiltIn))]
    public async Task WithoutAWebSocketTheRunIsFollowedByPolling(string name)
    {
        await _f.Sim.SetScenarioAsync(0, "no-websocket");
        try
        {
            var run = await _f.RunAsync(Canary(name));
            Assert.True(run.Success, $"{run.Reason}: {run.Detail}");
            Assert.Contains("polling /history", run.Detail);
            Assert.True(run.Phases.ContainsKey(Phase.Execute));
        }
        finally
        {
            await _f.Sim.SetScenarioAsync(0, "healthy");
        }
    }

    [Fact]
    public async Task AMissingUploadIsAValidationError()
    {
        var run = await _f.RunAsync(new BrokenUploadCanary());
        Assert.Equal("validation_error", run.Reason);
        Assert.Contains("custom_validation_failed", run.Detail);
    }

    [Fact]
    public async Task TheProbeKeepsOnlyItsNewestHistoryEntryForTheCollector()
    {
        using var http = _f.Sim.Http();
        await http.PostJsonAsync("history", new JsonObject { ["clear"] = true });
        foreach (var name in new[] { "render", "upload", "mask", "render" })
        {
            var run = await _f.RunAsync(Canary(name));
            Assert.True(run.Success, $"{run.Reason}: {run.Detail}");
        }

        await _f.Sim.SetScenarioAsync(0, "oom");
        await _f.RunAsync(Canary("render"));
        await _f.Sim.SetScenarioAsync(0, "healthy");

        // The last run's entry stays (the collector reads its prompt number to tell a restart); every earlier one is gone.
        var kept = Assert.Single((await http.GetJsonAsync("history")).Body!.AsObject());
        Assert.StartsWith(QueueItem.ProbeClientIdPrefix, (string?)kept.Value!["prompt"]![3]!["client_id"], StringComparison.Ordinal);
        Assert.Equal("error", (string?)kept.Value["status"]!["status_str"]);
    }

    [Fact]
    public async Task ANewProbeProcessDeletesTheEntryAnEarlierOneKeptButNoUsersEntry()
    {
        using var http = _f.Sim.Http();
        await http.PostJsonAsync("history", new JsonObject { ["clear"] = true });
        var user = await http.SubmitAsync(CanaryFiles.EmptyImageSaveWithColour(5));
        await http.WaitForHistoryAsync(user);

        // Each RunAsync with options is a runner of its own: a probe process started after the one before it ended.
        var first = await _f.RunAsync(Canary("render"), _f.Options);
        var second = await _f.RunAsync(Canary("render"), _f.Options);
        Assert.True(first.Success && second.Success, $"{first.Reason}: {first.Detail} / {second.Reason}: {second.Detail}");

        var history = (await http.GetJsonAsync("history")).Body!.AsObject();
        Assert.Equal(2, history.Count);
        Assert.Contains(user, history.Select(e => e.Key));
        Assert.Single(history, e => ((string?)e.Value!["prompt"]![3]!["client_id"])?.StartsWith(QueueItem.ProbeClientIdPrefix, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task EachRunVariesItsInputsSoTheCacheCannotAnswer()
    {
        var first = await _f.RunAsync(Canary("render"));
        var second = await _f.RunAsync(Canary("render"));
        Assert.True(first.Success && second.Success, $"{first.Reason}: {first.Detail} / {second.Reason}: {second.Detail}");
        var instance = _f.Sim.Fleet.Instances[0];
        Assert.True(instance.HistoryCount <= 1); // deleted but the newest, and the runs executed: their outputs are on disk
        var outputs = Directory.GetFiles(Path.Combine(instance.Files.Folder("output"), "monitoring"), "canary_*.png");
        Assert.True(outputs.Length >= 2);
    }

    internal static Canary Canary(string name) => name switch
    {
        "render" => new RenderCanary(),
        "upload" => new UploadCanary(),
        "mask" => new MaskCanary(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private sealed class BrokenUploadCanary : Canary
    {
        public override string Name => "broken";

        public override Task<CanaryPlan> PrepareAsync(CanaryContext context, CancellationToken cancellationToken)
        {
            var graph = CanaryFiles.LoadImageInvertPreview;
            graph["1"]!["inputs"]!["image"] = "monitoring/never-uploaded.png";
            return Task.FromResult(new CanaryPlan(graph, "3", _ => null));
        }
    }
}
