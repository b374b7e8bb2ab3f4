namespace ComfyMonitor.Collector;

/// <summary>
/// <c>Collector:FailureFeed</c>: the last failed users' prompts of each instance (never the probe's canaries), on the fleet
/// page, at /api/failures and as one log record each: time, prompt id, node, exception type and message. Memory is bounded
/// by <see cref="Size"/> records per instance, each message cut to <see cref="State.FailureRecord.MaxMessageLength"/> characters.
/// </summary>
public sealed class FailureFeedOptions
{
    /// <summary>The most recent failures kept per instance, 0 to 1000; 0 keeps none (and logs none).</summary>
    public int Size { get; set; } = 20;

    /// <summary>
    /// Keep the exception messages (cut, with secrets, URL credentials and home paths replaced); false keeps the node and
    /// exception types only, for servers whose messages may quote users' prompts.
    /// </summary>
    public bool Messages { get; set; } = true;

    /// <summary>The largest <see cref="Size"/> accepted.</summary>
    public const int MaxSize = 1000;
}
