namespace ComfyMonitor.Probe.Running;

/// <summary>One finished canary run, as the page and /api/runs show it. A deferred run is neither a success nor a failure.</summary>
public sealed record CanaryRun(
    string Instance,
    string Canary,
    DateTimeOffset Started,
    bool Success,
    string Reason,
    string? Detail,
    string? NodeType,
    string? ExceptionType,
    IReadOnlyDictionary<string, double> Phases,
    IReadOnlyList<NodeTiming>? Nodes = null,
    string? NotCounted = null)
{
    /// <summary>
    /// The result label: success, failure, deferred (behind healthy work, or the sampler canary on a busy instance) or
    /// skipped (the instance cannot run it); the last two are neither success nor failure.
    /// </summary>
    public string Result => NotCounted ?? (Success ? "success" : "failure");

    /// <summary>Deferred: it waited behind healthy work or found the instance busy, and tries again next time.</summary>
    public bool Deferred => NotCounted == DeferredResult;

    /// <summary>Whether it counts in the SLO: a success or a failure.</summary>
    public bool Counted => NotCounted is null;

    public const string DeferredResult = "deferred";

    public const string SkippedResult = "skipped";

    /// <summary>The sampler canary's speed: its sampler's steps over the sampler node's time, when the run measured it.</summary>
    public double? StepsPerSecond { get; init; }

    /// <summary>The sampler canary's checkpoint load (0 when the model was cached: the loader did not run).</summary>
    public double? ModelLoadSeconds { get; init; }

    /// <summary>The reason of a deferred run: the instance was busy with healthy work.</summary>
    public const string BusyReason = "busy";
}

/// <summary>How long one executed node of a canary took, from the run's own WebSocket messages (cached nodes are not executed).</summary>
public sealed record NodeTiming(string NodeId, string NodeType, double Seconds);
