using ComfyMonitor.Collector.Scraping;
using ComfyMonitor.Collector.State;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.Discovery;

namespace ComfyMonitor.Collector.Tests;

/// <summary>One instance's scraper and state, made as CollectorTargets makes them, for tests that drive cycles themselves (on a fake clock).</summary>
internal static class TestScraper
{
    /// <param name="timeout">The client's per-request timeout; the client's default when null.</param>
    /// <param name="handler">The handler under the client (to count or fail requests); sockets when null.</param>
    public static (InstanceScraper Scraper, InstanceState State) Create(
        string name, Uri url, TimeProvider time, CollectorOptions options, TargetExpectations? expectations = null, TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        var endpoint = new ComfyEndpoint(name, url);
        var state = new InstanceState(endpoint.Name, options, time, expectations: expectations);
        var client = ComfyClientFactory.Create(endpoint, timeout is { } t ? new ComfyClientOptions { Timeout = t } : new ComfyClientOptions(), handler);
        return (new InstanceScraper(endpoint, client, state, options), state);
    }
}
