using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;

namespace ComfyMonitor.AppHost.Tests;

/// <summary>The AppHost started for real, with Prometheus and Alertmanager as executables.</summary>
public sealed class AppHostRunTests
{
    [Fact]
    public async Task PrometheusScrapesTheCollectorAndTheProbe()
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
        await app.StopAsync(ct);
    }
}
