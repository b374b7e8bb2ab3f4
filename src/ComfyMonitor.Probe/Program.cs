using ComfyMonitor.Hosting;
using ComfyMonitor.Probe;
using Microsoft.Extensions.Options;

// --version prints the build and exits, before any configuration is read or checked.
if (BuildVersion.Requested(args))
{
    Console.WriteLine(BuildVersion.Line("comfymonitor-probe"));
    return 0;
}

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults(ProbeMetrics.MeterName, ComfyMonitor.Discovery.DiscoveryMetrics.MeterName);
    builder.AddProbe();

    var app = builder.Build();
    app.MapDefaultEndpoints();
    app.MapProbe();
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine("ComfyMonitor probe: invalid configuration");
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine($"  {failure}");
    }

    return 2;
}
