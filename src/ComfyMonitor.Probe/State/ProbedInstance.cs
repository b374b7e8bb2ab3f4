using System.Collections.Concurrent;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.Discovery;

namespace ComfyMonitor.Probe.State;

/// <summary>One watched instance: its client, what is normal for it, what runs on it, and the status of each of its canaries.</summary>
public sealed class ProbedInstance(ComfyEndpoint endpoint, ComfyClient client, int recent, TargetExpectations? expectations = null, TimeProvider? time = null)
{
    /// <summary>What the target's labels or pool say is normal for it (stall window, canary queue wait).</summary>
    public TargetExpectations Expectations { get; } = expectations ?? TargetExpectations.None;

    /// <summary>What runs on the instance, as the canaries' reads of the queue saw it.</summary>
    public BusyWatch Busy { get; } = new(time ?? TimeProvider.System);

    public ComfyEndpoint Endpoint { get; } = endpoint;

    public ComfyClient Client { get; } = client;

    public ConcurrentDictionary<string, CanaryStatus> Canaries { get; } = new(StringComparer.Ordinal);

    public CanaryStatus Status(string canary) => Canaries.GetOrAdd(canary, _ => new CanaryStatus(recent));
}
