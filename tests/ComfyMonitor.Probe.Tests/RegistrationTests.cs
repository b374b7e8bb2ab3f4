using ComfyMonitor.Probe.Canaries;

namespace ComfyMonitor.Probe.Tests;

/// <summary>
/// A server that registers a WebSocket's client id a while after the handshake (a loaded one does): the probe waits for
/// the first message, which comes once the id is registered, before it submits. Submitting at once, every event of the
/// run would go to nobody and the run would wait for its whole timeout.
/// </summary>
public sealed class RegistrationTests : IAsyncLifetime
{
    private RunnerFixture _f = null!;

    public async ValueTask InitializeAsync() =>
        _f = await RunnerFixture.StartAsync(simulator: new Dictionary<string, string?> { ["Simulator:WebSocketRegistrationDelay"] = "00:00:01.500" });

    public async ValueTask DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task TheProbeSubmitsOnlyOnceTheServerHasRegisteredItsSocket()
    {
        // A wait for the first message (Probe:RequestTimeout) well above the delay even on a loaded machine, and a run
        // timeout far below what a missed event costs.
        var options = new ProbeOptions { Timeout = TimeSpan.FromSeconds(30), MaxQueueWait = TimeSpan.FromSeconds(30), RequestTimeout = TimeSpan.FromSeconds(10) };
        var run = await _f.RunAsync(CanaryTests.Canary(RenderCanary.CanaryName), options);
        Assert.True(run.Success, $"{run.Reason}: {run.Detail}");
        Assert.DoesNotContain("polling", run.Detail ?? "", StringComparison.Ordinal);
    }
}
