using System.Globalization;
using System.Net;
using System.Text;
using ComfyMonitor.Collector.State;

namespace ComfyMonitor.Collector.Pages;

/// <summary>The page at / for people, and /api/fleet with the same data. Everything from a server is HTML-encoded.</summary>
public static class FleetPage
{
    public static IEnumerable<FleetEntry> Entries(FleetState fleet) => Entries(fleet.Snapshots());

    private static IEnumerable<FleetEntry> Entries(IReadOnlyList<InstanceSnapshot> snapshots) =>
        snapshots.Select(s => new FleetEntry(
            s.Name,
            s.Up,
            s.Build?.ComfyUIVersion,
            s.Devices.FirstOrDefault()?.Device,
            s.VramUsedPercent,
            s.Queue?.Running,
            s.Queue?.Pending,
            s.Stalled,
            s.StallAfterSeconds is { } window ? ComfyMonitor.Discovery.Durations.Format(TimeSpan.FromSeconds(window)) : null,
            s.LastScrape,
            s.LastError,
            s.Restarts,
            Readiness.Of(s).Reason,
            s.RecentFailures.Count));

    public static string Render(FleetState fleet, CollectorOptions options, TimeProvider time)
    {
        var snapshots = fleet.Snapshots();
        var entries = Entries(snapshots).ToList();
        var html = ComfyMonitor.Hosting.HtmlPage.Start("collector", 4096 + (entries.Count * 400), """
            table{border-collapse:collapse;font-size:.9rem}th,td{padding:.3rem .6rem}
            .down{color:#b00;font-weight:600}.up{color:#070}.stalled{color:#b60;font-weight:600}
            td.err{min-width:20rem;max-width:40rem;overflow-wrap:break-word;color:#555}
            td.msg{min-width:24rem;max-width:50rem;overflow-wrap:break-word;color:#555}h2{font-size:1rem;margin-top:1.5rem}
            """);
        var up = entries.Count(e => e.Up);
        html.Append(CultureInfo.InvariantCulture, $"<p>{entries.Count} instances, {up} up, {entries.Count(e => e.Stalled == true)} stalled. ");
        html.Append(CultureInfo.InvariantCulture, $"Interval {options.Interval.TotalSeconds:0.#} s, timeout {options.Timeout.TotalSeconds:0.#} s. ");
        html.Append("<a href=\"/metrics\">/metrics</a> · <a href=\"/api/fleet\">/api/fleet</a> · <a href=\"/api/failures\">/api/failures</a> · <a href=\"/api/ready\">/api/ready</a> · <a href=\"/health\">/health</a></p>\n");
        html.Append("<table><thead><tr><th>instance</th><th>up</th><th>version</th><th>device</th><th>VRAM used</th><th>running</th><th>pending</th><th>stalled</th><th title=\"the instance's stall window: set for it, learned from its jobs, or Collector:StallAfter\">stall window</th><th title=\"restarts of the ComfyUI process seen since the collector started\">restarts</th><th title=\"/api/instances/NAME/ready\">ready</th><th>last scrape</th><th>last error</th></tr></thead><tbody>\n");
        var now = time.GetUtcNow();
        foreach (var e in entries)
        {
            html.Append("<tr><td>").Append(Enc(e.Instance)).Append("</td>");
            html.Append(e.Up ? "<td class=\"up\">up</td>" : "<td class=\"down\">down</td>");
            html.Append("<td>").Append(Enc(e.Version)).Append("</td>");
            html.Append("<td>").Append(Enc(e.Device)).Append("</td>");
            html.Append("<td>").Append(e.VramUsedPercent is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " %" : "").Append("</td>");
            html.Append("<td>").Append(e.QueueRunning?.ToString(CultureInfo.InvariantCulture)).Append("</td>");
            html.Append("<td>").Append(e.QueuePending?.ToString(CultureInfo.InvariantCulture)).Append("</td>");
            html.Append(e.Stalled == true ? "<td class=\"stalled\">stalled</td>" : e.Stalled == false ? "<td>no</td>" : "<td></td>");
            html.Append("<td>").Append(e.StallWindow).Append("</td>");
            html.Append("<td>").Append(e.Restarts.ToString(CultureInfo.InvariantCulture)).Append("</td>");
            html.Append(e.Readiness == Readiness.Ready ? "<td>ready</td>" : $"<td class=\"stalled\">{Enc(e.Readiness)}</td>");
            html.Append("<td>").Append(e.LastScrape is { } t ? Math.Max(0, (now - t).TotalSeconds).ToString("0", CultureInfo.InvariantCulture) + " s ago" : "never").Append("</td>");
            html.Append("<td class=\"err\">").Append(Enc(e.LastError)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>\n");
        AppendFailures(html, snapshots, now);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>Instances shown with their failures, those of the newest failure first, so that the page stays small for a large fleet.</summary>
    public const int FailingInstancesShown = 50;

    /// <summary>Failures shown per instance (all of them at /api/instances/NAME/failures).</summary>
    public const int FailuresShownPerInstance = 5;

    /// <summary>The failure feed: per instance, its last failed users' prompts, newest first.</summary>
    private static void AppendFailures(StringBuilder html, IReadOnlyList<InstanceSnapshot> snapshots, DateTimeOffset now)
    {
        var failing = snapshots.Where(s => s.RecentFailures.Count > 0).OrderByDescending(s => s.RecentFailures[0].Time).Take(FailingInstancesShown).ToList();
        html.Append("<h2>Recent failures of users' prompts</h2>\n");
        if (failing.Count == 0)
        {
            html.Append("<p>None seen since the collector started.</p>\n");
            return;
        }

        html.Append("<table><thead><tr><th>instance</th><th>when</th><th>prompt</th><th>node</th><th>exception</th><th>message</th></tr></thead><tbody>\n");
        foreach (var s in failing)
        {
            foreach (var f in s.RecentFailures.Take(FailuresShownPerInstance))
            {
                html.Append("<tr><td>").Append(Enc(f.Instance)).Append("</td>");
                html.Append("<td title=\"").Append(f.Time.ToString("u", CultureInfo.InvariantCulture)).Append("\">")
                    .Append(Math.Max(0, (now - f.Time).TotalMinutes).ToString("0", CultureInfo.InvariantCulture)).Append(" min ago</td>");
                html.Append("<td>").Append(Enc(f.PromptId)).Append("</td>");
                html.Append("<td>").Append(Enc($"{f.NodeId} {f.NodeType}".Trim())).Append("</td>");
                html.Append("<td>").Append(Enc(f.ExceptionType)).Append("</td>");
                html.Append("<td class=\"msg\">").Append(Enc(f.Message)).Append("</td></tr>\n");
            }

            if (s.RecentFailures.Count > FailuresShownPerInstance)
            {
                var link = "/api/instances/" + Uri.EscapeDataString(s.Name) + "/failures";
                html.Append("<tr><td></td><td colspan=\"5\"><a href=\"").Append(Enc(link)).Append("\">").Append(s.RecentFailures.Count - FailuresShownPerInstance)
                    .Append(" more of ").Append(Enc(s.Name)).Append("</a></td></tr>\n");
            }
        }

        html.Append("</tbody></table>\n");
    }

    private static string Enc(string? value) => WebUtility.HtmlEncode(value ?? "");
}
