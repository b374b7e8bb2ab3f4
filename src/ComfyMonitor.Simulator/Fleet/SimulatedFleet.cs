using Microsoft.Extensions.Options;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>All instances of this process, found by the local port a request came in on.</summary>
public sealed class SimulatedFleet : IDisposable
{
    private readonly SimulatedInstance[] _instances;
    private readonly EndpointConfigurationProvider _endpoints;
    private readonly bool _ownsDataRoot;

    public SimulatedFleet(IOptions<SimulatorOptions> options, EndpointConfigurationProvider endpoints, TimeProvider time)
    {
        Options = options.Value;
        _endpoints = endpoints;
        _ownsDataRoot = string.IsNullOrEmpty(Options.DataDir);
        DataRoot = _ownsDataRoot ? Path.Combine(Path.GetTempPath(), $"comfy-simulator-{Environment.ProcessId}-{Guid.NewGuid():N}") : Path.GetFullPath(Options.DataDir!);
        _instances = Enumerable.Range(0, Options.Instances)
            .Select(i => new SimulatedInstance(i, Options.BasePort + i, Options, DataRoot, time) { ComfyVersion = Options.ComfyVersion })
            .ToArray();
    }

    public SimulatorOptions Options { get; }

    public string DataRoot { get; }

    public IReadOnlyList<SimulatedInstance> Instances => _instances;

    public SimulatedInstance? ByPort(int port)
    {
        var index = port - Options.BasePort;
        return index >= 0 && index < _instances.Length ? _instances[index] : null;
    }

    public static string EndpointName(int index) => $"instance{index}";

    /// <summary>Switches a scenario; "down" closes the port and leaving it opens it again.</summary>
    public void SetScenario(SimulatedInstance instance, string scenario)
    {
        var wasDown = instance.Scenario == Scenarios.Down;
        instance.Scenario = scenario;
        var isDown = scenario == Scenarios.Down;
        if (wasDown != isDown)
        {
            _endpoints.SetOpen(EndpointName(instance.Index), instance.Port, open: !isDown);
        }
    }

    public void Dispose()
    {
        if (_ownsDataRoot)
        {
            try
            {
                Directory.Delete(DataRoot, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
