using ComfyMonitor.ComfyApi;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.Running;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Probe.Tests;

/// <summary>A simulator and a canary runner with short timeouts, without the scheduler.</summary>
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

    /// <summary>Generous defaults, so that a loaded CI machine does not fail healthy runs; safety tests pass a short timeout.</summary>
    public static async Task<RunnerFixture> StartAsync(int instances = 1, TimeSpan? timeout = null) =>
        new(await SimulatorHost.StartAsync(instances), new ProbeOptions
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(8),
            MaxQueueWait = timeout ?? TimeSpan.FromSeconds(8),
            RequestTimeout = TimeSpan.FromSeconds(timeout is { } t && t < TimeSpan.FromSeconds(4) ? 1 : 6),
        });

    public ComfyEndpoint Endpoint(int index = 0) => new($"sim-{index}", Sim.Url(index));

    public ComfyClient Client(int index = 0) => ComfyClientFactory.Create(Endpoint(index), new ComfyClientOptions { Timeout = Options.RequestTimeout });

    public Task<CanaryRun> RunAsync(Canary canary, int index = 0) => Runner.RunAsync(Endpoint(index), Client(index), canary, CancellationToken.None);

    public async ValueTask DisposeAsync() => await Sim.DisposeAsync();
}
