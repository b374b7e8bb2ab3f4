using Aspire.Hosting;
using ComfyMonitor.AppHost;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyMonitor.AppHost.Tests;

/// <summary>The app model, checked without starting anything.</summary>
public sealed class AppModelTests
{
    [Fact]
    public async Task TheSimulatorRunsFourInstancesWithBackgroundTrafficByDefault()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"], TestContext.Current.CancellationToken);
        var simulator = Assert.Single(builder.Resources.OfType<ProjectResource>(), r => r.Name == "simulator");
        var args = await ArgumentsAsync(simulator);
        Assert.Equal(["--instances", "4", "--base-port", "8188", "--control-port", "8100", "--workload", "6"], args);
        Assert.Contains(simulator.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "control" && e.Port == 8100);
    }

    [Fact]
    public async Task TheFleetSizeComesFromConfiguration()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--Simulator:Instances=12", "--Simulator:BasePort=9000", "--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"],
            TestContext.Current.CancellationToken);
        var simulator = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "simulator");
        var args = await ArgumentsAsync(simulator);
        Assert.Equal("12", args[args.IndexOf("--instances") + 1]);
        Assert.Equal("9000", args[args.IndexOf("--base-port") + 1]);
    }

    [Fact]
    public async Task TheCollectorWatchesEverySimulatedInstanceOnPort9464()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"], TestContext.Current.CancellationToken);
        var collector = Assert.Single(builder.Resources.OfType<ProjectResource>(), r => r.Name == "collector");
        var env = await EnvironmentAsync(collector);
        Assert.Equal(["http://127.0.0.1:8188", "http://127.0.0.1:8189", "http://127.0.0.1:8190", "http://127.0.0.1:8191"],
            Enumerable.Range(0, 4).Select(i => env[$"ComfyUI__Instances__{i}__Url"]));
        Assert.Contains(collector.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "http" && e.Port == 9464 && !e.IsProxied);
    }

    [Fact]
    public async Task TheProbeWatchesEverySimulatedInstanceOnPort9465()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"], TestContext.Current.CancellationToken);
        var probe = Assert.Single(builder.Resources.OfType<ProjectResource>(), r => r.Name == "probe");
        var env = await EnvironmentAsync(probe);
        Assert.Equal("http://127.0.0.1:8191", env["ComfyUI__Instances__3__Url"]);
        Assert.Contains(probe.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "http" && e.Port == 9465 && !e.IsProxied);
    }

    [Fact]
    public async Task RealInstancesReplaceTheSimulator()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--ComfyUI:Instances:0:Url=http://gpu-01:8188", "--ComfyUI:Instances:0:Name=gpu-01", "--ComfyUI:Instances:0:Headers:Authorization=Bearer x",
             "--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"],
            TestContext.Current.CancellationToken);
        Assert.DoesNotContain(builder.Resources, r => r.Name == "simulator");
        var env = await EnvironmentAsync(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "collector"));
        Assert.Equal("http://gpu-01:8188", env["ComfyUI__Instances__0__Url"]);
        Assert.Equal("gpu-01", env["ComfyUI__Instances__0__Name"]);
        Assert.Equal("Bearer x", env["ComfyUI__Instances__0__Headers__Authorization"]);
    }

    [Fact]
    public async Task TheSimulatorOffersCommandsToSwitchAnyInstanceToAnyScenarioAndBack()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"], TestContext.Current.CancellationToken);
        var simulator = Assert.Single(builder.Resources.OfType<ProjectResource>(), r => r.Name == "simulator");
        var commands = simulator.Annotations.OfType<ResourceCommandAnnotation>().ToDictionary(c => c.Name);
        Assert.Contains(DashboardCommands.SetScenario, commands.Keys);
        Assert.Contains(DashboardCommands.AllHealthy, commands.Keys);
        Assert.Contains(DashboardCommands.RestartInstance, commands.Keys);

        var arguments = commands[DashboardCommands.SetScenario].Arguments.ToDictionary(a => a.Name);
        Assert.Equal(["all", "0", "1", "2", "3"], arguments["instance"].Options!.Select(o => o.Key));
        Assert.Equal("sim-0 (http://127.0.0.1:8188)", arguments["instance"].Options![1].Value);
        Assert.Equal(ComfyMonitor.Simulator.Fleet.Scenarios.All, arguments["scenario"].Options!.Select(o => o.Key));
    }

    [Fact]
    public async Task EachRealComfyUIIsAResourceWhoseHealthComesFromSystemStats()
    {
        using var server = new FakeComfyUI("Bearer x");
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            [$"--ComfyUI:Instances:0:Url={server.Url}", "--ComfyUI:Instances:0:Name=gpu-01", "--ComfyUI:Instances:0:Headers:Authorization=Bearer x",
             "--ComfyUI:Instances:1:Url=http://127.0.0.1:9", "--ComfyUI:Instances:2:Url=http://127.0.0.1:9", "--ComfyUI:Instances:2:Name=Render Box #2",
             // Credentials in the URL as well as a configured Authorization header: the header is sent, as the services send it.
             $"--ComfyUI:Instances:3:Url={server.Url.Replace("http://", "http://user:pw@", StringComparison.Ordinal)}", "--ComfyUI:Instances:3:Headers:Authorization=Bearer x",
             "--Monitoring:Mode=none", "--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"],
            TestContext.Current.CancellationToken);
        var external = builder.Resources.OfType<ExternalServiceResource>().ToDictionary(r => r.Name);
        Assert.Equal(["comfyui-1", "comfyui-3", "gpu-01", "render-box-2"], external.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(server.Url, external["comfyui-3"].Uri!.ToString()); // no credentials on show

        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        var health = app.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>();
        async Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthReportEntry> CheckAsync(string resource)
        {
            var key = external[resource].Annotations.OfType<HealthCheckAnnotation>().Single().Key;
            return (await health.CheckHealthAsync(r => r.Name == key, TestContext.Current.CancellationToken)).Entries[key];
        }

        var healthy = await CheckAsync("gpu-01");
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, healthy.Status);
        Assert.Equal("ComfyUI 0.3.64 on cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync", healthy.Description);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, (await CheckAsync("comfyui-1")).Status);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, (await CheckAsync("comfyui-3")).Status);

        server.RequiredAuthorization = "Bearer other"; // the server now refuses the configured header
        var refused = await CheckAsync("gpu-01");
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, refused.Status);
        Assert.Contains("401", refused.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true, true, "Containers")]
    [InlineData(null, false, true, "Executables")]
    [InlineData(null, false, false, "None")]
    [InlineData("auto", false, true, "Executables")]
    [InlineData("executables", true, true, "Executables")]
    [InlineData("containers", false, false, "Containers")]
    [InlineData("none", true, true, "None")]
    public void MonitoringFallsBackFromContainersToExecutablesToNothing(string? configured, bool runtime, bool prometheusOnPath, string expected) =>
        Assert.Equal(expected, MonitoringStack.Choose(configured, () => runtime, _ => prometheusOnPath).ToString());

    [Fact]
    public async Task WithoutAContainerRuntimePrometheusAndAlertmanagerRunAsExecutables()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--Monitoring:Mode=executables", "--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"], TestContext.Current.CancellationToken);
        var prometheus = Assert.Single(builder.Resources.OfType<ExecutableResource>(), r => r.Name == "prometheus");
        Assert.Equal("prometheus", prometheus.Command);
        var args = await ArgumentsAsync(prometheus);
        Assert.Contains($"--web.listen-address=127.0.0.1:{MonitoringStack.PrometheusPort}", args);
        var config = args.Single(a => a.StartsWith("--config.file=", StringComparison.Ordinal))["--config.file=".Length..];
        // The shipped prometheus.yml as it is (default interval and runbook base); the app's endpoints in its target lists.
        var shipped = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "dashboards", "prometheus");
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(shipped, "prometheus.yml"), TestContext.Current.CancellationToken),
            await File.ReadAllTextAsync(config, TestContext.Current.CancellationToken));
        var folder = Path.GetDirectoryName(config)!;
        Assert.Contains("\"127.0.0.1:9464\"", File.ReadAllText(Path.Combine(folder, "targets", "comfymonitor-collector.json")));
        Assert.Contains("\"127.0.0.1:9465\"", File.ReadAllText(Path.Combine(folder, "targets", "comfymonitor-probe.json")));
        Assert.Contains($"\"127.0.0.1:{MonitoringStack.AlertmanagerPort}\"", File.ReadAllText(Path.Combine(folder, "targets", "alertmanager.json")));
        Assert.Equal("[]", File.ReadAllText(Path.Combine(folder, "targets", "dcgm-exporter.json")).Trim());
        Assert.Equal(File.ReadAllText(Path.Combine(shipped, "alerts.yml")), File.ReadAllText(Path.Combine(folder, "alerts.yml")));
        Assert.DoesNotContain(builder.Resources, r => r is ContainerResource);
        if (MonitoringStack.OnPath("prometheus-alertmanager"))
        {
            Assert.Single(builder.Resources.OfType<ExecutableResource>(), r => r.Name == "alertmanager");
        }
    }

    [Fact]
    public async Task WithAContainerRuntimeTheStackRunsFromThePinnedImages()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--Monitoring:Mode=containers", "--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"], TestContext.Current.CancellationToken);
        var images = builder.Resources.OfType<ContainerResource>()
            .ToDictionary(r => r.Name, r => r.Annotations.OfType<ContainerImageAnnotation>().Single());
        Assert.Equal((ContainerImages.Prometheus, ContainerImages.PrometheusTag), (images["prometheus"].Image, images["prometheus"].Tag));
        Assert.Equal((ContainerImages.Alertmanager, ContainerImages.AlertmanagerTag), (images["alertmanager"].Image, images["alertmanager"].Tag));
        Assert.Equal((ContainerImages.Grafana, ContainerImages.GrafanaTag), (images["grafana"].Image, images["grafana"].Tag));
        var grafanaMounts = builder.Resources.Single(r => r.Name == "grafana").Annotations.OfType<ContainerMountAnnotation>().Select(m => m.Target).ToList();
        Assert.Contains("/etc/grafana/provisioning", grafanaMounts);
        Assert.Contains("/var/lib/grafana/dashboards/comfymonitor", grafanaMounts);
        Assert.DoesNotContain(builder.Resources, r => r is ExecutableResource && r.Name == "prometheus");
    }

    [Fact]
    public async Task WithNothingAvailableOnlyTheServicesRun()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ComfyMonitor_AppHost>(
            ["--Monitoring:Mode=none", "--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00"], TestContext.Current.CancellationToken);
        Assert.Equal(["collector", "probe", "simulator"], builder.Resources.Where(r => r is ProjectResource or ExecutableResource or ContainerResource && !r.Name.EndsWith("-rebuilder", StringComparison.Ordinal)).Select(r => r.Name).Order());
    }

    private static async Task<Dictionary<string, string>> EnvironmentAsync(IResource resource)
    {
        var values = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), resource, values, TestContext.Current.CancellationToken);
        foreach (var annotation in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await annotation.Callback(context);
        }

        return values.Where(v => v.Value is string).ToDictionary(v => v.Key, v => (string)v.Value);
    }

    private static async Task<List<string>> ArgumentsAsync(IResource resource)
    {
        var list = new List<object>();
        foreach (var annotation in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await annotation.Callback(new CommandLineArgsCallbackContext(list, resource, TestContext.Current.CancellationToken));
        }

        return list.Select(a => a.ToString()!).ToList();
    }

    [Theory]
    [InlineData(null, "15s")]
    [InlineData("", "15s")]
    [InlineData("2s", "2s")]
    [InlineData(" 1m ", "1m")]
    [InlineData("500ms", "500ms")]
    public void TheScrapeIntervalIsAPrometheusDuration(string? configured, string expected) =>
        Assert.Equal(expected, ComfyMonitor.AppHost.MonitoringStack.ScrapeInterval(configured));

    [Theory]
    [InlineData("15")]
    [InlineData("0s")]
    [InlineData("fifteen seconds")]
    [InlineData("1.5s")]
    [InlineData("-5s")]
    public void AScrapeIntervalThatIsNoPrometheusDurationIsRefusedWithItsKey(string configured)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ComfyMonitor.AppHost.MonitoringStack.ScrapeInterval(configured));
        Assert.Contains("Monitoring:ScrapeInterval", ex.Message);
    }
}
