using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// A simulator and the services a test starts against it (their built dlls, as separate processes, each logging to a
/// file of its own), all stopped and their files deleted when the test ends.
/// </summary>
internal sealed class SimulatedServices(SimulatorHost sim, string work) : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];

    public SimulatorHost Sim => sim;

    public static async Task<SimulatedServices> StartAsync(string name) =>
        new(await SimulatorHost.StartAsync(), Directory.CreateTempSubdirectory($"comfymonitor-{name}-").FullName);

    /// <summary>Starts a service (e.g. "ComfyMonitor.Collector") with the settings as environment variables; its client once it listens.</summary>
    public Task<HttpClient> StartAsync(string project, Dictionary<string, string> settings) =>
        ChildProcess.StartServiceReadyAsync(project, settings, Path.Combine(work, $"{project}.log"), _processes);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await sim.DisposeAsync();
        Directory.Delete(work, recursive: true);
    }
}
