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
    IReadOnlyDictionary<string, double> Phases);
