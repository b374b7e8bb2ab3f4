namespace ComfyMonitor.Probe;

/// <summary>The <c>Probe</c> configuration section.</summary>
public sealed class ProbeOptions
{
    public const string Section = "Probe";

    /// <summary>Canary interval per instance: every enabled canary runs once per interval, one after another.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a canary's prompt may execute, counted from the moment it starts executing (a busy GPU's users' work
    /// before it does not count), and how long the uploads and the submit before it may take. Past it the run fails
    /// with reason timeout.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a canary's prompt may wait in the queue (behind users' running prompts) before it starts executing: the
    /// fleet's default, replaced by the instance's own (target label comfymonitor_max_queue_wait, then
    /// ComfyUI:Pools:NAME:MaxQueueWait). Past it the probe takes the canary out of the queue: deferred (result deferred,
    /// reason busy) when the prompt running ahead of it has run for less than the instance's stall window, else failed
    /// with reason queue_wait.
    /// </summary>
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a prompt may run ahead of a canary and still count as healthy work: the fleet's default, replaced by the
    /// instance's own stall window (comfymonitor_stall_after, ComfyUI:Pools:NAME:StallAfter), and without one by 1.5 × the
    /// p99 of the users' prompts the probe saw run there, up to <see cref="MaxLearnedStallAfter"/>.
    /// </summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The most the learned stall window may grow to.</summary>
    public TimeSpan MaxLearnedStallAfter { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Per HTTP request (uploads, submit, /view, polling).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The built-in canaries, each switchable: Render, Upload, Mask, Sampler.</summary>
    public Dictionary<string, CanaryToggle> Canaries { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Canaries of a team's own workflows.</summary>
    public List<CustomCanaryOptions> Custom { get; set; } = [];

    /// <summary>Submit canaries at the front of the queue (queue_wait is reported either way).</summary>
    public bool Front { get; set; } = true;

    /// <summary>
    /// Delete the probe's own history entries: each run's when the next run on its instance finishes, so that the history
    /// holds the newest canary of each instance, whose prompt number tells the collector of a restart.
    /// </summary>
    public bool DeleteHistory { get; set; } = true;

    /// <summary>The subfolder of input/ and output/ the probe writes to.</summary>
    public string Subfolder { get; set; } = "monitoring";

    /// <summary>Recent runs kept per instance and canary for the page and /api/runs.</summary>
    public int RecentRuns { get; set; } = 10;

    /// <summary>Instances probed at once.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// The most instances one replica expects. It sizes each metric's series limit (OpenTelemetry keeps a
    /// fixed number of series per metric, 2,000 unless told otherwise, and folds the rest into an overflow series),
    /// and the series are allocated up front: a few MiB for 1,000 instances with the three built-in canaries.
    /// </summary>
    public int MaxInstances { get; set; } = 1000;

    /// <summary>
    /// comfyui_canary_node_duration_seconds per instance (with the comfyui_instance label): ~200 series per instance more
    /// with the built-in canaries. Off (the default), node durations are the replica's, by canary and node type.
    /// </summary>
    public bool PerInstanceNodeDurations { get; set; }

    /// <summary>Whether the built-in canary <paramref name="canary"/> runs (those not configured do).</summary>
    public bool IsEnabled(string canary) => !Canaries.TryGetValue(canary, out var toggle) || toggle.Enabled;
}
