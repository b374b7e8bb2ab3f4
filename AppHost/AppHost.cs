var builder = DistributedApplication.CreateBuilder(args);

// A simulated fleet of ComfyUI servers with background traffic. The collector, the probe,
// Prometheus, Alertmanager and Grafana join this model as their issues land.
var instances = builder.Configuration["Simulator:Instances"] ?? "4";
var basePort = builder.Configuration["Simulator:BasePort"] ?? "8188";
var controlPort = builder.Configuration["Simulator:ControlPort"] ?? "8100";
var workload = builder.Configuration["Simulator:Workload"] ?? "6";

builder.AddProject<Projects.ComfyMonitor_Simulator>("simulator")
    .WithArgs("--instances", instances, "--base-port", basePort, "--control-port", controlPort, "--workload", workload)
    .WithHttpEndpoint(port: int.Parse(controlPort, System.Globalization.CultureInfo.InvariantCulture), name: "control", isProxied: false);

builder.Build().Run();
