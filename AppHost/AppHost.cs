using System.Globalization;
using ComfyMonitor.AppHost;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

// Real ComfyUI servers come from this AppHost's configuration (ComfyUI:Instances:N:Url, ...). Without any,
// a simulated fleet with background traffic stands in for them.
var realInstances = builder.Configuration.GetSection("ComfyUI:Instances").GetChildren().ToList();
var targets = new List<(string Url, string? Name)>();
IResourceBuilder<ProjectResource>? simulator = null;
if (realInstances.Count == 0)
{
    var settings = builder.Configuration.GetSection(SimulatorSettings.Section).Get<SimulatorSettings>() ?? new SimulatorSettings();
    var (instances, basePort, controlPort) = (settings.Instances, settings.BasePort, settings.ControlPort);
    var workload = settings.Workload.ToString(CultureInfo.InvariantCulture);
    simulator = builder.AddProject<Projects.ComfyMonitor_Simulator>("simulator")
        .WithArgs("--instances", instances.ToString(CultureInfo.InvariantCulture), "--base-port", basePort.ToString(CultureInfo.InvariantCulture),
            "--control-port", controlPort.ToString(CultureInfo.InvariantCulture), "--workload", workload)
        .WithHttpEndpoint(port: controlPort, name: "control", isProxied: false)
        .WithUrlForEndpoint("control", u => u.DisplayText = "Control API")
        .WithUrl((string)$"http://127.0.0.1:{controlPort}/instances", "Instances and their scenarios");
    targets.AddRange(Enumerable.Range(0, instances).Select(i => ($"http://127.0.0.1:{basePort + i}", (string?)$"sim-{i}")));
    // Dashboard commands: switch an instance (or all) to a scenario and back, restart one (README, quick start).
    simulator.WithScenarioCommands(controlPort, targets.Select(t => $"{t.Name} ({t.Url})").ToList());
}
else
{
    targets.AddRange(realInstances.Select(i => (i["Url"] ?? "", i["Name"])));
    // Each real ComfyUI server as a resource, healthy while its /system_stats answers.
    var names = new HashSet<string>(StringComparer.Ordinal);
    for (var i = 0; i < realInstances.Count; i++)
    {
        var name = DashboardCommands.ResourceName(realInstances[i]["Name"], i);
        if (Uri.TryCreate(realInstances[i]["Url"], UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && names.Add(name))
        {
            builder.AddComfyUI(new ComfyMonitor.ComfyApi.ComfyEndpoint(name, url, realInstances[i].GetSection("Headers").GetChildren().ToDictionary(h => h.Key, h => h.Value ?? "")));
        }
    }
}

var collector = builder.AddProject<Projects.ComfyMonitor_Collector>("collector", launchProfileName: null)
    .WithHttpEndpoint(port: 9464, name: "http", isProxied: false)
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", u => u.DisplayText = "Fleet page")
    .WithUrl("http://127.0.0.1:9464/metrics", "Metrics")
    .WithUrl("http://127.0.0.1:9464/api/fleet", "Fleet (JSON)");
var probe = builder.AddProject<Projects.ComfyMonitor_Probe>("probe", launchProfileName: null)
    .WithHttpEndpoint(port: 9465, name: "http", isProxied: false)
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", u => u.DisplayText = "Runs page")
    .WithUrl("http://127.0.0.1:9465/metrics", "Metrics")
    .WithUrl("http://127.0.0.1:9465/api/runs", "Runs (JSON)");
foreach (var service in new[] { collector, probe })
{
    for (var i = 0; i < targets.Count; i++)
    {
        service.WithEnvironment($"ComfyUI__Instances__{i}__Url", targets[i].Url);
        if (targets[i].Name is { } name)
        {
            service.WithEnvironment($"ComfyUI__Instances__{i}__Name", name);
        }

        foreach (var header in realInstances.ElementAtOrDefault(i)?.GetSection("Headers").GetChildren() ?? [])
        {
            service.WithEnvironment($"ComfyUI__Instances__{i}__Headers__{header.Key}", header.Value);
        }
    }

    if (simulator is not null)
    {
        service.WaitFor(simulator);
    }
}

// Prometheus, Alertmanager and Grafana: containers where a runtime answers, else executables, else left out.
var dashboards = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "dashboards"));
var monitoring = builder.Configuration.GetSection(MonitoringSettings.Section).Get<MonitoringSettings>() ?? new MonitoringSettings();
var runbookBase = monitoring.RunbookBase;
var scrapeInterval = MonitoringStack.ScrapeInterval(monitoring.ScrapeInterval);
var mode = MonitoringStack.Choose(monitoring.Mode, MonitoringStack.ContainerRuntimeHealthy, MonitoringStack.OnPath);
// One folder per app model built (tests build several in one process, at once).
var work = Path.Combine(Path.GetTempPath(), $"comfymonitor-apphost-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40], mode.ToString().ToLowerInvariant());
var generated = Path.Combine(work, "prometheus");
// The generated configuration lives as long as the AppHost: nothing is left in the temp folder after it.
AppDomain.CurrentDomain.ProcessExit += (_, _) =>
{
    try
    {
        Directory.Delete(Path.GetDirectoryName(work)!, recursive: true);
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
    {
    }
};
switch (mode)
{
    case MonitoringStack.Mode.Containers:
    {
        PrometheusConfig.Write(dashboards, generated, Targets("host.docker.internal:9464", "host.docker.internal:9465", $"alertmanager:{MonitoringStack.AlertmanagerPort}"), scrapeInterval, runbookBase);
        var alertmanager = builder.AddContainer("alertmanager", ContainerImages.Alertmanager, ContainerImages.AlertmanagerTag)
            .WithImageRegistry(ContainerImages.Registry)
            .WithBindMount(Path.Combine(dashboards, "alertmanager"), "/etc/alertmanager", isReadOnly: true)
            .WithArgs("--config.file=/etc/alertmanager/alertmanager.yml")
            .WithHttpEndpoint(port: MonitoringStack.AlertmanagerPort, targetPort: 9093, name: "http")
            .WithUrlForEndpoint("http", u => u.DisplayText = "Alertmanager");
        var prometheus = builder.AddContainer("prometheus", ContainerImages.Prometheus, ContainerImages.PrometheusTag)
            .WithImageRegistry(ContainerImages.Registry)
            .WithBindMount(generated, "/etc/prometheus", isReadOnly: true)
            .WithArgs("--config.file=/etc/prometheus/prometheus.yml", "--web.enable-lifecycle")
            .WithContainerRuntimeArgs("--add-host=host.docker.internal:host-gateway")
            .WithHttpEndpoint(port: MonitoringStack.PrometheusPort, targetPort: 9090, name: "http")
            .WithPrometheusLinks()
            .WaitFor(alertmanager);
        builder.AddContainer("grafana", ContainerImages.Grafana, ContainerImages.GrafanaTag)
            .WithImageRegistry(ContainerImages.Registry)
            .WithBindMount(Path.Combine(dashboards, "grafana", "provisioning"), "/etc/grafana/provisioning", isReadOnly: true)
            .WithBindMount(Path.Combine(dashboards, "grafana", "dashboards"), "/var/lib/grafana/dashboards/comfymonitor", isReadOnly: true)
            .WithEnvironment("PROMETHEUS_URL", $"http://prometheus:9090")
            .WithEnvironment("GF_AUTH_ANONYMOUS_ENABLED", "true")
            .WithEnvironment("GF_AUTH_ANONYMOUS_ORG_ROLE", "Viewer")
            .WithHttpEndpoint(port: MonitoringStack.GrafanaPort, targetPort: 3000, name: "http")
            .WithUrlForEndpoint("http", u => u.DisplayText = "Grafana")
            .WithUrl((string)$"http://127.0.0.1:{MonitoringStack.GrafanaPort}/d/comfyui-fleet", "Fleet dashboard")
            .WaitFor(prometheus);
        break;
    }

    case MonitoringStack.Mode.Executables:
    {
        var config = PrometheusConfig.Write(dashboards, generated, Targets("127.0.0.1:9464", "127.0.0.1:9465", $"127.0.0.1:{MonitoringStack.AlertmanagerPort}"), scrapeInterval, runbookBase);
        var data = work;
        if (MonitoringStack.OnPath("prometheus-alertmanager"))
        {
            builder.AddExecutable("alertmanager", "prometheus-alertmanager", data,
                    $"--config.file={Path.Combine(dashboards, "alertmanager", "alertmanager.yml")}", $"--storage.path={Path.Combine(data, "alertmanager")}",
                    $"--web.listen-address=127.0.0.1:{MonitoringStack.AlertmanagerPort}", "--cluster.listen-address=")
                .WithHttpEndpoint(port: MonitoringStack.AlertmanagerPort, name: "http", isProxied: false)
                .WithUrlForEndpoint("http", u => u.DisplayText = "Alertmanager");
        }
        else
        {
            Console.WriteLine("ComfyMonitor: prometheus-alertmanager is not on PATH; Alertmanager is left out (apt-get install prometheus-alertmanager).");
        }

        builder.AddExecutable("prometheus", "prometheus", generated,
                $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(data, "prometheus-data")}",
                $"--web.listen-address=127.0.0.1:{MonitoringStack.PrometheusPort}")
            .WithHttpEndpoint(port: MonitoringStack.PrometheusPort, name: "http", isProxied: false)
            .WithPrometheusLinks()
            .WithHttpHealthCheck("/-/ready");
        Console.WriteLine("ComfyMonitor: no container runtime; Prometheus and Alertmanager run as executables, Grafana is left out.");
        break;
    }

    default:
        Console.WriteLine("ComfyMonitor: no container runtime and no prometheus executable: Prometheus, Alertmanager and Grafana are left out; metrics are in the Aspire dashboard (OTLP).");
        break;
}

// Where to watch what the simulator's commands do: on the simulator itself, and on the collector and the probe.
foreach (var resource in new IResourceBuilder<IResourceWithEndpoints>?[] { simulator, collector, probe })
{
    resource?.WithMonitoringLinks(builder);
}

builder.Build().Run();

// The target lists of the shipped prometheus.yml for this app: its collector, probe and Alertmanager.
static Dictionary<string, IReadOnlyList<string>> Targets(string collector, string probe, string alertmanager) => new()
{
    [PrometheusConfig.CollectorJob] = [collector],
    [PrometheusConfig.ProbeJob] = [probe],
    [PrometheusConfig.Alertmanagers] = [alertmanager],
};
