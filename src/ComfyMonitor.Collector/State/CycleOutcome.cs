namespace ComfyMonitor.Collector.State;

/// <summary>What a cycle adds to the histograms: the durations of its requests, and of the prompts newly seen in the history.</summary>
public sealed class CycleOutcome
{
    public List<(string Endpoint, double Seconds)> RequestSeconds { get; } = [];

    public List<double> ExecutionSeconds { get; } = [];

    public List<double> QueueWaitSeconds { get; } = [];
}
