using System.Collections.Concurrent;
using ComfyMonitor.ComfyApi;

namespace ComfyMonitor.Probe.Running;

/// <summary>
/// What the probe does to a server after a run — everything it may ever remove or interrupt, in one place, so that
/// "the probe never disturbs users' work" can be checked here: it removes only its own pending prompt, interrupts only
/// its own running prompt and only where the server interrupts by prompt id (v0.3.57+), and deletes only its own history
/// entries (with Probe:DeleteHistory), also those of earlier timed-out runs that finished later. It keeps the newest
/// finished canary entry of each instance until the next run finishes: the collector reads that entry's prompt number,
/// which starts again from 0 when the process restarts, so that a restart is counted on an instance nobody else uses.
/// Every clean-up runs under its own bound after the run's deadline, and running out of time is a result, never an
/// exception.
/// </summary>
public sealed class CleanupPolicy(ProbeOptions options, TimeProvider time)
{
    /// <summary>How many of the newest history entries the first run on an instance looks through for an earlier probe's kept entry.</summary>
    public const int SweepDepth = 32;

    private static readonly Version TargetedInterruptSince = new(0, 3, 57);

    /// <summary>Per instance, the probe's timed-out prompts that may still finish and leave a history entry to delete.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _leftovers = new();

    /// <summary>Per instance, the newest finished canary prompt, left in the history for the collector until the next one finishes.</summary>
    private readonly ConcurrentDictionary<string, string> _kept = new(StringComparer.Ordinal);

    /// <summary>The instances whose history was looked through for the kept entry of an earlier probe process.</summary>
    private readonly ConcurrentDictionary<string, byte> _swept = new(StringComparer.Ordinal);

    private readonly long _startedMs = time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>After a run's deadline passed: takes the probe's own prompt out of the way; says what it did.</summary>
    public Task<string> AfterTimeoutAsync(ComfyClient client, string? promptId, CancellationToken cancellationToken) =>
        promptId is null
            ? Task.FromResult("nothing was submitted")
            : BoundedAsync(ct => CleanUpTimedOutAsync(client, promptId, ct), "the clean-up itself timed out", cancellationToken);

    /// <summary>
    /// After every run, with Probe:DeleteHistory: keeps a finished run's entry and deletes the one it kept before;
    /// remembers a run that ended before its prompt did (or an entry whose delete failed), and deletes the entries of
    /// earlier runs that have finished since. The first run on an instance also deletes what an earlier probe process
    /// kept there (entries of canaries that ended before this process started, among the newest <see cref="SweepDepth"/>).
    /// </summary>
    public async Task AfterRunAsync(string instance, ComfyClient client, string? promptId, bool finished, CancellationToken cancellationToken)
    {
        if (!options.DeleteHistory || cancellationToken.IsCancellationRequested)
        {
            return;
        }

        var leftovers = _leftovers.GetOrAdd(instance, _ => new());
        if (promptId is not null && !finished)
        {
            leftovers[promptId] = 0;
        }
        else if (promptId is not null)
        {
            string? previous = null;
            _kept.AddOrUpdate(instance, promptId, (_, old) =>
            {
                previous = old;
                return promptId;
            });
            if (previous is not null && previous != promptId
                && !await BoundedAsync(async ct => (await client.DeleteFromHistoryAsync([previous], ct)).IsSuccess, false, cancellationToken))
            {
                leftovers[previous] = 0;
            }
        }

        if (_swept.TryAdd(instance, 0))
        {
            await BoundedAsync(async ct => await SweepAsync(instance, client, ct), false, cancellationToken);
        }

        await BoundedAsync(async ct => await DeleteLeftoversAsync(instance, client, promptId, ct), false, cancellationToken);
    }

    /// <summary>Whether this probe keeps the prompt's entry in the history now (the newest finished canary of its instance).</summary>
    private bool IsKept(string instance, string promptId) => _kept.TryGetValue(instance, out var kept) && kept == promptId;

    /// <summary>
    /// Deletes the entries an earlier probe process kept on the instance: canaries that ended before this one started.
    /// A run of this process (whose entry is kept or still being read) cannot have ended before it started.
    /// </summary>
    private async Task<bool> SweepAsync(string instance, ComfyClient client, CancellationToken cancellationToken)
    {
        var history = await client.GetHistoryAsync(SweepDepth, cancellationToken: cancellationToken);
        if (!history.IsSuccess)
        {
            _swept.TryRemove(instance, out _); // the next run tries again
            return false;
        }

        var earlier = history.Value.Entries.Where(e => e.IsProbe && e.ExecutionEndMs is { } end && end < _startedMs && !IsKept(instance, e.PromptId)).Select(e => e.PromptId).ToList();
        return earlier.Count == 0 || (await client.DeleteFromHistoryAsync(earlier, cancellationToken)).IsSuccess;
    }

    /// <summary>
    /// Deletes the history entries of earlier timed-out runs that finished since; forgets those no longer queued
    /// nor in the history. Without this, every run timed out while running would leave an entry behind.
    /// </summary>
    private async Task<bool> DeleteLeftoversAsync(string instance, ComfyClient client, string? current, CancellationToken cancellationToken)
    {
        if (!_leftovers.TryGetValue(instance, out var leftovers) || leftovers.IsEmpty)
        {
            return true;
        }

        var queue = await client.GetQueueAsync(cancellationToken);
        if (!queue.IsSuccess)
        {
            return false;
        }

        var queued = queue.Value.Running.Concat(queue.Value.Pending).Select(p => p.PromptId).ToHashSet(StringComparer.Ordinal);
        foreach (var id in leftovers.Keys.Where(id => id != current && !queued.Contains(id) && !IsKept(instance, id)))
        {
            var entry = await client.GetHistoryEntryAsync(id, cancellationToken);
            if (!entry.IsSuccess)
            {
                return false;
            }

            if (entry.Value is null || (await client.DeleteFromHistoryAsync([id], cancellationToken)).IsSuccess)
            {
                leftovers.TryRemove(id, out _);
            }
        }

        return true;
    }

    /// <summary>
    /// Runs a clean-up after the run's own deadline: each request keeps the client's timeout, the whole is bounded
    /// by a few of them, and running out of time is a result (<paramref name="onTimeout"/>), never an exception.
    /// </summary>
    private async Task<T> BoundedAsync<T>(Func<CancellationToken, Task<T>> cleanup, T onTimeout, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(options.RequestTimeout * 4);
        try
        {
            return await cleanup(bound.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return onTimeout;
        }
    }

    /// <summary>Removes the probe's own prompt after a timeout, without touching anybody else's work.</summary>
    private static async Task<string> CleanUpTimedOutAsync(ComfyClient client, string promptId, CancellationToken cancellationToken)
    {
        var queue = await client.GetQueueAsync(cancellationToken);
        if (!queue.IsSuccess)
        {
            return $"could not read the queue to clean up ({queue.Error.Label})";
        }

        if (queue.Value.Pending.Any(p => p.PromptId == promptId))
        {
            var deleted = await client.DeleteFromQueueAsync([promptId], cancellationToken);
            return deleted.IsSuccess ? "removed the probe's pending prompt from the queue" : $"could not remove the probe's pending prompt ({deleted.Error.Label})";
        }

        if (queue.Value.Running.Any(p => p.PromptId == promptId))
        {
            var stats = await client.GetSystemStatsAsync(cancellationToken);
            var version = stats.IsSuccess ? stats.Value.System?.ComfyUIVersion : null;
            if (!SupportsTargetedInterrupt(version))
            {
                return $"the probe's prompt is still running; this server (version {version ?? "unknown"}) cannot interrupt by prompt id, so the probe did not interrupt anything";
            }

            var interrupted = await client.InterruptAsync(promptId, cancellationToken);
            return interrupted.IsSuccess ? "interrupted the probe's own running prompt" : $"could not interrupt the probe's prompt ({interrupted.Error.Label})";
        }

        return "the probe's prompt was no longer queued";
    }

    /// <summary>POST /interrupt honours prompt_id from v0.3.57; "v0.2.2-87-g..." and "unknown" cannot.</summary>
    public static bool SupportsTargetedInterrupt(string? comfyVersion)
    {
        if (string.IsNullOrWhiteSpace(comfyVersion))
        {
            return false;
        }

        var plain = comfyVersion.TrimStart('v').Split('-', '+')[0];
        return Version.TryParse(plain, out var version) && version >= TargetedInterruptSince;
    }
}
