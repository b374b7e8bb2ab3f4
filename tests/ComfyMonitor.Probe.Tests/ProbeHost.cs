using System.Globalization;
using ComfyMonitor.Probe;
using ComfyMonitor.Probe.State;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>The probe, built as Program.cs builds it, on a free loopback port.</summary>
internal sealed class ProbeHost : IAsyncDisposable
{
    private ProbeHost(WebApplication app, int port, LogCapture logs)
    {
        App = app;
        Logs = logs;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public LogCapture Logs { get; }

    public ProbeFleet Fleet => App.Services.GetRequiredService<ProbeFleet>();

    public static async Task<ProbeHost> StartAsync(IEnumerable<Uri> instances, TimeSpan interval, IDictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["Probe:Interval"] = interval.ToString("c", CultureInfo.InvariantCulture),
            ["Probe:Timeout"] = "00:00:05",
            ["Probe:RequestTimeout"] = "00:00:02",
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

    public static async Task<ProbeHost> StartAsync(IDictionary<string, string?> config)
    {
        var port = FreePorts.One();
        var logs = new LogCapture();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(config);
        builder.Configuration["urls"] = $"http://127.0.0.1:{port}";
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.AddServiceDefaults(ProbeMetrics.MeterName, ComfyMonitor.Discovery.DiscoveryMetrics.MeterName);
        builder.AddProbe();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapProbe();
        await app.StartAsync();
        return new ProbeHost(app, port, logs);
    }

    public async Task<PrometheusText> MetricsAsync() => PrometheusText.Parse(await Http.GetStringAsync("metrics"));

    public async Task<PrometheusText> WaitForMetricsAsync(Func<PrometheusText, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
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
