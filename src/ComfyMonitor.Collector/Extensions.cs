using ComfyMonitor.Collector;
using ComfyMonitor.Collector.Pages;
using ComfyMonitor.Collector.Scraping;
using ComfyMonitor.Collector.State;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class CollectorExtensions
{
    public const int DefaultPort = 9464;

    /// <summary>Targets, the ComfyUI client, fleet state, metrics and the Quartz scheduler of the collector.</summary>
    public static WebApplicationBuilder AddCollector(this WebApplicationBuilder builder)
    {
        builder.UseDefaultPort(DefaultPort);
        builder.AddWebConfig();
        builder.AddComfyTargets(shardSection: $"{CollectorOptions.Section}:Shard");
        var services = builder.Services;
        services.AddOptions<CollectorOptions>().BindConfiguration(CollectorOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CollectorOptions>, CollectorOptionsValidator>();

        services.AddComfyApi();
        services.AddOptions<ComfyMonitor.ComfyApi.ComfyClientOptions>().Configure<IOptions<CollectorOptions>>((client, collector) =>
        {
            client.Timeout = collector.Value.Timeout;
            client.MaxResponseBytes = collector.Value.MaxResponseBytes;
        });

        // OpenTelemetry keeps 2,000 series per metric unless told otherwise; a fleet needs more.
        var maxInstancesKey = $"{CollectorOptions.Section}:{nameof(CollectorOptions.MaxInstances)}";
        var maxInstances = ComfyMonitor.Hosting.LenientSettings.PositiveInt(builder.Configuration, maxInstancesKey, new CollectorOptions().MaxInstances);
        var configured = new CollectorOptions
        {
            ModelFolders = builder.Configuration[$"{CollectorOptions.Section}:{nameof(CollectorOptions.ModelFolders)}"] ?? new CollectorOptions().ModelFolders,
            PerInstanceHistograms = ComfyMonitor.Hosting.LenientSettings.Flag(builder.Configuration, $"{CollectorOptions.Section}:{nameof(CollectorOptions.PerInstanceHistograms)}"),
        };
        var limits = CollectorMetrics.SeriesLimits(maxInstances, configured);
        limits[ComfyMonitor.Hosting.TargetInfoMetric.Name] = maxInstances + 100;
        services.AddSeriesLimits(limits);
        services.AddSingleton<FleetState>();
        services.AddSingleton<CollectorMetrics>();
        var maxConcurrency = ComfyMonitor.Hosting.LenientSettings.PositiveInt(builder.Configuration, $"{CollectorOptions.Section}:MaxConcurrency", new CollectorOptions().MaxConcurrency);
        var interval = ComfyMonitor.Hosting.LenientSettings.PositiveDuration(builder.Configuration, $"{CollectorOptions.Section}:Interval", new CollectorOptions().Interval);
        services.AddPerTargetJobs<ScrapeJob, CollectorTargets>("scrape", maxConcurrency, sp => sp.GetRequiredService<IOptions<CollectorOptions>>().Value.Interval, interval,
            maxInstances, maxInstancesKey);
        return builder;
    }

    public static WebApplication MapCollector(this WebApplication app)
    {
        // Every setting is checked before anything starts, so that all problems are reported at once.
        ComfyMonitor.Hosting.OptionsCheck.ThrowIfInvalid(app.Services,
            typeof(ComfyMonitor.Discovery.ComfyUIOptions), typeof(ComfyMonitor.Discovery.ShardOptions), typeof(CollectorOptions));

        // Metrics are built eagerly so that /metrics has every instrument from the first scrape on.
        app.Services.GetRequiredService<CollectorMetrics>();
        app.MapGet("/", (FleetState fleet, IOptions<CollectorOptions> options, TimeProvider time, HttpContext context) =>
        {
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
            return Results.Content(FleetPage.Render(fleet, options.Value, time), "text/html; charset=utf-8");
        });
        app.MapGet("/api/fleet", (FleetState fleet) => Results.Json(FleetPage.Entries(fleet)));

        // The last failed users' prompts (Collector:FailureFeed), newest first: the fleet's, or one instance's.
        app.MapGet("/api/failures", (FleetState fleet) =>
            Results.Json(fleet.Snapshots().SelectMany(s => s.RecentFailures).OrderByDescending(f => f.Time).ThenBy(f => f.Instance, StringComparer.Ordinal)));
        app.MapGet("/api/instances/{name}/failures", (FleetState fleet, string name) =>
            fleet.TryGet(name, out var scraper) ? Results.Json(scraper.State.Snapshot.RecentFailures) : Results.Json(Readiness.Unknown(name), statusCode: StatusCodes.Status404NotFound));

        // Readiness for gateways and load balancers (State/Readiness.cs has the rule): this replica's instances only.
        app.MapGet("/api/ready", (FleetState fleet, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(ReadyTargets.Of(fleet));
        });
        app.MapGet("/api/instances/{name}/ready", (FleetState fleet, string name, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            if (!fleet.TryGet(name, out var scraper))
            {
                return Results.Json(Readiness.Unknown(name), statusCode: StatusCodes.Status404NotFound);
            }

            var answer = Readiness.Of(scraper.State.Snapshot);
            return Results.Json(answer, statusCode: answer.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}
