using System.Diagnostics;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.ComfyApi.Imaging;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.ComfyApi.WebSockets;
using ComfyMonitor.Probe.Canaries;
using ComfyMonitor.Probe.State;
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
    private readonly ProbeOptions options = settings.Value;
    private readonly RunFollower _follower = new(time);

    /// <summary>Everything the probe removes or interrupts, and when (one file to audit: <see cref="CleanupPolicy"/>).</summary>
    private readonly CleanupPolicy _cleanup = new(settings.Value, time);

    public Task<CanaryRun> RunAsync(ComfyEndpoint endpoint, ComfyClient client, Canary canary, CancellationToken cancellationToken) =>
        RunAsync(new ProbedInstance(endpoint, client, 1, time: time), canary, cancellationToken);

    /// <summary>Runs the canary on the instance, with the instance's own expectations and what the probe saw run there.</summary>
    public async Task<CanaryRun> RunAsync(ProbedInstance instance, Canary canary, CancellationToken cancellationToken)
    {
        var (endpoint, client, busy) = (instance.Endpoint, instance.Client, instance.Busy);
        var started = time.GetUtcNow();
        var total = Stopwatch.GetTimestamp();
        var phases = new PhaseTimer();
        var nodes = new List<NodeTiming>();
        var notes = new List<string>();
        string? promptId = null;
        var finished = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stage = new RunStage(timeout, options, instance.Expectations.MaxQueueWait, canary.Timeout);
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

            var events = socket is null ? null : RunFollower.Listen(socket, timeout.Token);
            if (events is not null && !await RunFollower.RegisteredAsync(events, options.RequestTimeout, timeout.Token))
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
            await RunFollower.ObserveQueueAsync(client, promptId, stage, timeout.Token, busy);
            if (submitted.Value.Accepted.NodeErrors.TryGetValue(plan.OutputNode, out var partial))
            {
                throw new CanaryFailedException(FailureReasons.ValidationError, $"output node {plan.OutputNode} ({partial.ClassType}) failed validation: {partial.Errors.FirstOrDefault()?.Message}");
            }

            var localStartMs = await _follower.WaitAsync(client, events, promptId, notes, stage, nodes, id => plan.Graph[id]?["class_type"]?.ToString() ?? "unknown", timeout.Token, busy);
            var entry = await RunFollower.ReadHistoryAsync(client, promptId, timeout.Token);
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
        catch (CanaryNotRunException notRun)
        {
            return Finish(false, notRun.Reason, Join(notRun.Message, notes), null, null, notRun.Result);
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

            // Waited out behind a prompt that has run for less than the instance's stall window: healthy work, not an
            // outage (a video job runs for half an hour). Behind a prompt older than that, or with nothing running, it fails.
            var behind = waited ? await BehindAsync(instance, promptId, cancellationToken) : null;
            var cleanup = await _cleanup.AfterTimeoutAsync(client, promptId, cancellationToken);
            if (behind is { Healthy: true } ahead)
            {
                return Finish(false, CanaryRun.BusyReason, Join($"deferred: waited {stage.MaxQueueWait.TotalSeconds:0.#} s behind a prompt seen running for {ahead.Seen.TotalSeconds:0} s, "
                    + $"within the instance's stall window of {ahead.Limit.TotalSeconds:0} s; {cleanup}", notes), null, null, CanaryRun.DeferredResult);
            }

            return waited
                ? Finish(false, FailureReasons.QueueWait, Join($"the prompt did not start within {stage.MaxQueueWait.TotalSeconds:0.#} s in the queue (Probe:MaxQueueWait){Describe(behind)}; {cleanup}", notes), null, null)
                : Finish(false, FailureReasons.Timeout, Join($"no result within {stage.Timeout.TotalSeconds:0.#} s {stage.Current switch
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

            await _cleanup.AfterRunAsync(endpoint.Name, client, promptId, finished, cancellationToken);
        }

        CanaryRun Finish(bool success, string reason, string? detail, string? nodeType, string? exceptionType, string? notCounted = null)
        {
            phases.Set(Phase.Total, Stopwatch.GetElapsedTime(total).TotalSeconds);
            var run = new CanaryRun(endpoint.Name, canary.Name, started, success, reason, detail, nodeType, exceptionType, new Dictionary<string, double>(phases.Seconds), [.. nodes], notCounted);
            return canary is SamplerCanary sampler ? Speed(run, sampler) : run;
        }
    }

    /// <summary>
    /// The sampler canary's speed from its own run's node times: its sampler's steps over the sampler node's time, and the
    /// loader's time apart (0 when the checkpoint was cached and the loader did not run). None when the sampler did not run
    /// or the run was followed by polling.
    /// </summary>
    private static CanaryRun Speed(CanaryRun run, SamplerCanary canary)
    {
        if (run.Nodes?.FirstOrDefault(n => n.NodeId == SamplerCanary.SamplerNode) is not { Seconds: > 0 } sampling)
        {
            return run;
        }

        return run with
        {
            StepsPerSecond = canary.Options.Steps / sampling.Seconds,
            ModelLoadSeconds = run.Nodes.FirstOrDefault(n => n.NodeId == SamplerCanary.LoaderNode)?.Seconds ?? 0,
        };
    }

    /// <summary>
    /// What runs ahead of the canary now that its wait ran out, from a fresh read of the queue: how long the probe has seen
    /// it running, and whether that is within the instance's stall window. Null when nothing else runs or the queue
    /// cannot be read.
    /// </summary>
    private async Task<(bool Healthy, TimeSpan Seen, TimeSpan Limit)?> BehindAsync(ProbedInstance instance, string? promptId, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(options.RequestTimeout);
        ComfyResult<QueueState> queue;
        try
        {
            queue = await RunFollower.ReadQueueAsync(instance.Client, promptId, instance.Busy, bound.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        if (!queue.IsSuccess)
        {
            return null;
        }

        if (queue.Value.Running.FirstOrDefault(r => r.PromptId != promptId) is not { } ahead || instance.Busy.SeenRunningFor(ahead.PromptId) is not { } seen)
        {
            return null;
        }

        var limit = instance.Busy.StallAfter(instance.Expectations, options);
        return (seen < limit, seen, limit);
    }

    private static string Describe((bool Healthy, TimeSpan Seen, TimeSpan Limit)? behind) =>
        behind is { } b ? $", behind a prompt seen running for {b.Seen.TotalSeconds:0} s, past the instance's stall window of {b.Limit.TotalSeconds:0} s" : "";

    private static string Join(string message, List<string> notes) => notes.Count == 0 ? message : $"{message}; {string.Join("; ", notes)}";

    private static string Describe(PromptErrorResponse rejected)
    {
        var first = rejected.NodeErrors.FirstOrDefault();
        var node = first.Value is null ? "" : $" (node {first.Key} {first.Value.ClassType}: {first.Value.Errors.FirstOrDefault()?.Type} {first.Value.Errors.FirstOrDefault()?.Details})";
        return $"rejected: {rejected.Error?.Type}: {rejected.Error?.Message}{node}";
    }

}
