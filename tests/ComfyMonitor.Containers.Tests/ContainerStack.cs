using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using ComfyMonitor.AppHost;
using ComfyMonitor.Testing;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;

namespace ComfyMonitor.Containers.Tests;

/// <summary>
/// The official Prometheus image with the shipped prometheus.yml and rules and the official Grafana image with the shipped
/// provisioning (the AppHost's pinned versions), fed by the simulator, the collector, the probe and a fake DCGM exporter
/// on the host; one instance holds other checkpoints than the rest, so that the model drift panels have data.
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
    private FakeDcgmExporter? _dcgm;
    private string? _work;

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
            KeyValuePair.Create($"ComfyUI__Instances__{i}__Labels__pool", "sdxl"),
            KeyValuePair.Create($"ComfyUI__Instances__{i}__Labels__hostname", $"gpu-node-{i}"),
        }).ToDictionary();
        using (var models = await _sim.Control.PutAsJsonAsync("instances/1/models/checkpoints", new[] { "sd_xl_base_1.0.safetensors" }))
        {
            models.EnsureSuccessStatusCode();
        }

        _processes.Add(await ChildProcess.StartServiceAsync("ComfyMonitor.Collector", new Dictionary<string, string>(targets) { ["Collector__Interval"] = "00:00:02", ["Collector__Timeout"] = "00:00:01.500" }));
        _processes.Add(await ChildProcess.StartServiceAsync("ComfyMonitor.Probe", new Dictionary<string, string>(targets) { ["Probe__Interval"] = "00:00:05", ["Probe__Timeout"] = "00:00:04", ["Probe__MaxQueueWait"] = "00:00:04" }));
        var (collectorPort, probePort) = (_processes[^2].Url.Port, _processes[^1].Url.Port);
        _dcgm = await FakeDcgmExporter.StartAsync();
        await TestcontainersSettings.ExposeHostPortsAsync([(ushort)collectorPort, (ushort)probePort, (ushort)_dcgm.Port], CancellationToken.None);

        // The shipped prometheus.yml as it is, with the host's services as targets and 5 s intervals.
        _work = Directory.CreateTempSubdirectory("comfymonitor-containers-").FullName;
        var host = "host.testcontainers.internal";
        PrometheusConfig.Write(Repository.Dashboards, _work, new Dictionary<string, IReadOnlyList<string>>
        {
            [PrometheusConfig.CollectorJob] = [$"{host}:{collectorPort}"],
            [PrometheusConfig.ProbeJob] = [$"{host}:{probePort}"],
            [PrometheusConfig.DcgmJob] = [$"{host}:{_dcgm.Port}"],
            [PrometheusConfig.Alertmanagers] = [],
        }, interval: "5s", runbookBase: "https://runbooks.example/comfymonitor");
        _prometheus = new ContainerBuilder($"{ContainerImages.Registry}/{ContainerImages.Prometheus}:{ContainerImages.PrometheusTag}")
            .WithNetwork(_network)
            .WithNetworkAliases("prometheus")
            .WithPortBinding(9090, assignRandomHostPort: true)
            .WithResourceMapping(new DirectoryInfo(_work), "/etc/prometheus/")
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

        if (_dcgm is not null)
        {
            await _dcgm.DisposeAsync();
        }

        if (_work is not null)
        {
            Directory.Delete(_work, recursive: true);
        }

        Prometheus?.Dispose();
        Grafana?.Dispose();
    }
}
