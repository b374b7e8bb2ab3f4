using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyMonitor.AppHost.Tests;

/// <summary>The AppHost started for real, with Prometheus and Alertmanager as executables.</summary>
public sealed class AppHostRunTests
{
    /// <summary>
    /// Prometheus scrapes both services; the dashboard's commands on the simulator switch an instance to a scenario, which
    /// the whole stack then shows, and back; every resource lists its useful links.
    /// </summary>
    [Fact]
    public async Task PrometheusScrapesTheCollectorAndTheProbeAndTheDashboardCommandsDriveTheFleet()
    {
        Assert.SkipUnless(ComfyMonitor.AppHost.MonitoringStack.OnPath("prometheus"), "prometheus is not on PATH (./test.sh installs it)");
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--Monitoring:Mode=executables", "--Monitoring:ScrapeInterval=2s", "--Simulator:Instances=2", "--DcpPublisher:RandomizePorts=false", "--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"], ct);
        await using var app = await builder.BuildAsync(ct);
        await app.StartAsync(ct);

        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ComfyMonitor.AppHost.MonitoringStack.PrometheusPort}/") };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        var health = new Dictionary<string, string>();
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var targets = await prometheus.GetFromJsonAsync<JsonObject>("api/v1/targets", ct);
                health = targets!["data"]!["activeTargets"]!.AsArray().ToDictionary(t => (string)t!["labels"]!["job"]!, t => (string)t!["health"]!);
                if (health.GetValueOrDefault("comfymonitor-collector") == "up" && health.GetValueOrDefault("comfymonitor-probe") == "up")
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(500, ct);
        }

        Assert.Equal("up", health.GetValueOrDefault("comfymonitor-collector"));
        Assert.Equal("up", health.GetValueOrDefault("comfymonitor-probe"));
        var up = await prometheus.GetFromJsonAsync<JsonObject>("api/v1/query?query=comfyui_up", ct);
        Assert.NotEmpty(up!["data"]!["result"]!.AsArray());

        // The links each resource shows in the dashboard.
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        foreach (var (resource, links) in new[]
        {
            ("collector", new[] { "Fleet page", "Metrics", "Prometheus alerts" }),
            ("probe", ["Runs page", "Metrics", "Prometheus alerts"]),
            ("simulator", ["Control API", "Prometheus alerts"]),
            ("prometheus", ["Prometheus", "Prometheus alerts", "Prometheus targets"]),
        })
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(TimeSpan.FromSeconds(60));
            var shown = await notifications.WaitForResourceAsync(resource, e => links.All(l => e.Snapshot.Urls.Any(u => u.DisplayProperties.DisplayName == l)), wait.Token);
            Assert.All(links, l => Assert.Contains(shown.Snapshot.Urls, u => u.DisplayProperties.DisplayName == l));
        }

        // The dashboard command switches sim-1 to "down": the collector sees it and Prometheus has it; back to healthy.
        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        var switched = await commands.ExecuteCommandAsync("simulator", ComfyMonitor.AppHost.DashboardCommands.SetScenario, new InteractionInputCollection(
        [
            new InteractionInput { Name = "instance", InputType = InputType.Choice, Value = "1" },
            new InteractionInput { Name = "scenario", InputType = InputType.Choice, Value = "down" },
        ]), ct);
        Assert.True(switched.Success, switched.Message);
        await WaitForUpAsync(prometheus, "sim-1", 0, ct);
        await WaitForUpAsync(prometheus, "sim-0", 1, ct);

        var healthy = await commands.ExecuteCommandAsync("simulator", ComfyMonitor.AppHost.DashboardCommands.AllHealthy, ct);
        Assert.True(healthy.Success, healthy.Message);
        await WaitForUpAsync(prometheus, "sim-1", 1, ct);

        // Restart instance… says which restart of the instance it was, counting on.
        for (var restart = 1; restart <= 2; restart++)
        {
            var restarted = await commands.ExecuteCommandAsync("simulator", ComfyMonitor.AppHost.DashboardCommands.RestartInstance, new InteractionInputCollection(
            [
                new InteractionInput { Name = "instance", InputType = InputType.Choice, Value = "0" },
            ]), ct);
            Assert.True(restarted.Success, restarted.Message);
            Assert.StartsWith($"sim-0 (http://127.0.0.1:8188) restarted (restart {restart} since the simulator started)", restarted.Message, StringComparison.Ordinal);
        }

        var unknown = await commands.ExecuteCommandAsync("simulator", ComfyMonitor.AppHost.DashboardCommands.SetScenario, new InteractionInputCollection(
        [
            new InteractionInput { Name = "instance", InputType = InputType.Choice, Value = "1" },
            new InteractionInput { Name = "scenario", InputType = InputType.Choice, Value = "sparkles" },
        ]), ct);
        Assert.False(unknown.Success);
        await app.StopAsync(ct);
    }

    /// <summary>Waits (a minute at most) until Prometheus has comfyui_up of <paramref name="instance"/> at <paramref name="value"/>.</summary>
    private static async Task WaitForUpAsync(HttpClient prometheus, string instance, int value, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var result = await prometheus.GetFromJsonAsync<JsonObject>($"api/v1/query?query=comfyui_up{{comfyui_instance=\"{instance}\"}}", ct);
            var samples = result!["data"]!["result"]!.AsArray();
            last = samples.ToJsonString();
            if (samples.Count == 1 && (string)samples[0]!["value"]![1]! == value.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return;
            }

            await Task.Delay(500, ct);
        }

        Assert.Fail($"comfyui_up{{comfyui_instance=\"{instance}\"}} did not become {value} within 60 s: {last}");
    }
}
