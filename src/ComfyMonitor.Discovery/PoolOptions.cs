namespace ComfyMonitor.Discovery;

/// <summary>
/// <c>ComfyUI:Pools:NAME</c>: what is normal for the instances of one pool (the targets whose <c>ComfyUI:PoolLabel</c>
/// label has the value NAME), as durations (<c>45m</c>, <c>1h30m</c> or <c>00:45:00</c>). Unset values fall back to the
/// instance's learned or the fleet's default.
/// </summary>
public sealed class PoolOptions
{
    /// <summary>
    /// The pool's stall window, a duration: queue non-empty and no progress this long is stalled (the collector's, and the
    /// probe's limit for a prompt running ahead of a canary).
    /// </summary>
    public string? StallAfter { get; set; }

    /// <summary>The pool's backlog threshold, a duration: the oldest pending prompt may wait this long before ComfyUIQueueBacklog counts it.</summary>
    public string? BacklogAfter { get; set; }

    /// <summary>The pool's canary queue wait, a duration: how long a canary may wait in the queue before the probe gives up on it (deferred or queue_wait).</summary>
    public string? MaxQueueWait { get; set; }
}
