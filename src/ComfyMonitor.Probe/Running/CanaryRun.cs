namespace ComfyMonitor.Probe.Running;

/// <summary>One finished canary run, as the page and /api/runs show it.</summary>
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
    IReadOnlyList<NodeTiming>? Nodes = null);

/// <summary>How long one executed node of a canary took, from the run's own WebSocket messages (cached nodes are not executed).</summary>
public sealed record NodeTiming(string NodeId, string NodeType, double Seconds);
