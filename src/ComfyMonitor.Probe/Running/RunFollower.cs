using System.Threading.Channels;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.ComfyApi.WebSockets;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.State;

namespace ComfyMonitor.Probe.Running;

/// <summary>
/// Follows one submitted canary prompt to its end: on its WebSocket (execution_start, each executing node, the terminal
/// message), or by polling the queue and /history/{id} when there is no socket or it breaks; reports to the run's
/// <see cref="RunStage"/> where the prompt is, and reads the finished prompt's history entry.
/// </summary>
public sealed class RunFollower(TimeProvider time)
{
    /// <summary>Reads the socket in the background, so that no frame is missed while the probe submits.</summary>
    public static ChannelReader<ComfyWsMessage> Listen(ComfyWebSocket socket, CancellationToken cancellationToken)
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
    public static async Task<bool> RegisteredAsync(ChannelReader<ComfyWsMessage> events, TimeSpan wait, CancellationToken cancellationToken)
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

    /// <summary>
    /// Follows the run on the WebSocket (or by polling when there is none); <paramref name="nodes"/> gets the time of each
    /// executed node, from its <c>executing</c> message to the next one or the end. Returns when the socket saw
    /// execution_start (null when it did not).
    /// </summary>
    internal async Task<long?> WaitAsync(
        ComfyClient client, ChannelReader<ComfyWsMessage>? events, string promptId, List<string> notes, RunStage stage,
        List<NodeTiming> nodes, Func<string, string> nodeType, CancellationToken cancellationToken, BusyWatch? busy = null)
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
            var queue = await ReadQueueAsync(client, promptId, busy, cancellationToken);
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
    internal static async Task ObserveQueueAsync(ComfyClient client, string promptId, RunStage stage, CancellationToken cancellationToken, BusyWatch? busy = null)
    {
        var (running, pending) = Place(await ReadQueueAsync(client, promptId, busy, cancellationToken), promptId);
        stage.Observe(running, pending);
    }

    /// <summary>A read of the queue by a run, which also tells the instance's <see cref="BusyWatch"/> what runs there.</summary>
    internal static async Task<ComfyResult<QueueState>> ReadQueueAsync(ComfyClient client, string? promptId, BusyWatch? busy, CancellationToken cancellationToken)
    {
        var queue = await client.GetQueueAsync(cancellationToken);
        if (queue.IsSuccess)
        {
            busy?.Observe(queue.Value, promptId);
        }

        return queue;
    }

    public static async Task<HistoryEntry> ReadHistoryAsync(ComfyClient client, string promptId, CancellationToken cancellationToken)
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
}
