using ComfyMonitor.ComfyApi;

namespace ComfyMonitor.Discovery;

/// <summary>
/// What is normal for one target, where someone said so: from the target's reserved labels
/// (<c>comfymonitor_stall_after</c>, <c>comfymonitor_backlog_after</c>, <c>comfymonitor_max_queue_wait</c>, from file_sd,
/// http_sd or <c>ComfyUI:Instances:N:Labels</c>) first, then from its pool's section (<c>ComfyUI:Pools:NAME</c>, NAME the
/// value of the target's <c>ComfyUI:PoolLabel</c> label). A null value was set by neither: the services then use what the
/// instance's own work shows (learned) or the fleet's default.
/// </summary>
public sealed record TargetExpectations(TimeSpan? StallAfter, TimeSpan? BacklogAfter, TimeSpan? MaxQueueWait)
{
    public const string StallAfterLabel = "comfymonitor_stall_after";
    public const string BacklogAfterLabel = "comfymonitor_backlog_after";
    public const string MaxQueueWaitLabel = "comfymonitor_max_queue_wait";

    /// <summary>Labels starting with this are ComfyMonitor's settings, not the target's: they are not exported in comfyui_target_info.</summary>
    public const string ReservedPrefix = "comfymonitor_";

    public static readonly TargetExpectations None = new(null, null, null);

    private static readonly string[] Reserved = [StallAfterLabel, BacklogAfterLabel, MaxQueueWaitLabel];

    /// <summary>Resolves a target's expectations: its labels, then its pool. The values were checked when the target was read.</summary>
    public static TargetExpectations For(ComfyEndpoint target, ComfyUIOptions options)
    {
        var pool = options.PoolLabel is { Length: > 0 } label && target.Labels.TryGetValue(label, out var value) && options.Pools.TryGetValue(value, out var p) ? p : null;
        TimeSpan? Pick(string labelName, string? poolValue) =>
            target.Labels.TryGetValue(labelName, out var text) ? Durations.ParsePositive(text, out _)
            : poolValue is not null ? Durations.ParsePositive(poolValue, out _) : null;
        return new TargetExpectations(
            Pick(StallAfterLabel, pool?.StallAfter), Pick(BacklogAfterLabel, pool?.BacklogAfter), Pick(MaxQueueWaitLabel, pool?.MaxQueueWait));
    }

    /// <summary>
    /// The problems of a target's reserved labels (raw names as written): a value that is not a positive duration, or a
    /// comfymonitor_ label that is none of the known ones (a typo would silently do nothing).
    /// </summary>
    /// <returns>Each problem beginning with the label's name, so that a caller puts its own key or "label " before it.</returns>
    public static IEnumerable<string> Problems(IEnumerable<KeyValuePair<string, string>> labels)
    {
        foreach (var (name, value) in labels)
        {
            if (!name.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!Reserved.Contains(name, StringComparer.Ordinal))
            {
                yield return $"{name} is not one of {string.Join(", ", Reserved)}";
            }
            else if (Durations.ParsePositive(value, out var problem) is null)
            {
                yield return $"{name}: {problem}";
            }
        }
    }
}
