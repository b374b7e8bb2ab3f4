using Microsoft.Extensions.Options;

namespace ComfyMonitor.Probe.Tests;

/// <summary>Invalid probe settings are reported at start, all at once, each with its key.</summary>
public sealed class ConfigurationTests : IDisposable
{
    public static TheoryData<string, string?, string> BadSettings() => new()
    {
        { "Probe:Interval", "00:00:00", "Probe:Interval must be positive" },
        { "Probe:Timeout", "-00:00:01", "Probe:Timeout must be positive" },
        { "Probe:Shard:Index", "1", "Probe:Shard:Index must be from 0" },
        { "Probe:MaxInstances", "0", "Probe:MaxInstances must be at least 1" },
        { "Probe:MaxInstances", "many", "'Probe:MaxInstances'" },
        { "Probe:Timeout", "two minutes", "'Probe:Timeout'" },
        { "Probe:Canaries:Sparkle:Enabled", "true", "Probe:Canaries:Sparkle is not a built-in canary" },
        { "Probe:Subfolder", "../escape", "Probe:Subfolder must be a relative folder name" },
        { "Probe:Custom:0:Workflow", "/nonexistent/workflow.json", "Probe:Custom:0:Workflow '/nonexistent/workflow.json' cannot be used" },
        { "Probe:Custom:0:Name", "render", "Probe:Custom:0:Name 'render' is already used" },
        { "Probe:Custom:0:MeanColor", "red", "Probe:Custom:0:MeanColor must be #RRGGBB" },
        { "Probe:Custom:0:OutputNode", "99", "Probe:Custom:0:OutputNode '99' is not a node of" },
        { "ComfyUI:Instances:0:Url", "not a url", "ComfyUI:Instances:0:Url" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task AnInvalidSettingStopsTheStartWithItsKey(string key, string? value, string expected)
    {
        var config = await ValidAsync();
        config[key] = value;
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => ProbeHost.StartAsync(config));
        Assert.Contains(ex.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnparsableCustomWorkflowIsReported()
    {
        var config = await ValidAsync();
        await File.WriteAllTextAsync(config["Probe:Custom:0:Workflow"]!, "{\"1\": {\"inputs\": {}}}");
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => ProbeHost.StartAsync(config));
        Assert.Contains(ex.Failures, f => f.Contains("not an API-format workflow", StringComparison.Ordinal));
    }

    /// <summary>The workflow files this test wrote, deleted after it.</summary>
    private readonly List<string> _workflows = [];

    public void Dispose() => _workflows.ForEach(File.Delete);

    private async Task<Dictionary<string, string?>> ValidAsync()
    {
        var workflow = Path.Combine(Path.GetTempPath(), $"comfymonitor-wf-{Guid.NewGuid():N}.json");
        _workflows.Add(workflow);
        await File.WriteAllTextAsync(workflow, "{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {}}, \"2\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"1\", 0]}}}");
        return new()
        {
            ["ComfyUI:Instances:0:Url"] = "http://127.0.0.1:1",
            ["Probe:Custom:0:Name"] = "team",
            ["Probe:Custom:0:Workflow"] = workflow,
            ["Probe:Custom:0:OutputNode"] = "2",
        };
    }
}
