using System.Globalization;
using ComfyMonitor.Probe.State;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Probe.Tests;

/// <summary>The probe, built as Program.cs builds it, on a free loopback port.</summary>
internal sealed class ProbeHost(ServiceHost host) : IAsyncDisposable
{
    public WebApplication App => host.App;

    public HttpClient Http => host.Http;

    public LogCapture Logs => host.Logs;

    public ProbeFleet Fleet => App.Services.GetRequiredService<ProbeFleet>();

    public static async Task<ProbeHost> StartAsync(IEnumerable<Uri> instances, TimeSpan interval, IDictionary<string, string?>? settings = null)
    {
        return await StartAsync(ServiceHost.Configuration(instances, new Dictionary<string, string?>
        {
            ["Probe:Interval"] = interval.ToString("c", CultureInfo.InvariantCulture),
            ["Probe:Timeout"] = "00:00:05",
            ["Probe:MaxQueueWait"] = "00:00:05",
            ["Probe:RequestTimeout"] = "00:00:02",
        }, settings));
    }

    public static async Task<ProbeHost> StartAsync(IDictionary<string, string?> config) =>
        new(await ServiceHost.StartAsync(config, b => b.AddProbe(), a => a.MapProbe(), ProbeMetrics.MeterName, ComfyMonitor.Discovery.DiscoveryMetrics.MeterName));

    public Task<PrometheusText> MetricsAsync() => host.MetricsAsync();

    public Task<PrometheusText> WaitForMetricsAsync(Func<PrometheusText, bool> condition, TimeSpan? timeout = null, string? what = null) =>
        host.WaitForMetricsAsync(condition, timeout, what);

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
