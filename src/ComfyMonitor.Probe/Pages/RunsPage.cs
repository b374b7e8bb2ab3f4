using System.Globalization;
using System.Net;
using System.Text;
using ComfyMonitor.Probe.Running;
using ComfyMonitor.Probe.State;

namespace ComfyMonitor.Probe.Pages;

/// <summary>Recent runs per instance and canary, like blackbox_exporter's page of recent probes. Everything is HTML-encoded.</summary>
public static class RunsPage
{
    private static readonly string[] PhaseOrder = [Phase.UploadImage, Phase.UploadMask, Phase.Submit, Phase.QueueWait, Phase.Execute, Phase.FetchOutput, Phase.Total];

    public static IEnumerable<CanaryRun> Runs(ProbeFleet fleet) =>
        fleet.Instances.SelectMany(i => i.Canaries.Values.SelectMany(c => c.Recent())).OrderByDescending(r => r.Started);

    public static string Render(ProbeFleet fleet, ProbeOptions options)
    {
        var html = ComfyMonitor.Hosting.HtmlPage.Start("probe", 8192, """
            table{border-collapse:collapse;font-size:.85rem;margin-bottom:1.5rem}th,td{padding:.25rem .5rem}
            .ok{color:#070}.fail{color:#b00;font-weight:600}.deferred{color:#a60}td.num{text-align:right;font-variant-numeric:tabular-nums}
            td.detail{min-width:24rem;max-width:48rem;overflow-wrap:break-word;color:#555}td.nodes{min-width:12rem;max-width:28rem}
            """);
        html.Append(CultureInfo.InvariantCulture, $"<p>Canaries every {options.Interval.TotalSeconds:0.#} s, timeout {options.Timeout.TotalSeconds:0.#} s. ");
        html.Append("<a href=\"/metrics\">/metrics</a> · <a href=\"/api/runs\">/api/runs</a> · <a href=\"/health\">/health</a></p>\n");

        html.Append("<h2>Latest</h2><table><thead><tr><th>instance</th><th>canary</th><th>last result</th><th>last success</th></tr></thead><tbody>\n");
        foreach (var instance in fleet.Instances)
        {
            foreach (var (canary, status) in instance.Canaries.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                html.Append("<tr><td>").Append(Enc(instance.Endpoint.Name)).Append("</td><td>").Append(Enc(canary)).Append("</td>");
                html.Append(status.LastSuccess switch
                {
                    true => "<td class=\"ok\">success</td>",
                    false => "<td class=\"fail\">failure</td>",
                    null => "<td class=\"deferred\">not run yet</td>",
                });
                html.Append("<td>").Append(status.LastSuccessAt?.ToString("u", CultureInfo.InvariantCulture) ?? "never").Append("</td></tr>\n");
            }
        }

        html.Append("</tbody></table>\n<h2>Recent runs</h2><table><thead><tr><th>started</th><th>instance</th><th>canary</th><th>result</th><th>reason</th>");
        foreach (var phase in PhaseOrder)
        {
            html.Append("<th>").Append(phase).Append(" (ms)</th>");
        }

        html.Append("<th>nodes (ms)</th><th>node / exception</th><th>detail</th></tr></thead><tbody>\n");
        foreach (var run in Runs(fleet))
        {
            html.Append("<tr><td>").Append(run.Started.ToString("u", CultureInfo.InvariantCulture)).Append("</td>");
            html.Append("<td>").Append(Enc(run.Instance)).Append("</td><td>").Append(Enc(run.Canary)).Append("</td>");
            html.Append(!run.Counted ? $"<td class=\"deferred\">{run.Result}</td>" : run.Success ? "<td class=\"ok\">success</td>" : "<td class=\"fail\">failure</td>");
            html.Append("<td>").Append(Enc(run.Reason)).Append("</td>");
            foreach (var phase in PhaseOrder)
            {
                html.Append("<td class=\"num\">").Append(run.Phases.TryGetValue(phase, out var s) ? (s * 1000).ToString("0", CultureInfo.InvariantCulture) : "").Append("</td>");
            }

            html.Append("<td class=\"nodes\">").Append(Enc(string.Join(", ", (run.Nodes ?? []).Select(n => $"{n.NodeType} {(n.Seconds * 1000).ToString("0", CultureInfo.InvariantCulture)}")))).Append("</td>");
            html.Append("<td>").Append(Enc(run.NodeType)).Append(run.ExceptionType is null ? "" : " / ").Append(Enc(run.ExceptionType)).Append("</td>");
            html.Append("<td class=\"detail\">").Append(Enc(run.Detail)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table></body></html>\n");
        return html.ToString();
    }

    private static string Enc(string? value) => WebUtility.HtmlEncode(value ?? "");
}
