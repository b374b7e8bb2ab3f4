using ComfyMonitor.Collector;
using ComfyMonitor.Hosting;
using Microsoft.Extensions.Options;

// --version prints the build and exits, before any configuration is read or checked.
if (BuildVersion.Requested(args))
{
    Console.WriteLine(BuildVersion.Line("comfymonitor-collector"));
    return 0;
}

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults(CollectorMetrics.MeterName, ComfyMonitor.Discovery.DiscoveryMetrics.MeterName);
    builder.AddCollector();

    var app = builder.Build();
    app.MapDefaultEndpoints();
    app.MapCollector();
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine("ComfyMonitor collector: invalid configuration");
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine($"  {failure}");
    }

    return 2;
}
