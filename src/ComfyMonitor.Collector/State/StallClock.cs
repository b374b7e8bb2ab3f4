using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// When an instance's queue last progressed, and whether it is stalled: non-empty, and for Collector:StallAfter no prompt
/// ended on its own (success or error) and no new prompt started after one did. An empty queue counts as progress (idle
/// is not stalled). An interrupt is not progress: it is someone giving up on a prompt (the probe does at its timeout),
/// so a worker whose prompts end only by interrupt stays stalled, and the prompt that runs after an interrupted one is
/// not progress either.
/// </summary>
public sealed class StallClock(TimeSpan stallAfter)
{
    /// <summary>How many interrupted prompt ids are kept to tell an interrupt from progress.</summary>
    private const int RememberedInterrupts = 16;

    private readonly Queue<string> _interrupted = new();
    private string? _runningId;
    private DateTimeOffset _runningSince;
    private bool _progressed;

    public DateTimeOffset? LastProgress { get; private set; }

    /// <summary>A prompt seen finishing in the history since the last reading.</summary>
    public void Finished(string promptId, PromptOutcome outcome)
    {
        if (outcome != PromptOutcome.Interrupted)
        {
            _progressed = true;
            return;
        }

        _interrupted.Enqueue(promptId);
        if (_interrupted.Count > RememberedInterrupts)
        {
            _interrupted.Dequeue();
        }
    }

    /// <summary>The instance's stall window: its own expectation, learned or set, which may change from cycle to cycle.</summary>
    public TimeSpan StallAfter { get; set; } = stallAfter;

    /// <summary>Takes this cycle's queue (null when it could not be read); returns whether it is stalled and how long the running prompt has run.</summary>
    public (bool Stalled, double? RunningAgeSeconds)? Observe(QueueState? queue, DateTimeOffset now)
    {
        var progressed = _progressed;
        _progressed = false;
        if (queue is null)
        {
            if (progressed)
            {
                LastProgress = now;
            }

            return null;
        }

        var running = queue.Running.FirstOrDefault()?.PromptId;
        if (running != _runningId)
        {
            progressed |= running is not null && (_runningId is null || !_interrupted.Contains(_runningId));
            _runningId = running;
            _runningSince = now;
        }

        var busy = queue.Running.Count + queue.Pending.Count > 0;
        if (progressed || !busy || LastProgress is null)
        {
            LastProgress = now;
        }

        return (busy && now - LastProgress >= StallAfter, running is null ? null : (now - _runningSince).TotalSeconds);
    }
}
