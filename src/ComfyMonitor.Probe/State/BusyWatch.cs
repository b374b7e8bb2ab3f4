using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;

namespace ComfyMonitor.Probe.State;

/// <summary>
/// What runs on one instance, as the probe's own reads of the queue see it (one after each submit, more while it polls):
/// the prompt running now and since when it is seen running, and how long users' prompts ran before it (a lower bound,
/// as precise as the reads are frequent: about one per canary run). A canary whose wait ran out behind a prompt running
/// for less than the instance's stall window waited behind healthy work: it is deferred, not failed.
/// </summary>
public sealed class BusyWatch(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly RecentDurations _recent = new();
    private string? _runningId;
    private bool _runningIsUsers;
    private DateTimeOffset _firstSeen;
    private DateTimeOffset _lastSeen;

    /// <summary>Takes a read of the queue; <paramref name="own"/> is the reading run's own prompt, which is not users' work.</summary>
    public void Observe(QueueState queue, string? own)
    {
        var now = time.GetUtcNow();
        var running = queue.Running.FirstOrDefault();
        lock (_lock)
        {
            if (running?.PromptId == _runningId && running is not null)
            {
                _lastSeen = now;
                return;
            }

            if (_runningId is not null && _runningIsUsers)
            {
                _recent.Add((_lastSeen - _firstSeen).TotalSeconds);
            }

            _runningId = running?.PromptId;
            _runningIsUsers = running is not null && !running.IsProbe && running.PromptId != own;
            _firstSeen = _lastSeen = now;
        }
    }

    /// <summary>How long the probe has seen this prompt running, null when its last read showed another (or none).</summary>
    public TimeSpan? SeenRunningFor(string promptId)
    {
        lock (_lock)
        {
            return promptId == _runningId ? time.GetUtcNow() - _firstSeen : null;
        }
    }

    /// <summary>
    /// How long a prompt may run ahead of a canary and still be healthy work: the instance's own stall window (target label
    /// or pool), else 1.5 × the p99 of the users' prompts the probe saw run there, at least Probe:StallAfter and at most
    /// Probe:MaxLearnedStallAfter.
    /// </summary>
    public TimeSpan StallAfter(TargetExpectations expectations, ProbeOptions options) =>
        expectations.StallAfter ?? _recent.Expect(RecentDurations.StallFactor, options.StallAfter, options.MaxLearnedStallAfter);
}
