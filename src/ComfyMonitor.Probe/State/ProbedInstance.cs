using System.Collections.Concurrent;
using ComfyMonitor.ComfyApi;

namespace ComfyMonitor.Probe.State;

/// <summary>One watched instance: its client and the status of each of its canaries.</summary>
public sealed class ProbedInstance(ComfyEndpoint endpoint, ComfyClient client, int recent)
{
    public ComfyEndpoint Endpoint { get; } = endpoint;

    public ComfyClient Client { get; } = client;

    public ConcurrentDictionary<string, CanaryStatus> Canaries { get; } = new(StringComparer.Ordinal);

    public CanaryStatus Status(string canary) => Canaries.GetOrAdd(canary, _ => new CanaryStatus(recent));
}
