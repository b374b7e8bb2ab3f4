using ComfyMonitor.Testing;

namespace ComfyMonitor.Docs.Tests;

/// <summary>docs/alerts.md says what the alert rules and their runbooks say: every alert, its severity, expression and for, what users feel and why it stays silent.</summary>
public sealed class AlertsDocTests
{
    [Fact]
    public void TheAlertsReferenceIsWhatTheRulesAndRunbooksSay() =>
        GeneratedDocs.Check(AlertsReference.Document, AlertsReference.Regions(AlertsReference.FromCode()));

    [Fact]
    public void EveryAlertSaysWhatUsersFeelAndWhyItStaysSilentOnNormalWork()
    {
        var alerts = AlertsReference.FromCode();
        Assert.Equal(16, alerts.Count);
        Assert.Empty(alerts.Where(a => a.UsersFeel.Length == 0 || a.StaysSilent.Length == 0 || a.Summary.Length == 0).Select(a => a.Name));
        Assert.Equal(["critical", "warning"], alerts.Single(a => a.Name == "ComfyUICanaryErrorBudgetBurn").Conditions.Select(c => c.Severity));
    }

    [Fact]
    public void AnAlertAddedToTheRulesIsReportedMissingFromTheDocument()
    {
        var alerts = AlertsReference.FromCode();
        alerts.Add(new AlertDoc("ComfyUIDiskFull", [new("warning", "30m", "comfyui_disk_free_bytes == 0")], "The disk is full", "uploads fail", "a full disk is never normal"));
        Assert.Equal(["ComfyUIDiskFull: in the code, not in docs/alerts.md", "ComfyUIDiskFull: in the code, not in docs/alerts.md"], Drift(alerts));
    }

    [Fact]
    public void AnAlertRemovedFromTheRulesIsReportedAsLeftInTheDocument()
    {
        var alerts = AlertsReference.FromCode();
        alerts.RemoveAll(a => a.Name == "ComfyUIVersionDrift");
        Assert.Equal(["ComfyUIVersionDrift: in docs/alerts.md, not in the code", "ComfyUIVersionDrift: in docs/alerts.md, not in the code"], Drift(alerts));
    }

    [Fact]
    public void AChangedForOrExpressionIsReported()
    {
        var alerts = AlertsReference.FromCode();
        var i = alerts.FindIndex(a => a.Name == "ComfyUIInstanceDown");
        alerts[i] = alerts[i] with { Conditions = [new("critical", "5m", "comfyui_up == 0")] };
        var drift = Drift(alerts);
        Assert.Equal(2, drift.Count);
        Assert.All(drift, d => Assert.StartsWith("ComfyUIInstanceDown: the code says", d, StringComparison.Ordinal));
        Assert.Contains(" | critical | 5m | ", drift[0], StringComparison.Ordinal);
        Assert.StartsWith("ComfyUIInstanceDown: the code says \"**Severity** critical, **for** 5m:\", docs/alerts.md says \"**Severity** critical, **for** 2m:\"", drift[1], StringComparison.Ordinal);
    }

    private static List<string> Drift(IReadOnlyList<AlertDoc> alerts)
    {
        var current = GeneratedDocs.Apply(File.ReadAllText(Path.Combine(Repository.Root, AlertsReference.Document)), AlertsReference.Regions(AlertsReference.FromCode()));
        return GeneratedDocs.Drift(AlertsReference.Regions(alerts), current, AlertsReference.Document);
    }
}
