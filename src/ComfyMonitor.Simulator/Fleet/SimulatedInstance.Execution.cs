using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Execution;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>
/// The executor: runs a prompt's nodes in the server's order, from the cache where it can, with the server's
/// WebSocket messages, interrupts, the stuck scenario and the history record of the outcome.
/// </summary>
public sealed partial class SimulatedInstance
{

    private async Task<HistoryRecord> ExecuteAsync(QueuedPrompt prompt, CancellationToken cancellationToken)
    {
        var clientId = prompt.ClientId;
        var id = prompt.PromptId;
        var messages = new JsonArray();
        var outputs = new JsonObject();
        var meta = new JsonObject();
        var executed = new List<string>();

        void Record(string type, JsonObject data, bool broadcastWithoutClient = false)
        {
            messages.Add(new JsonArray(type, data.DeepClone()));
            var message = Message(type, data);
            if (broadcastWithoutClient)
            {
                Hub.SendOrBroadcast(clientId, message);
            }
            else
            {
                Hub.Send(clientId, message);
            }
        }

        Record(StatusEvent.Start, new JsonObject { ["prompt_id"] = id, ["timestamp"] = NowMs });
        lock (_previewPrefixes)
        {
            var keep = prompt.Prompt.Select(n => n.Key + "|" + n.Value?["class_type"]).ToHashSet();
            foreach (var key in _previewPrefixes.Keys.Where(k => !keep.Contains(k)).ToList())
            {
                _previewPrefixes.Remove(key);
            }
        }

        var order = Order(prompt.Prompt, prompt.OutputsToExecute);
        var signatures = order.ToDictionary(n => n, n => "");
        foreach (var node in order)
        {
            signatures[node] = Signature(prompt.Prompt, node, signatures);
        }

        List<string> cached;
        lock (_lock)
        {
            cached = order.Where(n => _cache.ContainsKey(signatures[n])).ToList();
        }

        Record(StatusEvent.Cached, new JsonObject
        {
            ["nodes"] = new JsonArray(cached.Select(c => (JsonNode)c).ToArray()),
            ["prompt_id"] = id,
            ["timestamp"] = NowMs,
        });

        // The stuck scenario holds the worker in the first node that takes time (a sampler, a blur), or in the first
        // node of a prompt of image nodes only (a LoadImage reading a file that never ends).
        var holdAll = order.All(n => NodeCatalog.Find(((JsonObject)prompt.Prompt[n]!)["class_type"]!.GetValue<string>())!.RunsForReal);
        // Cached nodes are not run (their values come from the cache); the others run in the server's order.
        var run = ExecutionOrder.Of(prompt.Prompt, prompt.OutputsToExecute, cached.Contains);
        var steps = order.Where(n => cached.Contains(n) && !run.Contains(n)).Concat(run).ToList();
        var results = new Dictionary<string, object?[]>();
        var states = new JsonObject();
        string? currentNode = null;

        // progress_state carries every node that is not pending, each time one changes (cached nodes only once re-sent).
        void Progress(string nodeId, string state, bool cachedNode = false)
        {
            states[nodeId] = new JsonObject
            {
                ["value"] = cachedNode ? 1 : state == "finished" ? 1.0 : 0.0,
                ["max"] = cachedNode ? 1 : 1.0,
                ["state"] = state,
                ["node_id"] = nodeId,
                ["prompt_id"] = id,
                ["display_node_id"] = nodeId,
                ["parent_node_id"] = null,
                ["real_node_id"] = nodeId,
            };
            Hub.SendOrBroadcast(clientId, Message("progress_state", new JsonObject { ["prompt_id"] = id, ["nodes"] = states.DeepClone() }));
        }

        try
        {
            foreach (var nodeId in steps)
            {
                currentNode = nodeId;
                var node = (JsonObject)prompt.Prompt[nodeId]!;
                var spec = NodeCatalog.Find(node["class_type"]!.GetValue<string>())!;
                object?[]? values = null;
                lock (_lock)
                {
                    if (cached.Contains(nodeId) && _cache.TryGetValue(signatures[nodeId], out var hit))
                    {
                        values = hit;
                    }
                }

                var wasCached = values is not null;
                if (values is null)
                {
                    Progress(nodeId, "running");
                    LastNode = (clientId, nodeId);
                    Hub.Send(clientId, Message("executing", new JsonObject { ["node"] = nodeId, ["display_node"] = nodeId, ["prompt_id"] = id }));
                    // The interrupt flag is checked as a node starts (after its executing message): the node that ran
                    // when the interrupt came finishes, the next one is named in execution_interrupted.
                    ThrowIfInterrupted(id);
                    if (holdAll || !spec.RunsForReal)
                    {
                        await HoldWhileStuckAsync(id, cancellationToken);
                    }

                    if (_scenario == Scenarios.Oom)
                    {
                        throw new NodeExecutionException("torch.OutOfMemoryError",
                            "Allocation on device \nThis error means you ran out of memory on your GPU.\n\nTIPS: If the workflow worked before you might have accidentally set the batch_size to a large number.");
                    }

                    values = await RunNodeAsync(spec, node, nodeId, results, prompt, cancellationToken);
                    executed.Add(nodeId);
                }

                results[nodeId] = values;
                if (spec.IsOutput && values.Length > 0 && values[0] is JsonObject ui)
                {
                    outputs[nodeId] = ui.DeepClone();
                    meta[nodeId] = new JsonObject { ["node_id"] = nodeId, ["display_node"] = nodeId, ["parent_node"] = null, ["real_node_id"] = nodeId };
                    Hub.Send(clientId, Message("executed", new JsonObject
                    {
                        ["node"] = nodeId,
                        ["display_node"] = nodeId,
                        ["output"] = ui.DeepClone(),
                        ["prompt_id"] = id,
                    }));
                    if (wasCached)
                    {
                        Progress(nodeId, "finished", cachedNode: true);
                    }
                }

                if (!wasCached)
                {
                    Progress(nodeId, "finished");
                }
            }

            Record(StatusEvent.Success, new JsonObject { ["prompt_id"] = id, ["timestamp"] = NowMs });
            return Finished(prompt, outputs, meta, messages, "success", true);
        }
        catch (InterruptedException)
        {
            Record(StatusEvent.Interrupted, new JsonObject
            {
                ["prompt_id"] = id,
                ["node_id"] = currentNode,
                ["node_type"] = NodeType(prompt, currentNode),
                ["executed"] = new JsonArray(executed.Select(e => (JsonNode)e).ToArray()),
                ["timestamp"] = NowMs,
            }, broadcastWithoutClient: true);
            return Finished(prompt, outputs, meta, messages, "error", false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (type, text) = ex is NodeExecutionException nee ? (nee.ExceptionType, nee.Message) : (ex.GetType().Name, ex.Message + "\n");
            Record(StatusEvent.Error, new JsonObject
            {
                ["prompt_id"] = id,
                ["node_id"] = currentNode,
                ["node_type"] = NodeType(prompt, currentNode),
                ["executed"] = new JsonArray(executed.Select(e => (JsonNode)e).ToArray()),
                ["exception_message"] = text,
                ["exception_type"] = type,
                ["traceback"] = new JsonArray("  File \"/opt/ComfyUI/execution.py\", line 496, in execute\n    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, hidden_inputs=hidden_inputs)\n"),
                ["current_inputs"] = CurrentInputs(prompt, currentNode, results),
                ["current_outputs"] = new JsonArray(prompt.Prompt.Select(n => (JsonNode)n.Key).ToArray()),
                ["timestamp"] = NowMs,
            });
            return Finished(prompt, outputs, meta, messages, "error", false);
        }
        finally
        {
            // ComfyUI's cache keeps what the last prompt used (keyed by input signature), nothing older.
            lock (_lock)
            {
                _cache.Clear();
                foreach (var (nodeId, values) in results)
                {
                    _cache[signatures[nodeId]] = values;
                }
            }

            LastNode = (null, null);
            Vram.PromptEnded(leaks: _scenario == Scenarios.VramLeak);
        }
    }

    private static HistoryRecord Finished(QueuedPrompt prompt, JsonObject outputs, JsonObject meta, JsonArray messages, string status, bool completed) => new()
    {
        Prompt = prompt,
        Outputs = outputs,
        Meta = meta,
        Messages = messages,
        StatusStr = status,
        Completed = completed,
    };

    private static string? NodeType(QueuedPrompt prompt, string? nodeId) =>
        nodeId is not null && prompt.Prompt[nodeId] is JsonObject n ? n["class_type"]?.ToString() : null;

    /// <summary>The failing node's literal inputs, each as a one-item list (the server's input_data_all).</summary>
    private static JsonObject CurrentInputs(QueuedPrompt prompt, string? nodeId, Dictionary<string, object?[]> results)
    {
        var inputs = new JsonObject();
        if (nodeId is not null && prompt.Prompt[nodeId]?["inputs"] is JsonObject literal)
        {
            foreach (var (name, value) in literal)
            {
                if (value is not JsonArray { Count: 2 })
                {
                    inputs[name] = new JsonArray(value?.DeepClone());
                }
            }
        }

        return inputs;
    }

    private static class StatusEvent
    {
        public const string Start = "execution_start";
        public const string Cached = "execution_cached";
        public const string Success = "execution_success";
        public const string Error = "execution_error";
        public const string Interrupted = "execution_interrupted";
    }

    private sealed class InterruptedException : Exception;
}
