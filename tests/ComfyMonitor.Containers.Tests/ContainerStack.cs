using System.Globalization;
using System.Text;
using ComfyMonitor.AppHost;
using ComfyMonitor.Testing;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;

namespace ComfyMonitor.Containers.Tests;

/// <summary>
/// The official Prometheus image with the shipped rules and the official Grafana image with the shipped
/// provisioning (the AppHost's pinned versions), fed by the simulator, the collector and the probe on the host.
/// Where no container runtime answers, <see cref="SkipReason"/> says why and nothing is started.
/// </summary>
public sealed class ContainerStack : IAsyncLifetime
{
    public const string GrafanaPassword = "comfymonitor-test";

    private readonly List<ChildProcess> _processes = [];
    private INetwork? _network;
    private IContainer? _prometheus;
    private IContainer? _grafana;
    private SimulatorHost? _sim;

    /// <summary>Why the container tests cannot run here, or null.</summary>
    public string? SkipReason { get; private set; }

    public HttpClient Prometheus { get; private set; } = null!;

    public HttpClient Grafana { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        try
        {
            _network = new NetworkBuilder().Build();
        }
        catch (DockerUnavailableException ex)
        {
            SkipReason = $"No container runtime (Docker) is available, so Grafana and the Prometheus image cannot run: {ex.Message.Split('\n')[0]}";
            return;
        }

        await _network.CreateAsync();
        _sim = await SimulatorHost.StartAsync(3, new Dictionary<string, string?> { ["Simulator:Workload"] = "30" });
        await _sim.SetScenarioAsync(2, "oom"); // failing prompts, so that the error panels have data
        var targets = Enumerable.Range(0, 3).SelectMany(i => new[]
        {
            KeyValuePair.Create($"ComfyUI__Instances__{i}__Url", _sim.Url(i).ToString()),
            KeyValuePair.Create($"ComfyUI__Instances__{i}__Name", $"sim-{i}"),
        }).ToDictionary();
        _processes.Add(await ChildProcess.StartServiceAsync("ComfyMonitor.Collector", new Dictionary<string, string>(targets) { ["Collector__Interval"] = "00:00:02", ["Collector__Timeout"] = "00:00:01.500" }));
        _processes.Add(await ChildProcess.StartServiceAsync("ComfyMonitor.Probe", new Dictionary<string, string>(targets) { ["Probe__Interval"] = "00:00:05", ["Probe__Timeout"] = "00:00:04", ["Probe__MaxQueueWait"] = "00:00:04" }));
        var (collectorPort, probePort) = (_processes[^2].Url.Port, _processes[^1].Url.Port);
        await TestcontainersSettings.ExposeHostPortsAsync([(ushort)collectorPort, (ushort)probePort], CancellationToken.None);

        var prometheusConfig = string.Create(CultureInfo.InvariantCulture, $$"""
            global:
              scrape_interval: 5s
              evaluation_interval: 5s
              external_labels:
                runbook_base: https://runbooks.example/comfymonitor
            rule_files: [/etc/prometheus/rules.yml, /etc/prometheus/alerts.yml]
            scrape_configs:
              - job_name: comfymonitor-collector
                static_configs: [{targets: ["host.testcontainers.internal:{{collectorPort}}"]}]
              - job_name: comfymonitor-probe
                static_configs: [{targets: ["host.testcontainers.internal:{{probePort}}"]}]
            """);
        var rules = Path.Combine(Repository.Dashboards, "prometheus");
        _prometheus = new ContainerBuilder($"{ContainerImages.Registry}/{ContainerImages.Prometheus}:{ContainerImages.PrometheusTag}")
            .WithNetwork(_network)
            .WithNetworkAliases("prometheus")
            .WithPortBinding(9090, assignRandomHostPort: true)
            .WithResourceMapping(Encoding.UTF8.GetBytes(prometheusConfig), "/etc/prometheus/prometheus.yml")
            .WithResourceMapping(await File.ReadAllBytesAsync(Path.Combine(rules, "rules.yml")), "/etc/prometheus/rules.yml")
            .WithResourceMapping(await File.ReadAllBytesAsync(Path.Combine(rules, "alerts.yml")), "/etc/prometheus/alerts.yml")
            .WithCommand("--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus")
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(9090).ForPath("/-/ready")))
            .Build();
        var grafana = Path.Combine(Repository.Dashboards, "grafana");
        _grafana = new ContainerBuilder($"{ContainerImages.Registry}/{ContainerImages.Grafana}:{ContainerImages.GrafanaTag}")
            .WithNetwork(_network)
            .WithPortBinding(3000, assignRandomHostPort: true)
            .WithEnvironment("PROMETHEUS_URL", "http://prometheus:9090")
            .WithEnvironment("GF_SECURITY_ADMIN_PASSWORD", GrafanaPassword)
            .WithResourceMapping(new DirectoryInfo(Path.Combine(grafana, "provisioning")), "/etc/grafana/provisioning/")
            .WithResourceMapping(new DirectoryInfo(Path.Combine(grafana, "dashboards")), "/var/lib/grafana/dashboards/comfymonitor/")
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(3000).ForPath("/api/health")))
            .Build();
        await Task.WhenAll(_prometheus.StartAsync(), _grafana.StartAsync());

        Prometheus = new HttpClient { BaseAddress = new Uri($"http://{_prometheus.Hostname}:{_prometheus.GetMappedPublicPort(9090)}/") };
        Grafana = new HttpClient { BaseAddress = new Uri($"http://{_grafana.Hostname}:{_grafana.GetMappedPublicPort(3000)}/") };
        Grafana.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{GrafanaPassword}")));
    }

    public string Logs() => string.Join("\n---\n", _processes.Select(p => p.Tail(15)));

    public async ValueTask DisposeAsync()
    {
        foreach (var container in new[] { _grafana, _prometheus })
        {
            if (container is not null)
            {
                await container.DisposeAsync();
            }
        }

        if (_network is not null)
        {
            await _network.DisposeAsync();
        }

        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (_sim is not null)
        {
            await _sim.DisposeAsync();
        }

        Prometheus?.Dispose();
        Grafana?.Dispose();
    }
}
