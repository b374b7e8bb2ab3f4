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
    bool Deferred = false)
{
    /// <summary>The result label: success, failure, or deferred (taken out of the queue behind healthy work; neither).</summary>
    public string Result => Deferred ? DeferredResult : Success ? "success" : "failure";

    public const string DeferredResult = "deferred";

    /// <summary>The reason of a deferred run: the instance was busy with healthy work.</summary>
    public const string BusyReason = "busy";
}

/// <summary>How long one executed node of a canary took, from the run's own WebSocket messages (cached nodes are not executed).</summary>
public sealed record NodeTiming(string NodeId, string NodeType, double Seconds);
