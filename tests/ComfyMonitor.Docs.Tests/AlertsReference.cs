using System.Text.RegularExpressions;
using ComfyMonitor.EndToEnd.Tests;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Docs.Tests;

/// <summary>
/// docs/alerts.md from dashboards/prometheus/alerts.yml (severity, <c>for</c>, expression, summary) and
/// dashboards/runbooks.md (what users feel, why normal work does not raise the alert), where the alerts' runbook_url
/// points and where confirming and fixing stay.
/// </summary>
public static partial class AlertsReference
{
    public const string Document = "docs/alerts.md";

    /// <summary>The runbooks, relative to docs/.</summary>
    public const string Runbooks = "../dashboards/runbooks.md";

    /// <summary>Every alert of the shipped rules, in their order.</summary>
    public static List<AlertDoc> FromCode()
    {
        var rules = AlertRules.Load(Path.Combine(Repository.Dashboards, "prometheus", "alerts.yml"));
        var runbooks = File.ReadAllText(Path.Combine(Repository.Dashboards, "runbooks.md"));
        return rules.GroupBy(r => r.Name).Select(alert =>
        {
            var section = Section(runbooks, alert.Key);
            return new AlertDoc(alert.Key,
                alert.Select(r => new AlertCondition(r.Labels.GetValueOrDefault("severity", ""), r.For, r.Expr)).ToList(),
                Template().Replace(alert.First().Annotations.GetValueOrDefault("summary", ""), m => $"`<{m.Groups[1].Value}>`"),
                Fact(section, UsersFeel()), Fact(section, StaysSilent()));
        }).ToList();
    }

    /// <summary>The overview table and the sections of docs/alerts.md.</summary>
    public static List<DocRegion> Regions(IReadOnlyList<AlertDoc> alerts) =>
    [
        new("alerts-overview", "| alert | severity | for | users feel |\n|---|---|---|---|", alerts.Select(a => a.Row).ToList()),
        new("alerts", "", alerts.Select(a => a.Section).ToList(), Sections: true),
    ];

    /// <summary>The runbook section of <paramref name="alert"/>: from its heading to the next.</summary>
    private static string Section(string runbooks, string alert)
    {
        var start = runbooks.IndexOf($"\n## {alert}\n", StringComparison.Ordinal);
        if (start < 0)
        {
            return "";
        }

        var end = runbooks.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return runbooks[start..(end < 0 ? runbooks.Length : end)];
    }

    private static string Fact(string section, Regex fact) => fact.Match(section) is { Success: true } m ? Whitespace().Replace(m.Groups[1].Value, " ").Trim() : "";

    [GeneratedRegex(@"\*\*Users feel:\*\*\s(.*?)(?=\s\*\*[A-Z][^*]*:\*\*|\n\n)", RegexOptions.Singleline)]
    private static partial Regex UsersFeel();

    [GeneratedRegex(@"\*\*Why it stays silent on normal work:\*\*\s(.*?)(?=\n\n|$)", RegexOptions.Singleline)]
    private static partial Regex StaysSilent();

    [GeneratedRegex(@"\{\{\s*\$labels\.(\w+)\s*\}\}")]
    private static partial Regex Template();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
