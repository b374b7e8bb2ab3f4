using ComfyMonitor.ComfyApi;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.Collector.State;

/// <summary>What one scrape cycle got: each part null when its request failed (or, for extensions and models, was not due).</summary>
public sealed class CycleResult
{
    public SystemStats? SystemStats { get; init; }

    public QueueState? Queue { get; init; }

    /// <summary>The newest history entries read this cycle, oldest first.</summary>
    public IReadOnlyList<HistoryEntry>? History { get; init; }

    public IReadOnlyList<string>? Extensions { get; init; }

    /// <summary>The model folders, when they were due and read completely.</summary>
    public IReadOnlyList<ModelFolder>? Models { get; init; }

    public IReadOnlyList<(string Endpoint, ComfyError Error)> Errors { get; init; } = [];
}
