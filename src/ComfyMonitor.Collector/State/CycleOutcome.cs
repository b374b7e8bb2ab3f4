namespace ComfyMonitor.Collector.State;

/// <summary>What a cycle adds to the histograms: the durations of its requests, and of the prompts newly seen in the history.</summary>
public sealed class CycleOutcome
{
    public List<(string Endpoint, double Seconds)> RequestSeconds { get; } = [];

    public List<double> ExecutionSeconds { get; } = [];

    public List<double> QueueWaitSeconds { get; } = [];

    /// <summary>Users' failed prompts newly kept in the failure feed: each is logged once (at most Collector:FailureFeed:Size a cycle).</summary>
    public List<FailureRecord> NewFailures { get; } = [];

    /// <summary>Failed prompts of this cycle past those logged one by one: a flood is logged as one line with this count.</summary>
    public int UnloggedFailures { get; set; }

    /// <summary>Bytes of the user's output the cycle fetched for an output check (Collector:OutputChecks), 0 for none.</summary>
    public long OutputCheckBytes { get; set; }
}
