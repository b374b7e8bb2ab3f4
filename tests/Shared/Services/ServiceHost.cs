using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComfyMonitor.Testing;

/// <summary>A ComfyMonitor service (collector or probe) built as its Program.cs builds it, on a free loopback port.</summary>
internal sealed class ServiceHost : IAsyncDisposable
{
    private ServiceHost(WebApplication app, LogCapture logs)
    {
        App = app;
        Logs = logs;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{FreePorts.Bound(app)[0]}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public LogCapture Logs { get; }

    public static async Task<ServiceHost> StartAsync(IDictionary<string, string?> config, Action<WebApplicationBuilder> add, Action<WebApplication> map, params string[] meters)
    {
        var logs = new LogCapture();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(config);
        builder.Configuration["urls"] = FreePorts.AnyPort;
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.AddServiceDefaults(meters);
        add(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        map(app);
        await app.StartAsync();
        return new ServiceHost(app, logs);
    }

    /// <summary>Configuration for a service watching <paramref name="instances"/>: defaults, the instances, then overrides.</summary>
    public static Dictionary<string, string?> Configuration(IEnumerable<Uri> instances, IDictionary<string, string?> defaults, IDictionary<string, string?>? settings)
    {
        var config = new Dictionary<string, string?>(defaults);
        var i = 0;
        foreach (var url in instances)
        {
            config[$"ComfyUI:Instances:{i++}:Url"] = url.ToString();
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        return config;
    }

    public async Task<PrometheusText> MetricsAsync() => PrometheusText.Parse(await Http.GetStringAsync("metrics"));

    /// <summary>
    /// Reads /metrics, and waits before the next reading four times as long as this one took (at least 100 ms): a fleet
    /// of hundreds of instances has a page of tens of thousands of lines, whose rendering and parsing would otherwise
    /// take most of the CPU that the service under test needs.
    /// </summary>
    private async Task<(PrometheusText Metrics, TimeSpan Pause)> ReadAsync()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var metrics = await MetricsAsync();
        var took = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        return (metrics, TimeSpan.FromMilliseconds(Math.Max(100, took.TotalMilliseconds * 4)));
    }

    /// <summary>
    /// Polls /metrics until <paramref name="progress"/> has grown by <paramref name="steps"/> (cycles, runs), asserting
    /// <paramref name="condition"/> on every reading: "stays true for N cycles", whatever the machine's speed.
    /// </summary>
    public async Task<PrometheusText> HoldsAsync(Func<PrometheusText, double> progress, double steps, Func<PrometheusText, bool> condition, string what, TimeSpan? timeout = null)
    {
        var first = await MetricsAsync();
        Assert.True(condition(first), $"not {what} at the start");
        var start = progress(first);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var pause = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            await Task.Delay(pause);
            (var metrics, pause) = await ReadAsync();
            Assert.True(condition(metrics), $"no longer {what} after {progress(metrics) - start} of {steps} steps");
            if (progress(metrics) - start >= steps)
            {
                return metrics;
            }

            Assert.True(DateTime.UtcNow < deadline, $"only {progress(metrics) - start} of {steps} steps in {timeout ?? TimeSpan.FromSeconds(60)} while checking {what}");
        }
    }

    /// <summary>Polls /metrics until <paramref name="condition"/> holds.</summary>
    public async Task<PrometheusText> WaitForMetricsAsync(Func<PrometheusText, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var (metrics, pause) = await ReadAsync();
            if (condition(metrics))
            {
                return metrics;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"/metrics never showed {what ?? "the expected state"} in {timeout ?? TimeSpan.FromSeconds(30)}; it showed:\n{Summary(metrics)}");
            }

            await Task.Delay(pause);
        }
    }

    /// <summary>What a timeout reports: the availability series of the last page (or its first lines when it has none).</summary>
    private static string Summary(PrometheusText metrics)
    {
        static string Line(PrometheusText.Sample s) => $"{s.Name}{{{string.Join(",", s.Labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} {s.Value}";
        var availability = metrics.Samples.Where(s => s.Name is "comfyui_up" or "comfyui_canary_success" or "comfymonitor_instances").ToList();
        if (availability.Count == 0)
        {
            return string.Join("\n", metrics.Samples.Take(20).Select(Line)) + $"\n({metrics.Samples.Count} samples)";
        }

        // Counts per name and value, then the first series that are not 1 (down, failing).
        var counts = availability.GroupBy(s => (s.Name, s.Value)).Select(g => $"{g.Key.Name} = {g.Key.Value}: {g.Count()} series");
        return string.Join("\n", counts.Concat(availability.Where(s => s.Value != 1).Take(20).Select(Line)));
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
