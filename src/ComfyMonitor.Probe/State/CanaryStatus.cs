using ComfyMonitor.Probe.Running;

namespace ComfyMonitor.Probe.State;

/// <summary>One canary on one instance: its last result, last success, run counts and recent runs.</summary>
public sealed class CanaryStatus(int recent)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Result, string Reason), long> _runs = [];
    private readonly Queue<CanaryRun> _recent = new();

    public bool? LastSuccess { get; private set; }

    public DateTimeOffset? LastSuccessAt { get; private set; }

    /// <summary>When the last run (of any result) started: canaries with an interval of their own run when it has passed.</summary>
    public DateTimeOffset? LastStarted { get; private set; }

    /// <summary>The sampler canary's last speed (steps per second of its sampler node) and model load time, when measured.</summary>
    public (double? StepsPerSecond, double? ModelLoadSeconds) Sampling { get; private set; }

    public void Record(CanaryRun run)
    {
        lock (_lock)
        {
            // A deferred or skipped run proved nothing either way: the last result stays what it was.
            LastStarted = run.Started;
            if (run.Counted)
            {
                LastSuccess = run.Success;
            }

            if (run.StepsPerSecond is not null)
            {
                Sampling = (run.StepsPerSecond, run.ModelLoadSeconds);
            }

            if (run.Success)
            {
                LastSuccessAt = run.Started + TimeSpan.FromSeconds(run.Phases.GetValueOrDefault(Phase.Total));
            }

            var key = (run.Result, run.Reason);
            _runs[key] = _runs.GetValueOrDefault(key) + 1;
            _recent.Enqueue(run);
            while (_recent.Count > recent)
            {
                _recent.Dequeue();
            }
        }
    }

    public IReadOnlyDictionary<(string Result, string Reason), long> Runs()
    {
        lock (_lock)
        {
            return new Dictionary<(string, string), long>(_runs);
        }
    }

    public IReadOnlyList<CanaryRun> Recent()
    {
        lock (_lock)
        {
            return [.. _recent];
        }
    }
}
