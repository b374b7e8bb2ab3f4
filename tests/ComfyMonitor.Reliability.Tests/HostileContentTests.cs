using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// A server whose strings are attacks or garbage: the pages stay escaped in a real browser, the exposition stays
/// valid for promtool, long values are cut, and thousands of distinct node types in errors stay within the series cap.
/// </summary>
[Collection(WatchedFleetCollection.Name)]
public sealed class HostileContentTests(WatchedFleet fleet)
{
    private const string Name = "hostile";

    [Fact]
    public async Task PagesShowHostileTextEscapedAndRunNoInjectedScriptInABrowser()
    {
        await fleet.WaitAsync((c, p) => c.Value("comfyui_up", Name) == 1 && c.Value("comfyui_extensions", Name) == 3
            && p.Value("comfyui_canary_runs_total", Name, ("canary", "render"), ("result", "failure"), ("reason", "validation_error")) >= 1,
            TimeSpan.FromSeconds(90), "the hostile instance read by the collector and the probe");

        // The check itself: a page whose script runs shows the marker.
        var control = await Chromium.DumpDomAsync("data:text/html,<title>t</title><body>" + Uri.EscapeDataString(HostileServer.Script));
        Assert.Contains("xssran", control);

        foreach (var page in new[] { new Uri(fleet.Collector.BaseAddress!, "/"), new Uri(fleet.Probe.BaseAddress!, "/") })
        {
            var dom = await Chromium.DumpDomAsync(page.ToString());
            Assert.DoesNotContain("xssran", dom);
            Assert.DoesNotContain("<script>document.title", dom);
            Assert.DoesNotContain("<img src=\"x\"", dom);
            Assert.DoesNotContain("<b>NVIDIA</b>", dom);
            Assert.Contains("&lt;script&gt;document.title", dom); // shown, as text
        }

        // The failure feed on the page and at /api/failures: the script shown as text, the planted secrets nowhere.
        var failures = (await fleet.Collector.GetFromJsonAsync<JsonArray>($"api/instances/{Name}/failures"))!;
        Assert.NotEmpty(failures);
        Assert.Contains("<script>", (string?)failures[0]!["message"]);
        var collectorDom = await Chromium.DumpDomAsync(new Uri(fleet.Collector.BaseAddress!, "/").ToString());
        Assert.Contains("boom", collectorDom);
        foreach (var secret in HostileServer.SecretParts)
        {
            Assert.DoesNotContain(secret, failures.ToJsonString());
            Assert.DoesNotContain(secret, collectorDom);
            Assert.DoesNotContain(secret, (await fleet.Collector.GetStringAsync("api/failures")));
            Assert.DoesNotContain(secret, fleet.Logs());
        }

        Assert.Contains("failed on hostile", fleet.Logs()); // logged, scrubbed

        var fleetApi = (await fleet.Collector.GetFromJsonAsync<JsonArray>("api/fleet"))!.Single(e => (string?)e!["instance"] == Name)!;
        Assert.Contains("<script>", (string?)fleetApi["device"]); // the JSON API carries the text as text

        await fleet.AssertHealthyFreshAsync();
    }

    [Fact]
    public async Task LongErrorTextsStayReadableOnA1400PixelScreen()
    {
        await fleet.WaitAsync((c, p) => p.Value("comfyui_canary_runs_total", Name, ("canary", "render"), ("result", "failure"), ("reason", "validation_error")) >= 1
                && c.Value("comfyui_up", Name) == 1,
            TimeSpan.FromSeconds(90), "the hostile instance's failed runs");
        foreach (var (service, cells) in new[] { (fleet.Probe, "td.detail"), (fleet.Collector, "td.err,td.msg") })
        {
            // The page as served, with a script that measures the narrowest cell holding a long text (the page's own
            // Content-Security-Policy would block it: it is an HTTP header, not part of the file).
            var html = await service.GetStringAsync("/");
            var file = Path.Combine(Path.GetTempPath(), $"comfymonitor-page-{Guid.NewGuid():N}.html");
            var measure = $"<script>var w=[...document.querySelectorAll('{cells}')].filter(c=>c.textContent.length>80).map(c=>Math.round(c.getBoundingClientRect().width));document.title='W'+(w.length?Math.min(...w):-1)</script>";
            await File.WriteAllTextAsync(file, html.Replace("</body>", measure + "</body>", StringComparison.Ordinal));
            try
            {
                var dom = await Chromium.DumpDomAsync(new Uri(file).ToString(), width: 1400);
                var width = int.Parse(System.Text.RegularExpressions.Regex.Match(dom, "<title>W(-?\\d+)</title>").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(width >= 300, $"{service.BaseAddress}: the narrowest long error text is {width} px wide on a 1400-pixel screen");
            }
            finally
            {
                File.Delete(file);
            }
        }

        await fleet.AssertHealthyFreshAsync();
    }

    [Fact]
    public async Task TheExpositionStaysValidAndLabelValuesAreCleanedAndCut()
    {
        var (collector, _) = await fleet.WaitAsync((c, _) => c.Value("comfyui_up", Name) == 1 && c.For("comfyui_build_info", Name).Any(), TimeSpan.FromSeconds(90), "the hostile build info");
        Assert.Equal("", await Promtool.CheckMetricsAsync(await fleet.Collector.GetStringAsync("metrics")));
        Assert.Equal("", await Promtool.CheckMetricsAsync(await fleet.Probe.GetStringAsync("metrics")));

        var labels = collector.Named("comfyui_build_info").Concat(collector.Named("comfyui_device_vram_total_bytes")).Concat(collector.Named("comfyui_prompt_node_errors_total"))
            .Where(s => s.Labels["comfyui_instance"] == Name).SelectMany(s => s.Labels.Values).ToList();
        Assert.NotEmpty(labels);
        Assert.All(labels, v =>
        {
            Assert.InRange(v.Length, 1, 128);
            Assert.DoesNotContain('\n', v);
            Assert.DoesNotContain('\r', v);
        });
        var build = collector.Named("comfyui_build_info").Single(s => s.Labels["comfyui_instance"] == Name);
        Assert.Equal(new string('A', 128), build.Labels["pytorch_version"]);
        Assert.StartsWith("<script>", build.Labels["os"], StringComparison.Ordinal);
        Assert.Empty(collector.Named("fake_metric"));
        var device = collector.Named("comfyui_device_vram_total_bytes").Single(s => s.Labels["comfyui_instance"] == Name).Labels["device"];
        Assert.Contains('\uFFFD', device); // the lone surrogate, replaced

        await fleet.AssertHealthyFreshAsync();
    }

    [Fact]
    public async Task ThousandsOfDistinctNodeTypesInErrorsStayWithinTheSeriesCap()
    {
        // Enough distinct types counted to pass the cap forty times over (a loaded machine may time out reading the
        // deepest batches, so not necessarily all of them).
        const int counted = 2_000;
        var (collector, _) = await fleet.WaitAsync((c, _) => c.For("comfyui_prompt_node_errors_total", Name).Sum(s => s.Value) >= counted ? [] :
                [$"{HostileServer.Flooded} in the history, {c.For("comfyui_prompt_node_errors_total", Name).Sum(s => s.Value)} counted, history errors {string.Join(",", c.For("comfyui_scrape_errors_total", Name).Where(s => s.Value > 0).Select(s => $"{s.Labels["endpoint"]}/{s.Labels["reason"]}={s.Value}"))}"],
            TimeSpan.FromSeconds(120), $"{counted} failed prompts of distinct node types counted");
        var series = collector.For("comfyui_prompt_node_errors_total", Name).ToList();
        Assert.InRange(series.Count, 2, 50 + 1); // Collector:NodeErrorCap (50) pairs, plus other/other
        var other = series.Single(s => s.Labels["node_type"] == "other" && s.Labels["exception_type"] == "other");
        Assert.True(other.Value >= series.Sum(s => s.Value) - 50, $"overflow counted {other.Value} of {series.Sum(s => s.Value)}");
        Assert.True(collector.Samples.Count < 5000, $"{collector.Samples.Count} series in /metrics");
        Assert.Equal("", await Promtool.CheckMetricsAsync(await fleet.Collector.GetStringAsync("metrics")));

        await fleet.AssertHealthyFreshAsync();
    }
}
