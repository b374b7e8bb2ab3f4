namespace ComfyMonitor.Collector.State;

/// <summary>What one instance looks like now: read by the metrics, the page and /api/fleet.</summary>
public sealed record InstanceSnapshot
{
    public required string Name { get; init; }

    public required bool Up { get; init; }

    public DateTimeOffset? LastScrape { get; init; }

    /// <summary>Scrape cycles done since the instance was added.</summary>
    public long Cycles { get; init; }

    public string? LastError { get; init; }

    public BuildInfo? Build { get; init; }

    public long? RamTotal { get; init; }

    public long? RamFree { get; init; }

    public IReadOnlyList<DeviceSnapshot> Devices { get; init; } = [];

    public QueueSnapshot? Queue { get; init; }

    public bool? Stalled { get; init; }

    public DateTimeOffset? LastProgress { get; init; }

    /// <summary>The instance's stall window now: its own expectation, learned from its jobs, or Collector:StallAfter.</summary>
    public double? StallAfterSeconds { get; init; }

    /// <summary>How long its oldest pending prompt may wait before ComfyUIQueueBacklog counts it.</summary>
    public double? BacklogAfterSeconds { get; init; }

    /// <summary>Distinct clients whose prompts failed in the last 15 minutes (prompts without a client id are one client).</summary>
    public int? ErrorClients { get; init; }

    public int? ExtensionCount { get; init; }

    public string? ExtensionFingerprint { get; init; }

    /// <summary>The model folders as last read; empty when the instance is down or has no /models routes.</summary>
    public IReadOnlyList<ModelFolder> Models { get; init; } = [];

    /// <summary>The instances meant to hold the same models share this value (Collector:ModelDriftGroupLabel); "" is the whole fleet.</summary>
    public string DriftGroup { get; init; } = "";

    public IReadOnlyDictionary<string, long> Completed { get; init; } = new Dictionary<string, long>();

    /// <summary>The probe's canary prompts that finished, by status: not in <see cref="Completed"/>.</summary>
    public IReadOnlyDictionary<string, long> ProbeCompleted { get; init; } = new Dictionary<string, long>();

    /// <summary>Failed prompts by <see cref="FailureCategory"/>.</summary>
    public IReadOnlyDictionary<string, long> Failures { get; init; } = new Dictionary<string, long>();

    /// <summary>Restarts of the ComfyUI process seen so far (<see cref="RestartDetector"/>).</summary>
    public long Restarts { get; init; }

    /// <summary>The last failed users' prompts, newest first (Collector:FailureFeed).</summary>
    public IReadOnlyList<FailureRecord> RecentFailures { get; init; } = [];

    /// <summary>The probe's last canary seen in the history failed, and no prompt has succeeded since; null otherwise.</summary>
    public CanaryFailure? CanaryFailure { get; init; }

    public IReadOnlyDictionary<(string NodeType, string ExceptionType), long> NodeErrors { get; init; } = new Dictionary<(string, string), long>();

    public IReadOnlyDictionary<(string Endpoint, string Reason), long> ScrapeErrors { get; init; } = new Dictionary<(string, string), long>();

    /// <summary>Users' outputs checked for blankness, by result (ok, blank, unreadable); empty while Collector:OutputChecks is off.</summary>
    public IReadOnlyDictionary<string, long> OutputChecks { get; init; } = new Dictionary<string, long>();

    /// <summary>VRAM in use of the first device, 0..100, when the instance is up.</summary>
    public double? VramUsedPercent => Devices.FirstOrDefault() is { VramTotal: > 0 } d && d.VramFree is { } free
        ? Math.Round(100.0 * (d.VramTotal.Value - free) / d.VramTotal.Value, 1)
        : null;
}

public sealed record BuildInfo(string ComfyUIVersion, string PythonVersion, string PytorchVersion, string Os, string EmbeddedPython);

public sealed record DeviceSnapshot(string Device, string DeviceType, long? VramTotal, long? VramFree, long? TorchVramTotal, long? TorchVramFree);

public sealed record QueueSnapshot(int Running, int Pending, double? OldestPendingAgeSeconds, double? RunningAgeSeconds);

/// <summary>A probe's canary prompt that ended in error or was interrupted, as the history shows it.</summary>
public sealed record CanaryFailure(DateTimeOffset Time, string Outcome, string? ExceptionType);
