using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// The last failed users' prompts of one instance, by the time they failed, the oldest dropped first: at most
/// <see cref="FailureFeedOptions.Size"/> records whatever the fleet or the failure rate. Not thread-safe: its instance's
/// state holds it under its lock.
/// </summary>
public sealed class FailureFeed(string instance, FailureFeedOptions options)
{
    private IReadOnlyList<FailureRecord> _newestFirst = [];

    /// <summary>The records, newest first (a new list whenever one is added: snapshots share it safely).</summary>
    public IReadOnlyList<FailureRecord> NewestFirst => _newestFirst;

    /// <summary>Keeps a failed prompt's record (none when the feed is off); returns it, to be logged once.</summary>
    public FailureRecord? Add(HistoryEntry entry, DateTimeOffset seen)
    {
        if (options.Size <= 0)
        {
            return null;
        }

        var error = entry.Error;
        var record = new FailureRecord(
            instance,
            error?.TimestampMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : seen,
            entry.PromptId.Length > FailureRecord.MaxNameLength ? entry.PromptId[..FailureRecord.MaxNameLength] : entry.PromptId,
            Name(error?.NodeId),
            Name(error?.NodeType),
            Name(error?.ExceptionType),
            options.Messages ? MessageScrubber.Scrub(error?.ExceptionMessage, FailureRecord.MaxMessageLength) : null);
        _newestFirst = _newestFirst.Append(record).OrderByDescending(r => r.Time).Take(options.Size).ToList();
        return record;
    }

    /// <summary>A node id, node type or exception type as the feed and readiness show it: scrubbed and cut.</summary>
    public static string? Name(string? value) => MessageScrubber.Scrub(value, FailureRecord.MaxNameLength);
}
