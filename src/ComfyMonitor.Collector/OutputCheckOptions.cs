namespace ComfyMonitor.Collector;

/// <summary>
/// <c>Collector:OutputChecks</c>: the first image of one in <see cref="Every"/> successful users' prompts (never the
/// probe's) is fetched through /view and checked for blankness (black: a user's picture of one flat colour may be on purpose). Off (0) by default: it costs
/// a download per checked prompt. At most one fetch at a time per instance (one per cycle), none while it is down.
/// </summary>
public sealed class OutputCheckOptions
{
    /// <summary>
    /// Check the first image of one in this many successful users' prompts (never the probe's) for blankness; 0 is off.
    /// Each check downloads that image through /view (one at a time per instance, within its cycle, never while it is down).
    /// </summary>
    public int Every { get; set; }

    /// <summary>A larger image is not read past this (result unreadable).</summary>
    public long MaxBytes { get; set; } = 8L * 1024 * 1024;
}
