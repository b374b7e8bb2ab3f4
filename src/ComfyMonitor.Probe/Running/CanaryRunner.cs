using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.ComfyApi.Imaging;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.ComfyApi.WebSockets;
using ComfyMonitor.Probe.Canaries;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Probe.Running;

/// <summary>
/// Runs one canary against one instance: prepare (uploads), submit with a probe-owned client id, follow the
/// run on the WebSocket (polling /history/{id} when the socket fails), read the history entry, fetch and check
/// the output. Three deadlines, one after another: <see cref="ProbeOptions.Timeout"/> for the uploads and the
/// submit, <see cref="ProbeOptions.MaxQueueWait"/> while the prompt waits behind users' work (reason queue_wait),
/// and <see cref="ProbeOptions.Timeout"/> again from the moment it starts executing (reason timeout). Past one it
/// removes its own pending prompt, and interrupts its own running prompt only where the server can interrupt by
/// prompt id (v0.3.57+); it never touches anyone else's work.
/// </summary>
public sealed class CanaryRunner(IOptions<ProbeOptions> settings, TimeProvider time)
{
    private static readonly Version TargetedInterruptSince = new(0, 3, 57);

    private readonly ProbeOptions options = settings.Value;

    /// <summary>Per instance, the probe's timed-out prompts that may still finish and leave a history entry to delete.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _leftovers = new();

    public async Task<CanaryRun> RunAsync(ComfyEndpoint endpoint, ComfyClient client, Canary canary, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var total = Stopwatch.GetTimestamp();
        var phases = new PhaseTimer();
        var nodes = new List<NodeTiming>();
        var notes = new List<string>();
        string? promptId = null;
        var finished = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stage = new RunStage(timeout, options);
        var clientId = $"{QueueItem.ProbeClientIdPrefix}{Guid.NewGuid():N}";
        ComfyWebSocket? socket = null;
        try
        {
            try
            {
                socket = await ComfyWebSocket.ConnectAsync(endpoint, clientId, options.RequestTimeout, cancellationToken: timeout.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !timeout.IsCancellationRequested)
            {
                notes.Add("WebSocket unavailable, followed the run by polling /history");
            }

            var events = socket is null ? null : Listen(socket, timeout.Token);
            if (events is not null && !await RegisteredAsync(events, options.RequestTimeout, timeout.Token))
            {
                // ComfyUI registers the socket's client id only after the handshake, then says so with a first status
                // message: a prompt submitted before it would run with nobody to tell.
                notes.Add("no status message on the WebSocket, followed the run by polling /history");
                events = null;
            }

            var plan = await canary.PrepareAsync(new CanaryContext(client, options, phases, Random.Shared), timeout.Token);

            var submitMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var submitted = await phases.TimeAsync(Phase.Submit, () => client.SubmitPromptAsync(
                new PromptRequest { Prompt = plan.Graph, ClientId = clientId, Front = options.Front ? true : null }, timeout.Token));
            if (!submitted.IsSuccess)
            {
                throw new CanaryFailedException(FailureReasons.From(submitted.Error), $"POST /prompt: {submitted.Error}");
            }

            if (submitted.Value.Rejected is { } rejected)
            {
                throw new CanaryFailedException(FailureReasons.ValidationError, Describe(rejected));
            }

            promptId = submitted.Value.Accepted!.PromptId;
            stage.Submitted();
            await ObserveQueueAsync(client, promptId, stage, timeout.Token);
            if (submitted.Value.Accepted.NodeErrors.TryGetValue(plan.OutputNode, out var partial))
            {
                throw new CanaryFailedException(FailureReasons.ValidationError, $"output node {plan.OutputNode} ({partial.ClassType}) failed validation: {partial.Errors.FirstOrDefault()?.Message}");
            }

            var localStartMs = await WaitAsync(client, events, promptId, notes, stage, nodes, id => plan.Graph[id]?["class_type"]?.ToString() ?? "unknown", timeout.Token);
            var entry = await ReadHistoryAsync(client, promptId, timeout.Token);
            finished = true;

            // Phases from the server's timestamps where it has them, else from what the probe saw.
            if (entry.ExecutionStartMs is { } startMs)
            {
                var acceptedMs = entry.CreateTimeMs ?? submitMs;
                phases.Set(Phase.QueueWait, (startMs - acceptedMs) / 1000.0);
                if (entry.ExecutionEndMs is { } endMs)
                {
                    phases.Set(Phase.Execute, (endMs - startMs) / 1000.0);
                }
            }
            else if (localStartMs is { } local)
            {
                phases.Set(Phase.QueueWait, (local - submitMs) / 1000.0);
            }

            switch (entry.Outcome)
            {
                case PromptOutcome.Error:
                    throw new CanaryFailedException(FailureReasons.ExecutionError,
                        $"{entry.Error?.NodeType} failed: {entry.Error?.ExceptionType}: {entry.Error?.ExceptionMessage?.Split('\n')[0].Trim()}", entry.Error?.NodeType, entry.Error?.ExceptionType);
                case PromptOutcome.Interrupted:
                    throw new CanaryFailedException(FailureReasons.ExecutionError, "the run was interrupted (not by the probe)", entry.Status?.Terminal?.NodeType, "interrupted");
            }

            var image = entry.Images().FirstOrDefault(i => i.NodeId == plan.OutputNode).Image
                ?? throw new CanaryFailedException(FailureReasons.OutputMissing, $"node {plan.OutputNode} produced no image");
            var bytes = await phases.TimeAsync(Phase.FetchOutput, () => client.ViewAsync(image, timeout.Token));
            if (!bytes.IsSuccess)
            {
                throw new CanaryFailedException(bytes.Error.StatusCode == 404 ? FailureReasons.OutputMissing : FailureReasons.From(bytes.Error), $"GET /view: {bytes.Error}");
            }

            RgbaImage decoded;
            try
            {
                decoded = Png.Decode(bytes.Value);
            }
            catch (InvalidDataException ex)
            {
                throw new CanaryFailedException(FailureReasons.OutputMismatch, $"the output is not a readable PNG ({ex.Message})");
            }

            if (plan.Verify(decoded) is { } mismatch)
            {
                throw new CanaryFailedException(FailureReasons.OutputMismatch, mismatch);
            }

            return Finish(true, FailureReasons.None, notes.Count == 0 ? null : string.Join("; ", notes), null, null);
        }
        catch (CanaryFailedException failure)
        {
            return Finish(false, failure.Reason, Join(failure.Message, notes), failure.NodeType, failure.ExceptionType);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var waited = stage.Current == RunStage.Stage.Waiting;
            if (waited)
            {
                phases.Set(Phase.QueueWait, stage.Elapsed.TotalSeconds);
            }

            var cleanup = promptId is null ? "nothing was submitted"
                : await CleanUpAsync(ct => CleanUpTimedOutAsync(client, promptId, ct), "the clean-up itself timed out", cancellationToken);
            return waited
                ? Finish(false, FailureReasons.QueueWait, Join($"the prompt did not start within {options.MaxQueueWait.TotalSeconds:0.#} s in the queue (Probe:MaxQueueWait); {cleanup}", notes), null, null)
                : Finish(false, FailureReasons.Timeout, Join($"no result within {options.Timeout.TotalSeconds:0.#} s {stage.Current switch
                {
                    RunStage.Stage.Executing => "of execution",
                    RunStage.Stage.Submitted => "after the submit (the prompt was never seen waiting or running)",
                    _ => "of uploads and submit",
                }}; {cleanup}", notes), null, null);
        }
        finally
        {
            if (socket is not null)
            {
                await socket.DisposeAsync();
            }

            if (promptId is not null && options.DeleteHistory && !cancellationToken.IsCancellationRequested)
            {
                // A run that ended before its prompt did (timeout, a failing server), or whose delete failed, may
                // leave an entry later: it is remembered and deleted by a later run.
                if (!await CleanUpAsync(async ct => (await client.DeleteFromHistoryAsync([promptId], ct)).IsSuccess, false, cancellationToken) || !finished)
                {
                    _leftovers.GetOrAdd(endpoint.Name, _ => new())[promptId] = 0;
                }
            }

            if (options.DeleteHistory && !cancellationToken.IsCancellationRequested)
            {
                await CleanUpAsync(async ct => await DeleteLeftoversAsync(endpoint.Name, client, promptId, ct), false, cancellationToken);
            }
        }

        CanaryRun Finish(bool success, string reason, string? detail, string? nodeType, string? exceptionType)
        {
            phases.Set(Phase.Total, Stopwatch.GetElapsedTime(total).TotalSeconds);
            return new CanaryRun(endpoint.Name, canary.Name, started, success, reason, detail, nodeType, exceptionType, new Dictionary<string, double>(phases.Seconds), [.. nodes]);
        }
    }

    private static string Join(string message, List<string> notes) => notes.Count == 0 ? message : $"{message}; {string.Join("; ", notes)}";

    private static string Describe(PromptErrorResponse rejected)
    {
        var first = rejected.NodeErrors.FirstOrDefault();
        var node = first.Value is null ? "" : $" (node {first.Key} {first.Value.ClassType}: {first.Value.Errors.FirstOrDefault()?.Type} {first.Value.Errors.FirstOrDefault()?.Details})";
        return $"rejected: {rejected.Error?.Type}: {rejected.Error?.Message}{node}";
    }

    /// <summary>Reads the socket in the background, so that no frame is missed while the probe submits.</summary>
    private static ChannelReader<ComfyWsMessage> Listen(ComfyWebSocket socket, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ComfyWsMessage>();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in socket.ReadAllAsync(cancellationToken))
                {
                    await channel.Writer.WriteAsync(message, cancellationToken);
                }

                channel.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                channel.Writer.TryComplete(ex);
            }
        }, CancellationToken.None);
        return channel.Reader;
    }

    /// <summary>Whether the server's first message (the status it sends once the client id is registered) came in time.</summary>
    private static async Task<bool> RegisteredAsync(ChannelReader<ComfyWsMessage> events, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(wait);
        try
        {
            return await events.WaitToReadAsync(bound.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return false; // the socket broke before its first message
        }
    }

    /// <summary>Waits for the end of the run: on the socket, or by polling when there is none or it breaks. Returns when the socket saw execution_start.</summary>
    /// <summary>
    /// Follows the run on the WebSocket (or by polling when there is none); <paramref name="nodes"/> gets the time of each
    /// executed node, from its <c>executing</c> message to the next one or the end.
    /// </summary>
    private async Task<long?> WaitAsync(
        ComfyClient client, ChannelReader<ComfyWsMessage>? events, string promptId, List<string> notes, RunStage stage,
        List<NodeTiming> nodes, Func<string, string> nodeType, CancellationToken cancellationToken)
    {
        long? startedMs = null;
        (string Id, long Since)? current = null;
        void Close()
        {
            if (current is { } node)
            {
                nodes.Add(new NodeTiming(node.Id, nodeType(node.Id), time.GetElapsedTime(node.Since).TotalSeconds));
                current = null;
            }
        }

        if (events is not null)
        {
            try
            {
                await foreach (var message in events.ReadAllAsync(cancellationToken))
                {
                    switch (message)
                    {
                        case ExecutionWsMessage { Type: StatusMessage.ExecutionStart } start when start.Data.PromptId == promptId:
                            startedMs = time.GetUtcNow().ToUnixTimeMilliseconds();
                            stage.Executing();
                            break;
                        case ExecutingWsMessage { Node: { } node } executing when executing.PromptId == promptId:
                            Close();
                            current = (node, time.GetTimestamp());
                            break;
                        case ExecutionWsMessage terminal when terminal.IsTerminal && terminal.Data.PromptId == promptId:
                        case ExecutingWsMessage { Node: null } done when done.PromptId == promptId:
                            Close();
                            return startedMs;
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The socket broke mid-run: fall back to polling.
            }

            notes.Add("the WebSocket closed during the run, finished by polling /history");
            nodes.Clear();
        }

        var missing = 0;
        while (true)
        {
            // The queue first, then the history: ComfyUI writes the history entry before it leaves the queue,
            // so a prompt in neither is gone (a restart, or someone cleared the queue), not finishing.
            var queue = await client.GetQueueAsync(cancellationToken);
            var entry = await client.GetHistoryEntryAsync(promptId, cancellationToken);
            if (entry.IsSuccess && entry.Value is not null)
            {
                return startedMs;
            }

            var (running, pending) = Place(queue, promptId);
            stage.Observe(running, pending);
            var queued = !queue.IsSuccess || running || pending;
            missing = queued || !entry.IsSuccess ? 0 : missing + 1;
            if (missing >= 2)
            {
                throw new CanaryFailedException(FailureReasons.ExecutionError, "the prompt vanished from the queue and the history before it finished (server restarted or queue cleared)");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
        }
    }

    /// <summary>Where the prompt is in a read of the queue: running, waiting, or neither (or the queue unreadable).</summary>
    private static (bool Running, bool Pending) Place(ComfyResult<QueueState> queue, string promptId) =>
        queue.IsSuccess
            ? (queue.Value.Running.Any(p => p.PromptId == promptId), queue.Value.Pending.Any(p => p.PromptId == promptId))
            : (false, false);

    /// <summary>
    /// One read of the queue right after the submit: a prompt seen waiting behind others gets Probe:MaxQueueWait;
    /// one that cannot be seen (the queue unreadable) keeps Probe:Timeout, so a server that stopped answering fails fast.
    /// </summary>
    private static async Task ObserveQueueAsync(ComfyClient client, string promptId, RunStage stage, CancellationToken cancellationToken)
    {
        var (running, pending) = Place(await client.GetQueueAsync(cancellationToken), promptId);
        stage.Observe(running, pending);
    }

    private static async Task<HistoryEntry> ReadHistoryAsync(ComfyClient client, string promptId, CancellationToken cancellationToken)
    {
        // History is written before the final status and executing(null) frames, but allow for a slow server.
        for (var attempt = 0; ; attempt++)
        {
            var entry = await client.GetHistoryEntryAsync(promptId, cancellationToken);
            if (!entry.IsSuccess)
            {
                throw new CanaryFailedException(FailureReasons.From(entry.Error), $"GET /history/{{id}}: {entry.Error}");
            }

            if (entry.Value is not null)
            {
                return entry.Value;
            }

            if (attempt >= 20)
            {
                throw new CanaryFailedException(FailureReasons.OutputMissing, "the run ended but its history entry never appeared");
            }

            await Task.Delay(100, cancellationToken);
        }
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
        foreach (var id in leftovers.Keys.Where(id => id != current && !queued.Contains(id)))
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
    private async Task<T> CleanUpAsync<T>(Func<CancellationToken, Task<T>> cleanup, T onTimeout, CancellationToken cancellationToken)
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

    /// <summary>
    /// Where a run is, and the deadline that goes with it: preparing (uploads, submit) and submitted but not seen in the
    /// queue yet, Probe:Timeout; seen waiting in the queue, Probe:MaxQueueWait from the submit; executing,
    /// Probe:Timeout from the start of the execution. Each step moves the run's one deadline
    /// (<see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>).
    /// </summary>
    private sealed class RunStage
    {
        private readonly CancellationTokenSource _deadline;
        private readonly ProbeOptions _options;
        private readonly Lock _lock = new();
        private long _submitted;

        public RunStage(CancellationTokenSource deadline, ProbeOptions options)
        {
            _deadline = deadline;
            _options = options;
            deadline.CancelAfter(options.Timeout);
        }

        public enum Stage
        {
            Preparing,
            Submitted,
            Waiting,
            Executing,
        }

        public Stage Current { get; private set; }

        /// <summary>Time since the submit.</summary>
        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(Volatile.Read(ref _submitted));

        public void Submitted() => Enter(Stage.Submitted, () => _options.Timeout);

        /// <summary>What a read of the queue showed of the prompt.</summary>
        public void Observe(bool running, bool pending)
        {
            if (running)
            {
                Executing();
            }
            else if (pending)
            {
                Enter(Stage.Waiting, () => _options.MaxQueueWait - Elapsed);
            }
        }

        public void Executing() => Enter(Stage.Executing, () => _options.Timeout);

        private void Enter(Stage next, Func<TimeSpan> limit)
        {
            lock (_lock)
            {
                if (next <= Current || _deadline.IsCancellationRequested)
                {
                    return;
                }

                if (next == Stage.Submitted)
                {
                    Volatile.Write(ref _submitted, Stopwatch.GetTimestamp());
                }

                Current = next;
                var left = limit();
                _deadline.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
        }
    }
}
