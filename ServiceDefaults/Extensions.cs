using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Defaults every ComfyMonitor service shares, in the shape of the Aspire service-defaults template:
/// OpenTelemetry (OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, Prometheus at /metrics), health
/// endpoints in every environment, and HTTP resilience with one pipeline per authority for the
/// HttpClients that want it (http_sd discovery; not the ComfyUI client, whose requests are measurements:
/// AddComfyApi removes it). Unlike the template there is no
/// service discovery: every address ComfyMonitor calls is a literal URL (configuration, file_sd,
/// http_sd), and Microsoft.Extensions.ServiceDiscovery 10.11 leaks a configuration change-token
/// registration each time it resolves a name it has not resolved in the last 10 s
/// (dotnet/extensions#7673) — every probe run of every instance. Found by the soak run (500 instances):
/// the change tokens' count rose by hundreds a minute; without service discovery it stays at two.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    public const string MetricsEndpointPath = "/metrics";
    public const string ResilienceSection = "HttpResilience";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, params string[] meterNames)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry(meterNames);
        builder.AddDefaultHealthChecks();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Tunable under "HttpResilience" (retry, circuit breaker, timeouts), one pipeline per authority.
            var section = builder.Configuration.GetSection(ResilienceSection);
            http.AddStandardResilienceHandler(options => section.Bind(options)).SelectPipelineByAuthority();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder, params string[] meterNames)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics =>
            {
                // Three runtime gauges end in "_count", which Prometheus reserves for histograms and
                // summaries (promtool warns); they are exported under plural names instead.
                metrics.AddView("dotnet.assembly.count", new MetricStreamConfiguration { Name = "dotnet.assemblies" })
                    .AddView("dotnet.process.cpu.count", new MetricStreamConfiguration { Name = "dotnet.process.cpus" })
                    .AddView("dotnet.timer.count", new MetricStreamConfiguration { Name = "dotnet.timers" });
                // Prometheus' text format carries no exemplars: do not keep reservoirs for them per series.
                metrics.SetExemplarFilter(ExemplarFilterType.AlwaysOff);
                // No HttpClient metrics: every outgoing request goes to a ComfyUI server and is already timed per
                // instance by the service's own metrics (scrape durations, canary phases); the per-server
                // http_client_* series would double the exposition and, past a few hundred servers, OpenTelemetry's
                // 2,000-series limit per metric (the soak run found them folded into otel_metric_overflow).
                // A MeterProvider listens to every Meter of its names in the process. This host's own meters come from
                // its IMeterFactory (their Scope): another host in the same process (tests run several) keeps its
                // instruments to itself. Meters made without a factory (the runtime's) are the process's, and shared.
                ((IDeferredMeterProviderBuilder)metrics).Configure((services, provider) =>
                {
                    var own = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
                    provider.AddView(instrument => instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, own)
                        ? null
                        : MetricStreamConfiguration.Drop);
                });
                metrics.AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(meterNames)
                    // No otel_scope_name label on every series: a fleet's exposition is large enough without it.
                    .AddPrometheusExporter(o => o.ScopeInfoEnabled = false);
            });

        // Traces only where they go somewhere: without an OTLP endpoint nothing would read them, and each of the
        // thousands of requests a minute to ComfyUI servers would still make an Activity and carry a traceparent header.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry()
                .WithTracing(tracing =>
                {
                    tracing.AddSource(builder.Environment.ApplicationName)
                        .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                            !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                            && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath)
                            && !context.Request.Path.StartsWithSegments(MetricsEndpointPath))
                        .AddHttpClientInstrumentation();
                })
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// The series limit of each named metric of the service's own meters (OpenTelemetry keeps 2,000 series per metric
    /// unless told otherwise and folds the rest into an overflow series): the one place besides <see cref="AddServiceDefaults"/>
    /// where a service touches OpenTelemetry's setup.
    /// </summary>
    public static IServiceCollection AddSeriesLimits(this IServiceCollection services, IReadOnlyDictionary<string, int> limits)
    {
        services.AddOpenTelemetry().WithMetrics(m => m.SetCardinalityLimits(limits));
        return services;
    }

    /// <summary>
    /// Series limits (OpenTelemetry keeps 2,000 per metric otherwise) for this host's own instruments of the given names;
    /// instruments of the same names that another host of the process makes stay that host's (see ConfigureOpenTelemetry).
    /// </summary>
    public static MeterProviderBuilder SetCardinalityLimits(this MeterProviderBuilder metrics, IReadOnlyDictionary<string, int> limits) =>
        ((IDeferredMeterProviderBuilder)metrics).Configure((services, provider) =>
        {
            var own = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
            provider.AddView(instrument => ReferenceEquals(instrument.Meter.Scope, own) && limits.TryGetValue(instrument.Name, out var limit)
                ? new MetricStreamConfiguration { CardinalityLimit = limit }
                : null);
        });

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>/health (every check), /alive (liveness only) and /metrics, in every environment.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        app.MapPrometheusScrapingEndpoint(MetricsEndpointPath);
        return app;
    }
}
