using System.Globalization;
using ComfyMonitor.Collector;
using ComfyMonitor.Collector.State;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>The collector, built as Program.cs builds it, on a free loopback port.</summary>
internal sealed class CollectorHost : IAsyncDisposable
{
    private CollectorHost(WebApplication app, int port, LogCapture logs)
    {
        App = app;
        Logs = logs;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public LogCapture Logs { get; }

    public FleetState Fleet => App.Services.GetRequiredService<FleetState>();

    /// <summary>Starts a collector scraping the given instances every <paramref name="interval"/>.</summary>
    public static async Task<CollectorHost> StartAsync(IEnumerable<Uri> instances, TimeSpan? interval = null, IDictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["Collector:Interval"] = (interval ?? TimeSpan.FromMilliseconds(500)).ToString("c", CultureInfo.InvariantCulture),
            ["Collector:Timeout"] = TimeSpan.FromMilliseconds(Math.Max(200, (interval ?? TimeSpan.FromMilliseconds(500)).TotalMilliseconds * 0.6)).ToString("c", CultureInfo.InvariantCulture),
        };
        var i = 0;
        foreach (var url in instances)
        {
            config[$"ComfyUI:Instances:{i++}:Url"] = url.ToString();
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        return await StartAsync(config);
    }

    public static async Task<CollectorHost> StartAsync(IDictionary<string, string?> config)
    {
        var port = FreePorts.One();
        var logs = new LogCapture();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(config);
        builder.Configuration["urls"] = $"http://127.0.0.1:{port}";
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.AddServiceDefaults(CollectorMetrics.MeterName, ComfyMonitor.Discovery.DiscoveryMetrics.MeterName);
        builder.AddCollector();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapCollector();
        await app.StartAsync();
        return new CollectorHost(app, port, logs);
    }

    public async Task<PrometheusText> MetricsAsync() => PrometheusText.Parse(await Http.GetStringAsync("metrics"));

    /// <summary>Polls /metrics until <paramref name="condition"/> holds.</summary>
    public async Task<PrometheusText> WaitForMetricsAsync(Func<PrometheusText, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var metrics = await MetricsAsync();
            if (condition(metrics))
            {
                return metrics;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"/metrics never showed {what ?? "the expected state"}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await App.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
    }
}
