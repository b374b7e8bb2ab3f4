using System.Collections.Concurrent;

namespace ComfyMonitor.Probe.State;

/// <summary>The instances this probe replica watches, by name.</summary>
public sealed class ProbeFleet
{
    private readonly ConcurrentDictionary<string, ProbedInstance> _instances = new(StringComparer.Ordinal);

    public IEnumerable<ProbedInstance> Instances => _instances.Values.OrderBy(i => i.Endpoint.Name, StringComparer.Ordinal);

    public bool TryGet(string name, out ProbedInstance instance) => _instances.TryGetValue(name, out instance!);

    public void Set(ProbedInstance instance) => _instances[instance.Endpoint.Name] = instance;

    public void Remove(string name) => _instances.TryRemove(name, out _);
}
