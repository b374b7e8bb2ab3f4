using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// Simulator, collector, probe, Prometheus with the shipped rules and Alertmanager: each alert is driven by its
/// scenario, reaches Alertmanager, and resolves after recovery; every dashboard query returns data.
/// </summary>
public sealed class AlertsEndToEndTests
{
    private static readonly (string Alert, string Instance)[] Expected =
    [
        ("ComfyUIInstanceDown", "sim-1"),
        ("ComfyUIQueueStalled", "sim-2"),
        ("ComfyUIQueueBacklog", "sim-2"),
        ("ComfyUIVRAMLeak", "sim-3"),
        ("ComfyUIVRAMNearlyFull", "sim-4"),
        ("ComfyUIPromptErrorRateHigh", "sim-4"),
        ("ComfyUICanaryFailing", "sim-4"),
        ("ComfyUICanarySlow", "sim-5"),
        ("ComfyMonitorScrapeFailing", "sim-6"),
        ("ComfyUIVersionDrift", ""),
        ("ComfyUIExtensionDrift", ""),
    ];

    [Fact]
    public async Task EveryAlertFiresOnItsScenarioReachesAlertmanagerAndResolves()
    {
        await using var stack = await MonitoringStack.StartAsync(instances: 8);
        var sim = stack.Sim;
        using var healthy = sim.Http(0);
        using var stuck = sim.Http(2);
        using var oom = sim.Http(4);

        // A healthy fleet raises none of them.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((await stack.QueryAsync("comfyui_up == 1")).Count < 8 || (await stack.QueryAsync("comfyui_canary_success == 1")).Count < 8 * 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the healthy fleet never showed up in Prometheus\n" + stack.Failures());
            await Task.Delay(500);
        }

        // ...over five rounds of rule evaluation: not even pending.
        await stack.HoldsForEvaluationsAsync(5, async () =>
        {
            var raised = (await stack.QueryAsync("ALERTS")).Select(a => ((string)a!["metric"]!["alertname"]!, (string?)a["metric"]!["comfyui_instance"] ?? "")).ToList();
            Assert.DoesNotContain(raised, a => Expected.Contains(a));
            Assert.DoesNotContain(await stack.AlertsAsync(), a => Expected.Contains(a));
        });

        // Traffic on a healthy instance, so that latency panels have data.
        for (var i = 0; i < 4; i++)
        {
            await healthy.RunAsync(CanaryFiles.EmptyImageSaveWithColour(i));
        }

        await sim.SetScenarioAsync(1, "down");
        await sim.SetScenarioAsync(2, "stuck");
        for (var i = 0; i < 3; i++)
        {
            await stuck.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(100 + i) });
        }

        await sim.SetScenarioAsync(3, "vram-leak");
        await sim.SetScenarioAsync(4, "oom");
        await sim.SetScenarioAsync(5, "slow");
        await sim.SetScenarioAsync(6, "broken-history");
        using (var version = await sim.Control.PutAsync("instances/7/version/0.7.0", null))
        using (var extensions = await sim.Control.PutAsJsonAsync("instances/7/extensions", new[] { "/extensions/core/clipspace.js", "/extensions/new-pack/main.js" }))
        {
            version.EnsureSuccessStatusCode();
            extensions.EnsureSuccessStatusCode();
        }

        using var traffic = new CancellationTokenSource();
        var failing = Task.Run(async () =>
        {
            // Prompts keep failing on the oom instance; prompts leak VRAM on the vram-leak instance.
            using var leak = sim.Http(3);
            for (var i = 0; !traffic.IsCancellationRequested; i++)
            {
                await oom.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(1000 + i) });
                await leak.PostJsonAsync("prompt", new JsonObject { ["prompt"] = CanaryFiles.EmptyImageSaveWithColour(5000 + i) });
                await Task.Delay(500);
            }
        });

        try
        {
            await WaitForAsync(stack, alerts => Expected.All(alerts.Contains), TimeSpan.FromSeconds(180), "every alert in Alertmanager");
            var down = (await stack.Alertmanager.GetFromJsonAsync<JsonArray>("api/v2/alerts"))!
                .Single(a => (string?)a!["labels"]!["alertname"] == "ComfyUIInstanceDown" && (string?)a["labels"]!["comfyui_instance"] == "sim-1")!;
            Assert.Equal("critical", (string?)down["labels"]!["severity"]);
            Assert.Equal("https://runbooks.example/comfymonitor/dashboards/runbooks.md#comfyuiinstancedown", (string?)down["annotations"]!["runbook_url"]);
            Assert.Contains("sim-1", (string?)down["annotations"]!["description"]);

            // Every panel query of every dashboard returns data in this setup.
            var empty = new List<string>();
            foreach (var (file, panel, expr) in DashboardChecker.Queries(DashboardChecker.Load(Path.Combine(Repository.Dashboards, "grafana", "dashboards"))))
            {
                if ((await stack.QueryAsync(expr)).Count == 0)
                {
                    empty.Add($"{file} / {panel}: {expr}");
                }
            }

            Assert.True(empty.Count == 0, "queries without data:\n" + string.Join("\n", empty));
        }
        finally
        {
            traffic.Cancel();
            await failing;
        }

        // Recovery.
        foreach (var i in new[] { 1, 2, 3, 4, 5, 6 })
        {
            await sim.SetScenarioAsync(i, "healthy");
        }

        await stuck.PostJsonAsync("queue", new JsonObject { ["clear"] = true });
        using (await sim.Control.PutAsync("instances/7/version/0.8.0", null))
        using (await sim.Control.PutAsJsonAsync("instances/7/extensions", sim.Fleet.Instances[0].Extensions))
        {
        }

        await WaitForAsync(stack, alerts => !Expected.Any(alerts.Contains), TimeSpan.FromSeconds(180), "every alert resolved");
    }

    private static async Task<HashSet<(string, string)>> WaitForAsync(MonitoringStack stack, Func<HashSet<(string Alert, string Instance)>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        HashSet<(string, string)> alerts = [];
        while (DateTime.UtcNow < deadline)
        {
            alerts = await stack.AlertsAsync();
            if (condition(alerts))
            {
                return alerts;
            }

            await Task.Delay(1000);
        }

        throw new TimeoutException($"never saw {what}; Alertmanager holds: {string.Join(", ", alerts.Order())}\n"
            + $"missing: {string.Join(", ", Expected.Where(e => !alerts.Contains(e)))}\n{stack.Failures()}");
    }
}
