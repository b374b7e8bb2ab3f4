using System.Diagnostics;
using ComfyMonitor.Collector.State;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.Collector.Scraping;

/// <summary>
/// One cycle against one instance: /system_stats, /queue, the new part of /history, and /extensions and the model
/// folders when due, one after another. The history is read newest-first in growing batches — 1 entry, then 8, 64, ...
/// (2 after a new canary of the probe on top) — only until an entry already counted comes back, so a quiet instance
/// costs one entry per cycle. The answers go to the
/// instance's state, which returns what the cycle adds to the histograms: the scraper records no metric itself (the job
/// hands the outcome to <see cref="CollectorMetrics"/>).
/// </summary>
public sealed class InstanceScraper(ComfyEndpoint endpoint, ComfyClient client, InstanceState state, CollectorOptions options)
{
    private const int HistoryGrowth = 8;

    /// <summary>The configured model folders (null: every folder the server lists), read from the options once, not every cycle.</summary>
    private readonly IReadOnlyList<string>? _modelFolders = options.ModelFolderList;
    private readonly bool _readModels = options.ModelsEnabled;

    public string Name => endpoint.Name;

    public ComfyEndpoint Endpoint => endpoint;

    public InstanceState State => state;

    public async Task<CycleOutcome> ScrapeAsync(CancellationToken cancellationToken)
    {
        var requests = new List<(string, double)>();
        // One request after another over the instance's one kept-alive connection, each with its own timeout.
        // When /system_stats cannot connect or times out, the instance is down: the rest is not asked.
        var errors = new List<(string, ComfyError)>();
        var stats = Take(InstanceState.SystemStatsEndpoint, await TimedAsync(requests, InstanceState.SystemStatsEndpoint, client.GetSystemStatsAsync, cancellationToken), errors);
        QueueState? queue = null;
        IReadOnlyList<HistoryEntry>? history = null;
        IReadOnlyList<string>? extensions = null;
        IReadOnlyList<ModelFolder>? models = null;
        if (stats is not null || errors[0].Item2.Reason is not (ComfyErrorReason.Connect or ComfyErrorReason.Timeout))
        {
            queue = Take(InstanceState.QueueEndpoint, await TimedAsync(requests, InstanceState.QueueEndpoint, client.GetQueueAsync, cancellationToken), errors);
            var (entries, historyError) = await ReadNewHistoryAsync(requests, cancellationToken);
            history = entries;
            if (historyError is not null)
            {
                errors.Add((InstanceState.HistoryEndpoint, historyError));
            }

            if (state.ExtensionsDue)
            {
                extensions = Take(InstanceState.ExtensionsEndpoint, await TimedAsync(requests, InstanceState.ExtensionsEndpoint, client.GetExtensionsAsync, cancellationToken), errors);
            }

            if (_readModels && state.Models.Due)
            {
                models = await ReadModelsAsync(requests, errors, cancellationToken);
            }
        }

        var outcome = state.Apply(new CycleResult
        {
            SystemStats = stats,
            Queue = queue,
            History = history,
            Extensions = extensions,
            Models = models,
            Errors = errors,
        });
        outcome.RequestSeconds.AddRange(requests);
        if (state.TakeOutputToCheck() is { } image && stats is not null)
        {
            // One output at a time, only while the instance answers; nothing of it is kept but the verdict.
            var bytes = await client.ViewAsync(image, cancellationToken, options.OutputChecks.MaxBytes);
            state.RecordOutputCheck(bytes.IsSuccess ? OutputCheck.Of(bytes.Value) : OutputCheck.Unreadable);
            outcome.OutputCheckBytes = bytes.IsSuccess ? bytes.Value.Length : 0;
        }

        return outcome;
    }

    /// <summary>The first cycle reads this many entries (once): they are not counted, but tell how long the instance's jobs take.</summary>
    private const int PrimingBatch = 64;

    private async Task<(IReadOnlyList<HistoryEntry>? Entries, ComfyError? Error)> ReadNewHistoryAsync(List<(string, double)> requests, CancellationToken cancellationToken)
    {
        var size = state.HistoryPrimed ? 1 : Math.Min(PrimingBatch, options.MaxHistoryBatch);
        while (true)
        {
            var result = await TimedAsync(requests, InstanceState.HistoryEndpoint, ct => client.GetHistoryAsync(size, cancellationToken: ct), cancellationToken);
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

            // The probe keeps its newest canary in the history and deletes the one before: a new canary on top is most
            // often the only new entry, so the next read takes one entry more, not eight of users' (larger) entries.
            size = size == 1 && entries.Count == 1 && entries[0].IsProbe ? 2 : Math.Min(size * HistoryGrowth, options.MaxHistoryBatch);
        }
    }

    /// <summary>
    /// /models, then each configured folder it lists (every one for "*"): a count and a fingerprint per folder. A 404 is a
    /// server without the routes or without the folder: no folder, no error. Any other failure ends the read (null), so
    /// that what was read before stays until a complete read.
    /// </summary>
    private async Task<IReadOnlyList<ModelFolder>?> ReadModelsAsync(List<(string, double)> requests, List<(string, ComfyError)> errors, CancellationToken cancellationToken)
    {
        var listing = await TimedAsync(requests, InstanceState.ModelsEndpoint, client.GetModelFoldersAsync, cancellationToken);
        if (!listing.IsSuccess)
        {
            return NotFound(listing.Error) ? [] : Failed(listing.Error);
        }

        var wanted = _modelFolders is { } configured
            ? configured.Where(f => listing.Value.Contains(f, StringComparer.Ordinal))
            : listing.Value.Distinct(StringComparer.Ordinal).Take(CollectorOptions.MaxModelFolders);
        var folders = new List<ModelFolder>();
        foreach (var folder in wanted)
        {
            var files = await TimedAsync(requests, InstanceState.ModelsEndpoint, ct => client.GetModelFilesAsync(folder, ct), cancellationToken);
            if (files.IsSuccess)
            {
                folders.Add(new ModelFolder(ComfyMonitor.Discovery.LabelValues.Clean(folder), files.Value.Count, InstanceState.Fingerprint(files.Value)));
            }
            else if (!NotFound(files.Error))
            {
                return Failed(files.Error);
            }
        }

        return folders;

        static bool NotFound(ComfyError error) => error is { Reason: ComfyErrorReason.HttpStatus, StatusCode: 404 };

        IReadOnlyList<ModelFolder>? Failed(ComfyError error)
        {
            errors.Add((InstanceState.ModelsEndpoint, error));
            return null;
        }
    }

    private static async Task<ComfyResult<T>> TimedAsync<T>(List<(string, double)> requests, string endpointName, Func<CancellationToken, Task<ComfyResult<T>>> call, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await call(cancellationToken);
        requests.Add((endpointName, Stopwatch.GetElapsedTime(started).TotalSeconds));
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
