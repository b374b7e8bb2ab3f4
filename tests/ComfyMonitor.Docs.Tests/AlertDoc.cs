namespace ComfyMonitor.Docs.Tests;

/// <summary>
/// One alert as docs/alerts.md describes it: its rules (one, or one per severity) from alerts.yml, its summary, and from
/// its runbook what users feel and why it stays silent on normal work.
/// </summary>
public sealed record AlertDoc(string Name, IReadOnlyList<AlertCondition> Conditions, string Summary, string UsersFeel, string StaysSilent)
{
    /// <summary>Its section of the reference.</summary>
    public DocEntry Section => new(Name, string.Join("\n\n", new[] { $"### {Name}", Summary.Length > 0 ? $"> {Summary}" : "" }
        .Where(p => p.Length > 0)
        .Concat(Conditions.Select(c => $"**Severity** {c.Severity}, **for** {c.For}:\n\n```promql\n{c.Expr.TrimEnd('\n')}\n```"))
        .Concat(
        [
            $"**Users feel:** {UsersFeel}",
            $"**Why it stays silent on normal work:** {StaysSilent}",
            $"How to confirm and fix it: [runbook]({AlertsReference.Runbooks}#{MarkdownLinks.Slug(Name)}).",
        ])));

    /// <summary>Its row of the overview.</summary>
    public DocEntry Row => new(Name,
        $"| [{Name}](#{MarkdownLinks.Slug(Name)}) | {string.Join(" / ", Conditions.Select(c => c.Severity))} | {string.Join(" / ", Conditions.Select(c => c.For))} | {GeneratedDocs.Cell(UsersFeel)} |");
}
