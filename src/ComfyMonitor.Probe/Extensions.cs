using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;
using ComfyMonitor.Probe;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.Pages;
using ComfyMonitor.Probe.Running;
using ComfyMonitor.Probe.State;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class ProbeExtensions
{
    public const int DefaultPort = 9465;

    /// <summary>Targets, canaries, the ComfyUI client, probe state, metrics and the Quartz scheduler of the probe.</summary>
    public static WebApplicationBuilder AddProbe(this WebApplicationBuilder builder)
    {
        builder.UseDefaultPort(DefaultPort);
        builder.AddWebConfig();
        builder.AddComfyTargets(shardSection: $"{ProbeOptions.Section}:Shard");
        var services = builder.Services;
        services.AddOptions<ProbeOptions>().BindConfiguration(ProbeOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProbeOptions>, ProbeOptionsValidator>();
        services.AddOptions<SamplerCanaryOptions>().BindConfiguration(SamplerCanaryOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SamplerCanaryOptions>, SamplerCanaryOptionsValidator>();

        services.AddComfyApi();
        services.AddOptions<ComfyMonitor.ComfyApi.ComfyClientOptions>().Configure<IOptions<ProbeOptions>>((client, probe) => client.Timeout = probe.Value.RequestTimeout);

        // OpenTelemetry keeps 2,000 series per metric unless told otherwise: with the built-in canaries, the phase
        // durations of a hundred instances would already overflow.
        var maxInstancesKey = $"{ProbeOptions.Section}:{nameof(ProbeOptions.MaxInstances)}";
        var maxInstances = LenientSettings.PositiveInt(builder.Configuration, maxInstancesKey, new ProbeOptions().MaxInstances);
        var canaries = ProbeOptionsValidator.Known.Count + builder.Configuration.GetSection($"{ProbeOptions.Section}:Custom").GetChildren().Count();
        var limits = ProbeMetrics.SeriesLimits(canaries, maxInstances, LenientSettings.Flag(builder.Configuration, $"{ProbeOptions.Section}:{nameof(ProbeOptions.PerInstanceNodeDurations)}"));
        limits[ComfyMonitor.Hosting.TargetInfoMetric.Name] = maxInstances + 100;
        services.AddSeriesLimits(limits);
        services.AddSingleton<ProbeFleet>();
        services.AddSingleton<ProbeMetrics>();
        services.AddSingleton<CanaryRunner>();
        services.AddSingleton<IEnumerable<Canary>>(sp => Canaries(sp.GetRequiredService<IOptions<ProbeOptions>>().Value, sp.GetRequiredService<IOptions<SamplerCanaryOptions>>().Value));
        var maxConcurrency = LenientSettings.PositiveInt(builder.Configuration, $"{ProbeOptions.Section}:MaxConcurrency", new ProbeOptions().MaxConcurrency);
        var interval = LenientSettings.PositiveDuration(builder.Configuration, $"{ProbeOptions.Section}:Interval", new ProbeOptions().Interval);
        services.AddPerTargetJobs<ProbeJob, ProbeTargets>("probe", maxConcurrency, sp => sp.GetRequiredService<IOptions<ProbeOptions>>().Value.Interval, interval,
            maxInstances, maxInstancesKey);
        return builder;
    }

    public static WebApplication MapProbe(this WebApplication app)
    {
        // Every setting is checked before anything starts, so that all problems are reported at once.
        OptionsCheck.ThrowIfInvalid(app.Services, typeof(ComfyUIOptions), typeof(ShardOptions), typeof(ProbeOptions), typeof(SamplerCanaryOptions));
        app.Services.GetRequiredService<ProbeMetrics>();
        app.MapGet("/", (ProbeFleet fleet, IOptions<ProbeOptions> options, HttpContext context) =>
        {
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
            return Results.Content(RunsPage.Render(fleet, options.Value), "text/html; charset=utf-8");
        });
        app.MapGet("/api/runs", (ProbeFleet fleet) => Results.Json(RunsPage.Runs(fleet)));
        return app;
    }

    /// <summary>The enabled built-in canaries, the sampler when a checkpoint is configured, then the custom ones, in a fixed order.</summary>
    public static List<Canary> Canaries(ProbeOptions options, SamplerCanaryOptions? sampler = null)
    {
        var canaries = new List<Canary>();
        if (options.IsEnabled(RenderCanary.CanaryName))
        {
            canaries.Add(new RenderCanary());
        }

        if (options.IsEnabled(UploadCanary.CanaryName))
        {
            canaries.Add(new UploadCanary());
        }

        if (options.IsEnabled(MaskCanary.CanaryName))
        {
            canaries.Add(new MaskCanary());
        }

        if (sampler is { Configured: true } && options.IsEnabled(SamplerCanary.CanaryName))
        {
            canaries.Add(new SamplerCanary(sampler));
        }

        canaries.AddRange(options.Custom.Where(c => c.Enabled).Select(c => new CustomCanary(c)));
        return canaries;
    }
}
