using System.Globalization;

var builder = DistributedApplication.CreateBuilder(args);

// Real ComfyUI servers come from this AppHost's configuration (ComfyUI:Instances:N:Url, ...). Without any,
// a simulated fleet with background traffic stands in for them.
var realInstances = builder.Configuration.GetSection("ComfyUI:Instances").GetChildren().ToList();
var targets = new List<(string Url, string? Name)>();
IResourceBuilder<ProjectResource>? simulator = null;
if (realInstances.Count == 0)
{
    var instances = int.Parse(builder.Configuration["Simulator:Instances"] ?? "4", CultureInfo.InvariantCulture);
    var basePort = int.Parse(builder.Configuration["Simulator:BasePort"] ?? "8188", CultureInfo.InvariantCulture);
    var controlPort = int.Parse(builder.Configuration["Simulator:ControlPort"] ?? "8100", CultureInfo.InvariantCulture);
    var workload = builder.Configuration["Simulator:Workload"] ?? "6";
    simulator = builder.AddProject<Projects.ComfyMonitor_Simulator>("simulator")
        .WithArgs("--instances", instances.ToString(CultureInfo.InvariantCulture), "--base-port", basePort.ToString(CultureInfo.InvariantCulture),
            "--control-port", controlPort.ToString(CultureInfo.InvariantCulture), "--workload", workload)
        .WithHttpEndpoint(port: controlPort, name: "control", isProxied: false);
    targets.AddRange(Enumerable.Range(0, instances).Select(i => ($"http://127.0.0.1:{basePort + i}", (string?)$"sim-{i}")));
}
else
{
    targets.AddRange(realInstances.Select(i => (i["Url"] ?? "", i["Name"])));
}

var collector = builder.AddProject<Projects.ComfyMonitor_Collector>("collector", launchProfileName: null)
    .WithHttpEndpoint(port: 9464, name: "http", isProxied: false)
    .WithHttpHealthCheck("/health");
var probe = builder.AddProject<Projects.ComfyMonitor_Probe>("probe", launchProfileName: null)
    .WithHttpEndpoint(port: 9465, name: "http", isProxied: false)
    .WithHttpHealthCheck("/health");
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

builder.Build().Run();
