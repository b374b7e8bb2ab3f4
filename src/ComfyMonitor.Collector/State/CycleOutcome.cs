namespace ComfyMonitor.Collector.State;

/// <summary>What a cycle adds to the histograms: durations of prompts newly seen in the history.</summary>
public sealed class CycleOutcome
{
    public List<double> ExecutionSeconds { get; } = [];

    public List<double> QueueWaitSeconds { get; } = [];
}
