using ComfyMonitor.Simulator;
using ComfyMonitor.Simulator.Fleet;
using ComfyMonitor.Simulator.Http;
using ComfyMonitor.Simulator.Workload;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class SimulatorExtensions
{
    /// <summary>Maps the DESIGN.md command line onto configuration keys (--base-port -> BasePort, ...).</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--instances"] = "Simulator:Instances",
        ["--base-port"] = "Simulator:BasePort",
        ["--control-port"] = "Simulator:ControlPort",
        ["--workload"] = "Simulator:Workload",
        ["--workload-profile"] = "Simulator:WorkloadProfile",
        ["--video-job-time"] = "Simulator:VideoJobTime",
        ["--scenario"] = "Simulator:Scenario",
        ["--gpu"] = "Simulator:Gpu",
        ["--comfy-version"] = "Simulator:ComfyVersion",
        ["--node-time"] = "Simulator:NodeTime",
        ["--slow-delay"] = "Simulator:SlowDelay",
        ["--history-cap"] = "Simulator:HistoryCap",
        ["--data-dir"] = "Simulator:DataDir",
        ["--history-fill"] = "Simulator:HistoryFill",
        ["--model-files"] = "Simulator:ModelFiles",
    };

    /// <summary>The fleet, its workers, its Kestrel endpoints (one per instance plus the control port) and the workload.</summary>
    public static WebApplicationBuilder AddSimulator(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Simulator").Get<SimulatorOptions>() ?? new SimulatorOptions();
        var problems = Validate(options);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException("Simulator", typeof(SimulatorOptions), problems);
        }

        var endpoints = new EndpointConfigurationProvider();
        endpoints.SetEndpoints(Enumerable.Range(0, options.Instances)
            .Where(_ => options.Scenario != Scenarios.Down)
            .Select(i => (SimulatedFleet.EndpointName(i), options.BasePort + i))
            .Append(("control", options.ControlPort)));
        ((IConfigurationBuilder)builder.Configuration).Add(endpoints);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.Configure(context.Configuration.GetSection("Kestrel"), reloadOnChange: true);
            kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes;
        });

        builder.Services.AddSingleton(endpoints);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<SimulatorOptions>().BindConfiguration("Simulator");
        builder.Services.AddSingleton<SimulatedFleet>();
        builder.Services.AddHostedService<FleetWorkerService>();
        builder.Services.AddHostedService<WorkloadService>();
        return builder;
    }

    public static WebApplication MapSimulator(this WebApplication app)
    {
        app.UseWebSockets();
        app.UseMiddleware<ScenarioMiddleware>();
        app.Use((context, next) => InstanceRoutes.OriginCheckAsync(context, next));
        app.MapControlRoutes();
        app.MapComfyRoutes();
        return app;
    }

    public static List<string> Validate(SimulatorOptions o)
    {
        var problems = new List<string>();
        if (o.Instances is < 1 or > 20000)
        {
            problems.Add($"--instances must be between 1 and 20000 (got {o.Instances})");
        }

        if (o.BasePort is < 1 or > 65535 || o.BasePort + o.Instances - 1 > 65535)
        {
            problems.Add($"--base-port {o.BasePort} with {o.Instances} instances leaves the port range");
        }

        if (o.ControlPort is < 1 or > 65535 || (o.ControlPort >= o.BasePort && o.ControlPort < o.BasePort + o.Instances))
        {
            problems.Add($"--control-port {o.ControlPort} must be a valid port outside the instance ports");
        }

        if (o.Workload < 0)
        {
            problems.Add("--workload must not be negative");
        }

        if (!WorkloadProfiles.All.Contains(o.WorkloadProfile))
        {
            problems.Add($"--workload-profile '{o.WorkloadProfile}' is not one of {string.Join(", ", WorkloadProfiles.All)}");
        }

        if (o.VideoJobTime <= TimeSpan.Zero)
        {
            problems.Add($"--video-job-time must be positive (got {o.VideoJobTime})");
        }

        if (!Scenarios.IsKnown(o.Scenario))
        {
            problems.Add($"--scenario '{o.Scenario}' is not one of {string.Join(", ", Scenarios.All)}");
        }

        if (o.Gpu is not ("cuda" or "rocm" or "cpu" or "mps" or "mixed"))
        {
            problems.Add($"--gpu '{o.Gpu}' is not one of cuda, rocm, cpu, mps, mixed");
        }

        return problems;
    }
}
