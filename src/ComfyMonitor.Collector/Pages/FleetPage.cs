using System.Globalization;
using System.Net;
using System.Text;
using ComfyMonitor.Collector.State;

namespace ComfyMonitor.Collector.Pages;

/// <summary>The page at / for people, and /api/fleet with the same data. Everything from a server is HTML-encoded.</summary>
public static class FleetPage
{
    public static IEnumerable<FleetEntry> Entries(FleetState fleet) =>
        fleet.Snapshots().Select(s => new FleetEntry(
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
            s.LastError));

    public static string Render(FleetState fleet, CollectorOptions options, TimeProvider time)
    {
        var entries = Entries(fleet).ToList();
        var html = ComfyMonitor.Hosting.HtmlPage.Start("collector", 4096 + (entries.Count * 400), """
            table{border-collapse:collapse;font-size:.9rem}th,td{padding:.3rem .6rem}
            .down{color:#b00;font-weight:600}.up{color:#070}.stalled{color:#b60;font-weight:600}
            td.err{max-width:40rem;overflow-wrap:anywhere;color:#555}
            """);
        var up = entries.Count(e => e.Up);
        html.Append(CultureInfo.InvariantCulture, $"<p>{entries.Count} instances, {up} up, {entries.Count(e => e.Stalled == true)} stalled. ");
        html.Append(CultureInfo.InvariantCulture, $"Interval {options.Interval.TotalSeconds:0.#} s, timeout {options.Timeout.TotalSeconds:0.#} s. ");
        html.Append("<a href=\"/metrics\">/metrics</a> · <a href=\"/api/fleet\">/api/fleet</a> · <a href=\"/health\">/health</a></p>\n");
        html.Append("<table><thead><tr><th>instance</th><th>up</th><th>version</th><th>device</th><th>VRAM used</th><th>running</th><th>pending</th><th>stalled</th><th title=\"the instance's stall window: set for it, learned from its jobs, or Collector:StallAfter\">stall window</th><th>last scrape</th><th>last error</th></tr></thead><tbody>\n");
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
            html.Append("<td>").Append(e.LastScrape is { } t ? Math.Max(0, (now - t).TotalSeconds).ToString("0", CultureInfo.InvariantCulture) + " s ago" : "never").Append("</td>");
            html.Append("<td class=\"err\">").Append(Enc(e.LastError)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table></body></html>\n");
        return html.ToString();
    }

    private static string Enc(string? value) => WebUtility.HtmlEncode(value ?? "");
}
