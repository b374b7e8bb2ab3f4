namespace ComfyMonitor.Collector.Pages;

/// <summary>One row of the fleet table and of /api/fleet.</summary>
public sealed record FleetEntry(
    string Instance,
    bool Up,
    string? Version,
    string? Device,
    double? VramUsedPercent,
    int? QueueRunning,
    int? QueuePending,
    bool? Stalled,
    string? StallWindow,
    DateTimeOffset? LastScrape,
    string? LastError,
    long Restarts,
    string Readiness,
    int RecentFailures);
