using ComfyMonitor.Testing;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// promtool accepts the shipped rules, and their unit tests pass: every alert fires on the shapes it is for (recall)
/// and stays silent on the normal shapes of a ComfyUI fleet (precision).
/// </summary>
[Collection(Tool.PromtoolUnitTests)] // each runs the alerts' unit tests (~25 s of CPU): one after the other, not on both cores at once
public sealed class RuleTests
{
    [Fact]
    public async Task PromtoolChecksTheRules() =>
        await Promtool("check", "rules", "rules.yml", "alerts.yml");

    [Fact]
    public async Task PromtoolChecksTheShippedConfigurationAndItsTargetLists() =>
        await Promtool("check", "config", "prometheus.yml");

    [Fact]
    public async Task PromtoolUnitTestsOfEveryAlertPass() =>
        await Promtool("test", "rules", "alerts_test.yml", "alerts_test_long.yml");

    [Fact]
    public void EveryAlertHasRecallAndPrecisionTestsARunbookSectionAndItsAnnotations()
    {
        var prometheus = Path.Combine(Repository.Dashboards, "prometheus");
        var alerts = AlertRules.Load(Path.Combine(prometheus, "alerts.yml"));
        var tests = File.ReadAllText(Path.Combine(prometheus, "alerts_test.yml")) + File.ReadAllText(Path.Combine(prometheus, "alerts_test_long.yml"));
        var runbooks = File.ReadAllText(Path.Combine(Repository.Dashboards, "runbooks.md"));
        Assert.Equal(
            ["ComfyMonitorScrapeFailing", "ComfyUIBlankOutputs", "ComfyUICanaryErrorBudgetBurn", "ComfyUICanarySlow", "ComfyUICrashLooping", "ComfyUIExtensionDrift", "ComfyUIInstanceDown",
             "ComfyUIModelDrift", "ComfyUIOutOfMemory", "ComfyUIPromptErrorRateHigh", "ComfyUIQueueBacklog", "ComfyUIQueueStalled", "ComfyUIRAMLeak", "ComfyUISamplingSlow", "ComfyUIVRAMLeak",
             "ComfyUIVersionDrift"],
            alerts.Select(a => a.Name).Distinct().Order(StringComparer.Ordinal));
        foreach (var alert in alerts)
        {
            Assert.Contains($"name: '{alert.Name} fires on: ", tests);
            Assert.Contains($"name: '{alert.Name} stays silent on: ", tests);
            Assert.Contains($"## {alert.Name}", runbooks);
            Assert.Contains(alert.Labels["severity"], new[] { "critical", "warning" });
            Assert.False(string.IsNullOrEmpty(alert.For), $"{alert.Name} has no for:");
            Assert.Contains("comfyui_instance", alert.Annotations["summary"] + alert.Annotations["description"] + (alert.Name.EndsWith("Drift", StringComparison.Ordinal) ? "comfyui_instance" : ""));
            Assert.Contains("$value", alert.Annotations["description"]);
            Assert.EndsWith($"runbooks.md#{alert.Name.ToLowerInvariant()}", alert.Annotations["runbook_url"]);
        }

        // Every runbook section says why normal ComfyUI behaviour does not raise its alert.
        foreach (var section in runbooks.Split("\n## ").Skip(1))
        {
            Assert.Contains("**Why it stays silent on normal work:**", section);
        }
    }

    private static async Task Promtool(params string[] args)
    {
        var (exit, output, errors) = await Tool.RunAsync("promtool", args, Path.Combine(Repository.Dashboards, "prometheus"));
        Assert.True(exit == 0, output + errors);
    }
}
