using ComfyMonitor.ComfyApi;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.Running;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Probe.Tests;

/// <summary>A simulator and a canary runner, without the scheduler.</summary>
internal sealed class RunnerFixture : IAsyncDisposable
{
    private RunnerFixture(SimulatorHost sim, ProbeOptions options)
    {
        Sim = sim;
        Options = options;
        Runner = new CanaryRunner(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
    }

    public SimulatorHost Sim { get; }

    public ProbeOptions Options { get; }

    public CanaryRunner Runner { get; }

    /// <summary>
    /// Generous defaults (a minute per run, 20 s per request), so that a loaded CI machine fails no run that should pass
    /// or fail for another reason; the runs that must end in a timeout or a queue wait pass their own options.
    /// </summary>
    public static async Task<RunnerFixture> StartAsync(int instances = 1, IDictionary<string, string?>? simulator = null) =>
        new(await SimulatorHost.StartAsync(instances, simulator), Timeouts(null));

    public static ProbeOptions Timeouts(TimeSpan? timeout) => new()
    {
        Timeout = timeout ?? TimeSpan.FromMinutes(1),
        MaxQueueWait = timeout ?? TimeSpan.FromMinutes(1),
        RequestTimeout = timeout is { } t ? TimeSpan.FromSeconds(t < TimeSpan.FromSeconds(4) ? 1 : 3) : TimeSpan.FromSeconds(20),
    };

    public ComfyEndpoint Endpoint(int index = 0) => new($"sim-{index}", Sim.Url(index));

    public ComfyClient Client(int index = 0) => ComfyClientFactory.Create(Endpoint(index), new ComfyClientOptions { Timeout = Options.RequestTimeout });

    public Task<CanaryRun> RunAsync(Canary canary, int index = 0) => Runner.RunAsync(Endpoint(index), Client(index), canary, CancellationToken.None);

    /// <summary>A run with other timeouts than the fixture's.</summary>
    public Task<CanaryRun> RunAsync(Canary canary, ProbeOptions options, int index = 0) =>
        new CanaryRunner(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System).RunAsync(Endpoint(index),
            ComfyClientFactory.Create(Endpoint(index), new ComfyClientOptions { Timeout = options.RequestTimeout }), canary, CancellationToken.None);

    public async ValueTask DisposeAsync() => await Sim.DisposeAsync();
}
