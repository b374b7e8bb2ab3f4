using System.Diagnostics;
using ComfyMonitor.Testing;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>promtool accepts the shipped rules, and their unit tests pass (every alert fires when it should, not before its for:, and not when healthy).</summary>
public sealed class RuleTests
{
    [Fact]
    public async Task PromtoolChecksTheRules() =>
        await Promtool("check", "rules", "rules.yml", "alerts.yml");

    [Fact]
    public async Task PromtoolUnitTestsOfEveryAlertPass() =>
        await Promtool("test", "rules", "alerts_test.yml");

    [Fact]
    public void EveryAlertHasAUnitTestARunbookSectionAndItsAnnotations()
    {
        var prometheus = Path.Combine(Repository.Dashboards, "prometheus");
        var alerts = AlertRules.Load(Path.Combine(prometheus, "alerts.yml"));
        var tests = File.ReadAllText(Path.Combine(prometheus, "alerts_test.yml"));
        var runbooks = File.ReadAllText(Path.Combine(Repository.Dashboards, "runbooks.md"));
        Assert.Equal(11, alerts.Count);
        foreach (var alert in alerts)
        {
            Assert.Contains($"alertname: {alert.Name}", tests);
            Assert.Contains($"## {alert.Name}", runbooks);
            Assert.Contains(alert.Labels["severity"], new[] { "critical", "warning" });
            Assert.False(string.IsNullOrEmpty(alert.For), $"{alert.Name} has no for:");
            Assert.Contains("comfyui_instance", alert.Annotations["summary"] + alert.Annotations["description"] + (alert.Name.EndsWith("Drift", StringComparison.Ordinal) ? "comfyui_instance" : ""));
            Assert.Contains("$value", alert.Annotations["description"]);
            Assert.EndsWith($"runbooks.md#{alert.Name.ToLowerInvariant()}", alert.Annotations["runbook_url"]);
        }
    }

    private static async Task Promtool(params string[] args)
    {
        var info = new ProcessStartInfo("promtool") { WorkingDirectory = Path.Combine(Repository.Dashboards, "prometheus"), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output);
    }
}
