using System.Diagnostics;
using ComfyMonitor.Collector.State;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.Collector.Scraping;

/// <summary>
/// One cycle against one instance: /system_stats, /queue and the new part of /history in parallel, and
/// /extensions when due. The history is read newest-first in growing batches — 1 entry, then 8, 64, ... —
/// only until an entry already counted comes back, so a quiet instance costs one entry per cycle.
/// </summary>
public sealed class InstanceScraper(ComfyEndpoint endpoint, ComfyClient client, InstanceState state, CollectorMetrics metrics, CollectorOptions options)
{
    private const int HistoryGrowth = 8;

    public string Name => endpoint.Name;

    public ComfyEndpoint Endpoint => endpoint;

    public InstanceState State => state;

    public async Task ScrapeAsync(CancellationToken cancellationToken)
    {
        var errors = new List<(string, ComfyError)>();
        var statsTask = TimedAsync(InstanceState.SystemStatsEndpoint, client.GetSystemStatsAsync, cancellationToken);
        var queueTask = TimedAsync(InstanceState.QueueEndpoint, client.GetQueueAsync, cancellationToken);
        var historyTask = ReadNewHistoryAsync(cancellationToken);
        var extensionsTask = state.ExtensionsDue
            ? TimedAsync(InstanceState.ExtensionsEndpoint, client.GetExtensionsAsync, cancellationToken)
            : null;
        await Task.WhenAll(statsTask, queueTask, historyTask, extensionsTask ?? Task.CompletedTask);

        var stats = Take(InstanceState.SystemStatsEndpoint, await statsTask, errors);
        var queue = Take(InstanceState.QueueEndpoint, await queueTask, errors);
        var (history, historyError) = await historyTask;
        if (historyError is not null)
        {
            errors.Add((InstanceState.HistoryEndpoint, historyError));
        }

        IReadOnlyList<string>? extensions = extensionsTask is null ? null : Take(InstanceState.ExtensionsEndpoint, await extensionsTask, errors);
        var outcome = state.Apply(new CycleResult
        {
            SystemStats = stats,
            Queue = queue,
            History = history,
            Extensions = extensions,
            Errors = errors,
        });
        metrics.RecordPrompts(Name, outcome);
    }

    private async Task<(IReadOnlyList<HistoryEntry>? Entries, ComfyError? Error)> ReadNewHistoryAsync(CancellationToken cancellationToken)
    {
        var size = 1;
        while (true)
        {
            var result = await TimedAsync(InstanceState.HistoryEndpoint, ct => client.GetHistoryAsync(size, cancellationToken: ct), cancellationToken);
            if (!result.IsSuccess)
            {
                return (null, result.Error);
            }

            var entries = result.Value.Entries;
            var reachedSeen = entries.Any(e => state.IsSeen(e.PromptId));
            if (!state.HistoryPrimed || reachedSeen || entries.Count < size || size >= options.MaxHistoryBatch)
            {
                return (entries, null);
            }

            size = Math.Min(size * HistoryGrowth, options.MaxHistoryBatch);
        }
    }

    private async Task<ComfyResult<T>> TimedAsync<T>(string endpointName, Func<CancellationToken, Task<ComfyResult<T>>> call, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await call(cancellationToken);
        metrics.RecordRequest(Name, endpointName, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return result;
    }

    private static T? Take<T>(string endpointName, ComfyResult<T> result, List<(string, ComfyError)> errors)
        where T : class
    {
        if (result.IsSuccess)
        {
            return result.Value;
        }

        errors.Add((endpointName, result.Error));
        return null;
    }
}
