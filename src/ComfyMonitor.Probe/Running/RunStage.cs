using System.Diagnostics;

namespace ComfyMonitor.Probe.Running;

/// <summary>
/// Where a run is, and the deadline that goes with it: preparing (uploads, submit) and submitted but not seen in the
/// queue yet, Probe:Timeout; seen waiting in the queue, the instance's max queue wait (Probe:MaxQueueWait unless its
/// target label or pool says otherwise) from the submit; executing,
/// Probe:Timeout from the start of the execution. Each step moves the run's one deadline
/// (<see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>).
/// </summary>
internal sealed class RunStage
{
    private readonly CancellationTokenSource _deadline;
    private readonly Lock _lock = new();
    private long _submitted;

    public RunStage(CancellationTokenSource deadline, ProbeOptions options, TimeSpan? maxQueueWait = null, TimeSpan? timeout = null)
    {
        _deadline = deadline;
        MaxQueueWait = maxQueueWait ?? options.MaxQueueWait;
        Timeout = timeout ?? options.Timeout;
        deadline.CancelAfter(Timeout);
    }

    public enum Stage
    {
        Preparing,
        Submitted,
        Waiting,
        Executing,
    }

    public Stage Current { get; private set; }

    /// <summary>How long the uploads and submit, and the execution, may take (Probe:Timeout, or the canary's own).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>How long the prompt may wait in the queue.</summary>
    public TimeSpan MaxQueueWait { get; }

    /// <summary>Time since the submit.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(Volatile.Read(ref _submitted));

    public void Submitted() => Enter(Stage.Submitted, () => Timeout);

    /// <summary>What a read of the queue showed of the prompt.</summary>
    public void Observe(bool running, bool pending)
    {
        if (running)
        {
            Executing();
        }
        else if (pending)
        {
            Enter(Stage.Waiting, () => MaxQueueWait - Elapsed);
        }
    }

    public void Executing() => Enter(Stage.Executing, () => Timeout);

    private void Enter(Stage next, Func<TimeSpan> limit)
    {
        lock (_lock)
        {
            if (next <= Current || _deadline.IsCancellationRequested)
            {
                return;
            }

            if (next == Stage.Submitted)
            {
                Volatile.Write(ref _submitted, Stopwatch.GetTimestamp());
            }

            Current = next;
            var left = limit();
            _deadline.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }
}
