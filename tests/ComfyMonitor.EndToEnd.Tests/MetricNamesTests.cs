using System.Text.RegularExpressions;
using ComfyMonitor.Hosting;
using ComfyMonitor.Testing;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// The dashboards, the rules, the README and docs/ name only metrics that are exported (MetricCatalog, which the
/// collector's and the probe's tests hold to their instruments), and docs/metrics.md documents every one of them.
/// </summary>
public sealed partial class MetricNamesTests
{
    /// <summary>Label names that look like metric names.</summary>
    private static readonly HashSet<string> LabelNames =
    [
        "comfyui_instance", "comfyui_version",
        ComfyMonitor.Discovery.TargetExpectations.StallAfterLabel, ComfyMonitor.Discovery.TargetExpectations.BacklogAfterLabel,
        ComfyMonitor.Discovery.TargetExpectations.MaxQueueWaitLabel,
    ];

    private static readonly HashSet<string> Known = MetricCatalog.All.SelectMany(MetricCatalog.SeriesNames).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void EveryMetricTheDashboardsAndRulesQueryIsExported()
    {
        var dashboards = DashboardChecker.Load(Path.Combine(Repository.Dashboards, "grafana", "dashboards"));
        foreach (var (file, panel, expr) in DashboardChecker.Queries(dashboards))
        {
            Assert.True(Unknown(expr).Count == 0, $"{file} / {panel} queries what is not exported: {string.Join(", ", Unknown(expr))}");
        }

        foreach (var (file, selector) in DashboardChecker.InstanceVariableSelectors(dashboards))
        {
            Assert.Empty(Unknown(selector));
        }

        foreach (var file in new[] { "rules.yml", "alerts.yml" })
        {
            var text = File.ReadAllText(Path.Combine(Repository.Dashboards, "prometheus", file));
            Assert.True(Unknown(text).Count == 0, $"{file} names what is not exported: {string.Join(", ", Unknown(text))}");
        }
    }

    [Fact]
    public void TheMetricsReferenceDocumentsEveryExportedMetricAndTheReadmeNoOther()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        Assert.True(Unknown(readme).Count == 0, "the README names what is not exported: " + string.Join(", ", Unknown(readme)));
        var reference = File.ReadAllText(Path.Combine(Repository.Root, "docs", "metrics.md"));
        var undocumented = MetricCatalog.All.Where(m => !new[] { "`", " ", "{" }.Any(end => reference.Contains($"`{m.Name}{end}", StringComparison.Ordinal)))
            .Select(m => m.Name).ToList();
        Assert.True(undocumented.Count == 0, "exported but not in docs/metrics.md: " + string.Join(", ", undocumented));
    }

    [Fact]
    public void TheReferenceDocumentsNameOnlyExportedMetrics()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md").Append(Path.Combine(Repository.Root, "CHANGELOG.md")))
        {
            var unknown = Unknown(File.ReadAllText(file));
            Assert.True(unknown.Count == 0, $"{Path.GetRelativePath(Repository.Root, file)} names what is not exported: {string.Join(", ", unknown)}");
        }
    }

    [Theory]
    [InlineData("sum(comfyui_queue_lenght{comfyui_instance=~\"$comfyui_instance\"})", "comfyui_queue_lenght")]
    [InlineData("rate(comfyui_prompts_completed[5m])", "comfyui_prompts_completed")]
    [InlineData("histogram_quantile(0.9, rate(comfyui_canary_duration_bucket[5m]))", "comfyui_canary_duration_bucket")]
    public void AQueryOfAMetricThatIsNotExportedIsCaught(string expr, string unknown) => Assert.Equal([unknown], Unknown(expr));

    [Fact]
    public void RecordingRulesLabelsAndExportedSeriesAreNotCaught() =>
        Assert.Empty(Unknown("comfyui_instance:canary_error_ratio:rate5m{comfyui_instance=\"a\"} / scalar(comfyui:canary_availability:objective)"
            + " + count by (comfyui_version) (comfyui_build_info) + rate(comfyui_canary_duration_seconds_bucket[5m]) + up"));

    /// <summary>The comfyui_ and comfymonitor_ names in <paramref name="text"/> that are neither exported series nor label names.</summary>
    private static List<string> Unknown(string text) =>
        MetricName().Matches(text).Select(m => m.Value).Where(n => !Known.Contains(n) && !LabelNames.Contains(n)).Distinct().ToList();

    /// <summary>A name of ours, not part of a recording rule's name (those have colons) nor of a longer word.</summary>
    [GeneratedRegex(@"(?<![\w:.\-/])(comfyui|comfymonitor)_[a-z0-9_]+(?![\w:\-])")]
    private static partial Regex MetricName();
}
