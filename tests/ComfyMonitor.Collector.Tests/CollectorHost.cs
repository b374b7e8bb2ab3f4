using System.Globalization;
using ComfyMonitor.Collector;
using ComfyMonitor.Collector.State;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>The collector, built as Program.cs builds it, on a free loopback port.</summary>
internal sealed class CollectorHost(ServiceHost host) : IAsyncDisposable
{
    public WebApplication App => host.App;

    public HttpClient Http => host.Http;

    public LogCapture Logs => host.Logs;

    public FleetState Fleet => App.Services.GetRequiredService<FleetState>();

    /// <summary>Starts a collector scraping the given instances every <paramref name="interval"/>.</summary>
    public static async Task<CollectorHost> StartAsync(IEnumerable<Uri> instances, TimeSpan? interval = null, IDictionary<string, string?>? settings = null)
    {
        var every = interval ?? TimeSpan.FromMilliseconds(500);
        return await StartAsync(ServiceHost.Configuration(instances, new Dictionary<string, string?>
        {
            ["Collector:Interval"] = every.ToString("c", CultureInfo.InvariantCulture),
            ["Collector:Timeout"] = TimeSpan.FromMilliseconds(Math.Max(200, every.TotalMilliseconds * 0.6)).ToString("c", CultureInfo.InvariantCulture),
        }, settings));
    }

    public static async Task<CollectorHost> StartAsync(IDictionary<string, string?> config) =>
        new(await ServiceHost.StartAsync(config, b => b.AddCollector(), a => a.MapCollector(), CollectorMetrics.MeterName, ComfyMonitor.Discovery.DiscoveryMetrics.MeterName));

    public Task<PrometheusText> MetricsAsync() => host.MetricsAsync();

    public Task<PrometheusText> WaitForMetricsAsync(Func<PrometheusText, bool> condition, TimeSpan? timeout = null, string? what = null) =>
        host.WaitForMetricsAsync(condition, timeout ?? TimeSpan.FromSeconds(60), what);

    /// <summary>"Stays true for N cycles": <paramref name="condition"/> holds on every reading while <paramref name="instance"/> is scraped <paramref name="cycles"/> more times.</summary>
    public Task<PrometheusText> HoldsForCyclesAsync(string instance, int cycles, Func<PrometheusText, bool> condition, string what) =>
        host.HoldsAsync(_ => Cycles(instance), cycles, condition, what);

    /// <summary>Cycles done for <paramref name="instance"/> (the request histograms are per instance only with Collector:PerInstanceHistograms).</summary>
    public long Cycles(string instance) => Fleet.TryGet(instance, out var scraper) ? scraper.State.Snapshot.Cycles : 0;

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
