using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ComfyMonitor.Collector;
using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;
using ComfyMonitor.Probe;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComfyMonitor.Docs.Tests;

/// <summary>
/// The unit and description of every instrument the collector and the probe create, as they create them: each service
/// is built with its defaults (never started) and its metrics classes made, while a listener notes what they publish.
/// </summary>
public static class InstrumentDescriptions
{
    private static readonly Lazy<IReadOnlyDictionary<string, (string? Unit, string? Description)>> All = new(Read);

    /// <summary>By instrument name.</summary>
    public static IReadOnlyDictionary<string, (string? Unit, string? Description)> ByInstrument => All.Value;

    private static IReadOnlyDictionary<string, (string? Unit, string? Description)> Read()
    {
        var found = new ConcurrentDictionary<string, (string?, string?)>(StringComparer.Ordinal);
        string[] meters = [CollectorMetrics.MeterName, ProbeMetrics.MeterName, DiscoveryMetrics.MeterName];
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (meters.Contains(instrument.Meter.Name))
                {
                    found[instrument.Name] = (instrument.Unit, instrument.Description);
                }
            },
        };
        listener.Start();
        Make(b => b.AddCollector(), typeof(CollectorMetrics));
        Make(b => b.AddProbe(), typeof(ProbeMetrics));
        return found;
    }

    private static void Make(Action<WebApplicationBuilder> add, Type metrics)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration["ComfyUI:Instances:0:Url"] = "http://127.0.0.1:9";
        builder.Logging.ClearProviders();
        add(builder);
        using var app = builder.Build();
        app.Services.GetRequiredService(metrics);
        app.Services.GetRequiredService<DiscoveryMetrics>();
        _ = app.Services.GetServices<IHostedService>().OfType<TargetInfoMetric>().Single();
        _ = app.Services.GetServices<IHostedService>().OfType<BuildInfoMetric>().Single();
    }
}
