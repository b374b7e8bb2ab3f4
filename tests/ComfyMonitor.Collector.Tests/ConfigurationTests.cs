using Microsoft.Extensions.Options;

namespace ComfyMonitor.Collector.Tests;

/// <summary>Invalid settings are reported at start, all at once, each with its key (like blackbox_exporter's bad-config tests).</summary>
public sealed class ConfigurationTests
{
    public static TheoryData<string, string?, string> BadSettings() => new()
    {
        { "ComfyUI:Instances:0:Url", "", "ComfyUI:Instances:0:Url is missing" },
        { "ComfyUI:Instances:0:Url", "gpu-01:8188/x", "ComfyUI:Instances:0:Url" },
        { "ComfyUI:Instances:0:Url", "/relative/path", "ComfyUI:Instances:0:Url is not an absolute URL" },
        { "ComfyUI:Instances:0:Url", "ftp://gpu-01:8188", "ComfyUI:Instances:0:Url must use http or https" },
        { "ComfyUI:Instances:1:Name", "gpu-a", "ComfyUI:Instances:1:Name 'gpu-a' is already used by ComfyUI:Instances:0" },
        { "Collector:Interval", "00:00:00", "Collector:Interval must be positive" },
        { "Collector:Interval", "-00:00:05", "Collector:Interval must be positive" },
        { "Collector:Timeout", "00:00:30", "Collector:Timeout (00:00:30) must be shorter than Collector:Interval" },
        { "Collector:StallAfter", "00:00:00", "Collector:StallAfter must be positive" },
        { "Collector:MaxConcurrency", "0", "Collector:MaxConcurrency must be at least 1" },
        { "Collector:ModelsInterval", "00:00:00", "Collector:ModelsInterval must be positive" },
        { "Collector:ModelFolders", "checkpoints,*", "Collector:ModelFolders: '*' is not a folder name" },
        { "Collector:ModelFolders", "checkpoints,../etc", "Collector:ModelFolders: '../etc' is not a folder name" },
        { "Collector:ModelFolders", string.Join(',', Enumerable.Range(0, 33).Select(i => $"f{i}")), "Collector:ModelFolders lists 33 folders, at most 32" },
        { "Collector:ModelDriftGroupLabel", "team-name", "Collector:ModelDriftGroupLabel 'team-name' is not a label name" },
        { "Collector:MaxInstances", "0", "Collector:MaxInstances must be at least 1" },
        { "Collector:MaxInstances", "many", "'Collector:MaxInstances'" },
        { "Collector:Interval", "five seconds", "'Collector:Interval'" },
        { "Collector:Shard:Index", "2", "Collector:Shard:Index must be from 0 to Collector:Shard:Count - 1" },
        { "Collector:Shard:Count", "0", "Collector:Shard:Count must be at least 1" },
        { "ComfyUI:Discovery:Files:0", "/nonexistent/targets.json", "ComfyUI:Discovery:Files:0 '/nonexistent/targets.json' cannot be read" },
        { "ComfyUI:Discovery:HttpUrl", "not a url", "ComfyUI:Discovery:HttpUrl must be an absolute http or https URL" },
        { "ComfyUI:Discovery:RefreshInterval", "00:00:00", "ComfyUI:Discovery:RefreshInterval must be positive" },
        { "Collector:BacklogAfter", "-00:01:00", "Collector:BacklogAfter must be positive" },
        { "Collector:MaxLearnedStallAfter", "00:00:00", "Collector:MaxLearnedStallAfter must be positive" },
        // An instance's own expectations: the key names the target and the label or pool setting.
        { "ComfyUI:Instances:0:Labels:comfymonitor_stall_after", "-5m", "ComfyUI:Instances:0:Labels:comfymonitor_stall_after: '-5m' is not a duration" },
        { "ComfyUI:Instances:0:Labels:comfymonitor_stall_after", "-00:05:00", "ComfyUI:Instances:0:Labels:comfymonitor_stall_after: '-00:05:00' must be positive" },
        { "ComfyUI:Instances:0:Labels:comfymonitor_backlog_after", "soon", "ComfyUI:Instances:0:Labels:comfymonitor_backlog_after: 'soon' is not a duration" },
        { "ComfyUI:Instances:1:Labels:comfymonitor_max_queue_wait", "0s", "ComfyUI:Instances:1:Labels:comfymonitor_max_queue_wait: '0s' must be positive" },
        { "ComfyUI:Instances:0:Labels:comfymonitor_stall_afer", "45m", "ComfyUI:Instances:0:Labels:comfymonitor_stall_afer is not one of comfymonitor_stall_after" },
        { "ComfyUI:Instances:0:Labels:comfymonitor_stall_after", "45", "'45' is not a duration" },
        { "ComfyUI:Pools:video:StallAfter", "forty minutes", "ComfyUI:Pools:video:StallAfter: 'forty minutes' is not a duration" },
        { "ComfyUI:Pools:video:MaxQueueWait", "-1h", "ComfyUI:Pools:video:MaxQueueWait: '-1h' is not a duration" },
        { "ComfyUI:PoolLabel", "pool-name", "ComfyUI:PoolLabel 'pool-name' is not a label name" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task AnInvalidSettingStopsTheStartWithItsKey(string key, string? value, string expected)
    {
        var config = Valid();
        config[key] = value;
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => CollectorHost.StartAsync(config));
        Assert.Contains(ex.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AllProblemsAreReportedAtOnce()
    {
        var config = Valid();
        config["ComfyUI:Instances:0:Url"] = "ftp://x";
        config["Collector:Interval"] = "00:00:00";
        config["Collector:Shard:Index"] = "5";
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => CollectorHost.StartAsync(config));
        var all = string.Join("\n", ExpandFailures(ex));
        Assert.Contains("ComfyUI:Instances:0:Url", all, StringComparison.Ordinal);
        Assert.Contains("Collector:Interval", all, StringComparison.Ordinal);
        Assert.Contains("Collector:Shard:Index", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadExpectationInADiscoveryFileStopsTheStartNamingTheFileTheTargetAndTheLabel()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("comfymonitor-sd-").FullName, "targets.json");
        await File.WriteAllTextAsync(file, """[{"targets": ["gpu-07:8188"], "labels": {"pool": "video", "comfymonitor_stall_after": "-40m"}}]""");
        var config = Valid();
        config["ComfyUI:Discovery:Files:0"] = file;
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => CollectorHost.StartAsync(config));
        Assert.Contains(ex.Failures, f => f.Contains($"ComfyUI:Discovery:Files:0 '{file}': target 'gpu-07:8188': label comfymonitor_stall_after: '-40m' is not a duration", StringComparison.Ordinal));
    }

    private static IEnumerable<string> ExpandFailures(Exception ex) => ex switch
    {
        OptionsValidationException o => o.Failures,
        AggregateException a => a.InnerExceptions.SelectMany(ExpandFailures),
        _ => [ex.Message],
    };

    private static Dictionary<string, string?> Valid() => new()
    {
        ["ComfyUI:Instances:0:Url"] = "http://127.0.0.1:1",
        ["ComfyUI:Instances:0:Name"] = "gpu-a",
        ["ComfyUI:Instances:1:Url"] = "http://127.0.0.1:2",
    };
}
