namespace ComfyMonitor.Collector;

/// <summary>The <c>Collector</c> configuration section.</summary>
public sealed class CollectorOptions
{
    public const string Section = "Collector";

    /// <summary>Scrape interval per instance.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Per-request timeout; must be shorter than the interval.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Queue non-empty and no progress this long: stalled. The fleet's default: an instance's own expectation (target
    /// label comfymonitor_stall_after, then ComfyUI:Pools:NAME:StallAfter) replaces it, and without one an instance whose
    /// jobs run long gets 1.5 × its recent p99 job, up to <see cref="MaxLearnedStallAfter"/>.
    /// </summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The oldest pending prompt may wait this long before ComfyUIQueueBacklog counts it: the fleet's default, replaced by
    /// an instance's own (comfymonitor_backlog_after, ComfyUI:Pools:NAME:BacklogAfter), else 3 × its recent p99 job when
    /// that is longer, up to twice <see cref="MaxLearnedStallAfter"/>.
    /// </summary>
    public TimeSpan BacklogAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The most a learned stall window may grow to (an instance without an expectation of its own whose jobs run long): a
    /// hung job on such an instance is called stalled within this time at the latest.
    /// </summary>
    public TimeSpan MaxLearnedStallAfter { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How often /extensions is read per instance.</summary>
    public TimeSpan ExtensionsInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the model folders (/models, /models/{folder}) are read per instance.</summary>
    public TimeSpan ModelsInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The model folders read, comma-separated: each costs a request per <see cref="ModelsInterval"/> and two series per
    /// instance. "*" reads every folder the server lists (at most <see cref="MaxModelFolders"/>); empty reads none.
    /// </summary>
    public string ModelFolders { get; set; } = "checkpoints,diffusion_models,loras";

    /// <summary>
    /// A target label (from discovery or ComfyUI:Instances:N:Labels) whose value names the instances meant to hold the same
    /// models; exported as drift_group on comfyui_models_info. Empty: the whole fleet is one group.
    /// </summary>
    public string ModelDriftGroupLabel { get; set; } = "";

    /// <summary>
    /// Whether the request-duration (comfyui_scrape_duration_seconds) and queue-wait (comfyui_prompt_queue_wait_seconds)
    /// histograms carry comfyui_instance: 55 and 15 series per instance more. Off, they are the replica's, by endpoint.
    /// </summary>
    public bool PerInstanceHistograms { get; set; }

    /// <summary>The most folders read per instance, whatever the server lists.</summary>
    public const int MaxModelFolders = 32;

    /// <summary>The configured folders, or null for "every folder the server lists".</summary>
    public IReadOnlyList<string>? ModelFolderList =>
        ModelFolders.Trim() == "*" ? null : ModelFolders.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Whether model folders are read at all.</summary>
    public bool ModelsEnabled => ModelFolderList is not { Count: 0 };

    /// <summary>
    /// Scrapes running at once, across all instances. A cycle holds its slot while it waits for the instance, so this
    /// bounds the cycles per second to MaxConcurrency ÷ a cycle's duration: 256 keeps 10,000 instances at 15 s on time
    /// with cycles of up to ~380 ms (at 64, cycles started seconds late whenever a loaded machine slowed the answers).
    /// </summary>
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>Distinct (node_type, exception_type) pairs kept per instance; more are counted as "other".</summary>
    public int NodeErrorCap { get; set; } = 50;

    /// <summary>The most history entries read in one cycle when many prompts completed since the last.</summary>
    public int MaxHistoryBatch { get; set; } = 1024;

    /// <summary>
    /// The most instances one replica expects. It sizes each metric's series limit (OpenTelemetry keeps a
    /// fixed number of series per metric and folds the rest into an overflow series); more are logged as a warning.
    /// </summary>
    public int MaxInstances { get; set; } = 5000;

    /// <summary>Blank-output detection on users' real outputs (Collector:OutputChecks:*), off unless Every is above 0.</summary>
    public OutputCheckOptions OutputChecks { get; set; } = new();

    /// <summary>The last failed users' prompts kept per instance (Collector:FailureFeed:*), for the page, /api/failures and the log.</summary>
    public FailureFeedOptions FailureFeed { get; set; } = new();

    /// <summary>Bodies larger than this fail with reason too_large.</summary>
    public long MaxResponseBytes { get; set; } = 32L * 1024 * 1024;
}
