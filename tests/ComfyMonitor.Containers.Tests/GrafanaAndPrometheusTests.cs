using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Containers.Tests;

/// <summary>
/// Where a container runtime exists: Grafana (the official image) loads every shipped dashboard and runs every
/// panel query, and the official Prometheus image loads the shipped rules and scrapes the collector and probe.
/// Elsewhere these are reported as skipped; what can be checked without containers is checked by the end-to-end
/// tests (structure, the real Prometheus binary, and this Grafana check against a fake Grafana).
/// </summary>
public sealed class GrafanaAndPrometheusTests(ContainerStack stack) : IClassFixture<ContainerStack>
{
    [Fact]
    public async Task GrafanaLoadsEveryShippedDashboardAndEveryPanelQueryReturnsData()
    {
        SkipWithoutContainers();
        var shipped = DashboardChecker.Load(Path.Combine(Repository.Dashboards, "grafana", "dashboards"));
        var checker = new GrafanaChecker(stack.Grafana);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        List<string> problems;
        while ((problems = await checker.CheckAsync(shipped)).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(5)); // rates need a few scrapes before they have data
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems) + "\n" + stack.Logs());
    }

    [Fact]
    public async Task ThePrometheusImageLoadsTheShippedRulesAndScrapesCollectorAndProbe()
    {
        SkipWithoutContainers();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var rules = (await stack.Prometheus.GetFromJsonAsync<JsonObject>("api/v1/rules"))!["data"]!["groups"]!.AsArray();
            var targets = (await stack.Prometheus.GetFromJsonAsync<JsonObject>("api/v1/targets"))!["data"]!["activeTargets"]!.AsArray();
            var broken = rules.SelectMany(g => g!["rules"]!.AsArray()).Where(r => (string?)r!["health"] == "err").Select(r => $"{r!["name"]}: {r["lastError"]}").ToList();
            var down = targets.Where(t => (string?)t!["health"] != "up").Select(t => $"{t!["scrapePool"]}: {t["health"]} {t["lastError"]}").ToList();
            if (rules.Count > 0 && broken.Count == 0 && targets.Count == 2 && down.Count == 0)
            {
                Assert.All(rules.SelectMany(g => g!["rules"]!.AsArray()), r => Assert.NotEqual("err", (string?)r!["health"]));
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"rules {rules.Count} groups, broken: {string.Join("; ", broken)}; targets {targets.Count}, down: {string.Join("; ", down)}\n{stack.Logs()}");
            await Task.Delay(2000);
        }
    }

    private void SkipWithoutContainers()
    {
        if (stack.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }
    }
}
