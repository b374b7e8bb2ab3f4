using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// The Grafana API check of the container tests, run here against a fake Grafana backed by a real Prometheus:
/// the shipped dashboards pass, and a copy with a broken uid, datasource variable or panel query fails.
/// </summary>
public sealed class GrafanaCheckerTests
{
    private static readonly (string What, string File, string Expected)[] Breakages =
    [
        ("uid", "fleet-overview.json", "no dashboard with uid"),
        ("datasource variable", "instance.json", "matches no provisioned data source"),
        ("panel query", "canary.json", "failed"),
        ("panel datasource", "fleet-overview.json", "does not exist"),
    ];

    [Fact]
    public async Task TheShippedDashboardsPassAndEachBreakageIsCaught()
    {
        await using var stack = await MonitoringStack.StartAsync(instances: 2);
        var shipped = DashboardChecker.Load(Path.Combine(Repository.Dashboards, "grafana", "dashboards"));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<string> problems;
        await using (var grafana = await FakeGrafana.StartAsync(Path.Combine(Repository.Dashboards, "grafana", "dashboards"), stack.Prometheus))
        {
            // Errors are what the breakages below must produce; data presence is the container tests' concern.
            while ((problems = await new GrafanaChecker(grafana.Http).CheckAsync(shipped, requireData: false)).Count > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
            }
        }

        Assert.Empty(problems);
        foreach (var (what, file, expected) in Breakages)
        {
            var folder = Directory.CreateTempSubdirectory("broken-dashboards-").FullName;
            try
            {
                foreach (var (name, text) in shipped)
                {
                    await File.WriteAllTextAsync(Path.Combine(folder, name), name == file ? Break(what, text) : text);
                }

                await using var grafana = await FakeGrafana.StartAsync(folder, stack.Prometheus);
                // The checker is given the shipped files (the uids it expects) and finds what Grafana serves.
                var found = await new GrafanaChecker(grafana.Http).CheckAsync(shipped, requireData: false);
                Assert.Contains(found, p => p.StartsWith(file, StringComparison.Ordinal) && p.Contains(expected, StringComparison.Ordinal));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static string Break(string what, string text)
    {
        var dashboard = JsonNode.Parse(text)!.AsObject();
        switch (what)
        {
            case "uid":
                dashboard["uid"] = "renamed-by-mistake";
                break;
            case "datasource variable":
                dashboard["templating"]!["list"]!.AsArray().OfType<JsonObject>().First(v => (string?)v["type"] == "datasource")["query"] = "influxdb";
                break;
            case "panel query":
                var target = dashboard["panels"]!.AsArray().OfType<JsonObject>().First(p => p["targets"] is JsonArray { Count: > 0 })["targets"]![0]!;
                target["expr"] = "sum(rate(comfyui_canary_runs_total[5m]) by (canary)"; // a parenthesis short
                break;
            case "panel datasource":
                foreach (var t in dashboard["panels"]!.AsArray().OfType<JsonObject>().SelectMany(p => p["targets"]?.AsArray().OfType<JsonObject>() ?? []))
                {
                    t["datasource"] = new JsonObject { ["type"] = "prometheus", ["uid"] = "prometheus-old" };
                }

                break;
        }

        return dashboard.ToJsonString();
    }
}
