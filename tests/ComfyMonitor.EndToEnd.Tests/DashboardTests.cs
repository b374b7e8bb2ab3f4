using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>The shipped dashboards pass the structural check, and the check catches what breaks a dashboard.</summary>
public sealed class DashboardTests
{
    private static Dictionary<string, string> Shipped() => DashboardChecker.Load(Path.Combine(Repository.Dashboards, "grafana", "dashboards"));

    [Fact]
    public void TheShippedDashboardsPassTheStructuralCheck()
    {
        var dashboards = Shipped();
        Assert.Equal(["canary.json", "fleet-overview.json", "instance.json", "slo.json"], dashboards.Keys.Order());
        Assert.Equal("comfyui-slo", (string?)JsonNode.Parse(dashboards["slo.json"])!["uid"]);
        Assert.Empty(DashboardChecker.Check(dashboards));
    }

    public static TheoryData<string, string> Breakages() => new()
    {
        { "uid", "no stable uid" },
        { "datasource", "does not use the datasource variable" },
        { "expr", "has no expr" },
        { "variable", "no multi-select comfyui_instance variable" },
        { "json", "not valid JSON" },
        { "duplicate-uid", "is also used by" },
        { "unit", "has no unit" },
        { "annotation-datasource", "annotation 'Restarts' does not use the datasource variable" },
        { "annotation-expr", "annotation 'Version changes' has no expr that honours the comfyui_instance variable" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void ABrokenCopyIsCaught(string breakage, string problem)
    {
        var dashboards = Shipped();
        var text = dashboards["instance.json"];
        var d = JsonNode.Parse(text)!.AsObject();
        var panel = d["panels"]![0]!;
        switch (breakage)
        {
            case "uid": d.Remove("uid"); break;
            case "datasource": panel["datasource"] = new JsonObject { ["type"] = "prometheus", ["uid"] = "some-fixed-uid" }; break;
            case "expr": panel["targets"]![0]!["expr"] = ""; break;
            case "variable": d["templating"]!["list"]!.AsArray().Remove(d["templating"]!["list"]!.AsArray().Single(v => (string?)v!["name"] == "comfyui_instance")); break;
            case "duplicate-uid": d["uid"] = "comfyui-fleet"; break;
            case "unit": panel["fieldConfig"]!["defaults"]!.AsObject().Remove("unit"); break;
            case "annotation-datasource": d["annotations"]!["list"]![0]!["datasource"] = new JsonObject { ["type"] = "prometheus", ["uid"] = "some-fixed-uid" }; break;
            case "annotation-expr": d["annotations"]!["list"]![1]!["expr"] = "comfyui_build_info"; break;
        }

        dashboards["instance.json"] = breakage == "json" ? text[..^20] : d.ToJsonString();
        Assert.Contains(DashboardChecker.Check(dashboards), p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("fleet-overview.json")]
    [InlineData("instance.json")]
    public void RestartsAndVersionChangesAreMarkedFromTheCollectorsSeries(string file)
    {
        var annotations = DashboardChecker.Annotations(new Dictionary<string, string> { [file] = Shipped()[file] }).ToDictionary(a => a.Annotation, a => a.Expr);
        Assert.Equal(["Restarts", "Version changes"], annotations.Keys.Order());
        Assert.Contains("increase(comfyui_restarts_total{", annotations["Restarts"], StringComparison.Ordinal);
        Assert.Contains("comfyui_build_info", annotations["Version changes"], StringComparison.Ordinal);
        Assert.Contains("count by (comfyui_instance)", annotations["Version changes"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fleet-overview.json")]
    [InlineData("instance.json")]
    public void TheGpuHardwareRowJoinsEveryDcgmSeriesAndSaysWhenNoExporterIsScraped(string file)
    {
        var dashboard = JsonNode.Parse(Shipped()[file])!;
        var panels = dashboard["panels"]!.AsArray().OfType<JsonObject>().ToList();
        Assert.Contains(panels, p => (string?)p["type"] == "row" && ((string?)p["title"])!.Contains("DCGM", StringComparison.Ordinal));
        var dcgm = panels.Where(p => p["targets"]?.ToJsonString().Contains("DCGM_FI_", StringComparison.Ordinal) == true).ToList();
        var exprs = string.Join("\n", dcgm.Select(p => (string)p["targets"]![0]!["expr"]!));
        foreach (var metric in new[] { "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_XID_ERRORS" })
        {
            Assert.Contains(metric, exprs, StringComparison.Ordinal);
        }

        foreach (var panel in dcgm)
        {
            // Joined to the selected instances through their hostname target label, and a plain message instead of "No data".
            var expr = (string)panel["targets"]![0]!["expr"]!;
            Assert.Contains("and on (Hostname) label_replace(comfyui_target_info{comfyui_instance=~\"$comfyui_instance\"}, \"Hostname\", \"$1\", \"hostname\", \"(.+)\")", expr, StringComparison.Ordinal);
            var defaults = panel["fieldConfig"]!["defaults"]!;
            var message = (string?)defaults["noValue"] ?? defaults["mappings"]?.ToJsonString();
            Assert.True(message?.Contains("no DCGM exporter scraped", StringComparison.Ordinal) == true, $"{panel["title"]} has no message for a fleet without DCGM");
        }
    }

    [Fact]
    public void TheProvisioningPointsGrafanaAtTheDashboardsAndPrometheus()
    {
        var provisioning = Path.Combine(Repository.Dashboards, "grafana", "provisioning");
        Assert.Contains("type: prometheus", File.ReadAllText(Path.Combine(provisioning, "datasources", "prometheus.yml")));
        Assert.Contains("type: file", File.ReadAllText(Path.Combine(provisioning, "dashboards", "comfymonitor.yml")));
    }
}
