namespace ComfyMonitor.Probe.Canaries;

/// <summary>
/// A canary that decided not to submit anything this time, which is neither a success nor a failure: deferred (the
/// instance is busy with users' work) or skipped (the instance cannot run it, e.g. no checkpoint of the list).
/// </summary>
public sealed class CanaryNotRunException(string result, string reason, string message) : Exception(message)
{
    /// <summary><see cref="Running.CanaryRun.DeferredResult"/> or <see cref="Running.CanaryRun.SkippedResult"/>.</summary>
    public string Result { get; } = result;

    public string Reason { get; } = reason;
}
