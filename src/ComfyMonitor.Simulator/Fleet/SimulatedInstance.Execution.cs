using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Execution;

namespace ComfyMonitor.Simulator.Fleet;

public sealed partial class SimulatedInstance
{
    private const long MaxLoadedModels = 6L << 30;

    /// <summary>The models loaded now, by loader and file name.</summary>
    private readonly HashSet<string> _loadedModels = new(StringComparer.Ordinal);

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
            Interlocked.Exchange(ref _activeVram, 0);
            if (_scenario == Scenarios.VramLeak)
            {
                Interlocked.Add(ref _leakedVram, LeakPerPrompt);
            }
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

    /// <summary>Waits while the instance is stuck; an interrupt ends the wait (the node then finishes).</summary>
    private async Task HoldWhileStuckAsync(string promptId, CancellationToken cancellationToken)
    {
        while (IsStuck && !IsInterrupted(promptId))
        {
            IsHolding = true;
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken);
        }

        IsHolding = false;
    }

    /// <summary>Whether the worker is held by the stuck scenario right now.</summary>
    public bool IsHolding { get; private set; }

    /// <summary>Inside a sampler's steps: held while stuck, interrupted at once (ComfyUI checks the flag every step).</summary>
    private async Task WaitWhileStuckAsync(string promptId, CancellationToken cancellationToken)
    {
        await HoldWhileStuckAsync(promptId, cancellationToken);
        ThrowIfInterrupted(promptId);
    }

    private bool IsInterrupted(string promptId)
    {
        lock (_lock)
        {
            return _interruptRequested == promptId;
        }
    }

    private void ThrowIfInterrupted(string promptId)
    {
        lock (_lock)
        {
            if (_interruptRequested == promptId)
            {
                throw new InterruptedException();
            }
        }
    }

    private async Task<object?[]> RunNodeAsync(NodeSpec spec, JsonObject node, string nodeId, Dictionary<string, object?[]> results, QueuedPrompt prompt, CancellationToken ct)
    {
        var (promptId, clientId) = (prompt.PromptId, prompt.ClientId);
        var inputs = node["inputs"] as JsonObject ?? [];
        object? In(string name) =>
            inputs[name] is JsonArray { Count: 2 } link && link[0] is JsonValue source && results.TryGetValue(source.ToString(), out var values)
                ? values[link[1]!.GetValue<int>()]
                : inputs[name];
        int Int(string name, int fallback = 0) => In(name) is JsonValue v && v.TryGetValue<double>(out var d) ? (int)d : fallback;
        string Str(string name, string fallback = "") => In(name) is JsonValue v ? v.ToString() : fallback;
        T Get<T>(string name) => In(name) is T t ? t : throw new NodeExecutionException("TypeError", $"input '{name}' is not a {typeof(T).Name}\n");

        if (!spec.RunsForReal)
        {
            var firstImage = inputs.Select(i => In(i.Key)).OfType<ImageBatch>().FirstOrDefault();
            return await RunSimulatedNodeAsync(spec, inputs, firstImage, promptId, clientId, ct);
        }

        switch (spec.ClassType)
        {
            case "EmptyImage":
                var color = In("color") is JsonValue c && c.TryGetValue<double>(out var cd) ? (long)cd : 0;
                return [ImageOps.EmptyImage(Int("width", 512), Int("height", 512), Int("batch_size", 1), color)];
            case "LoadImage":
                var (image, mask) = ImageOps.LoadImage(ReadInput(Str("image"), out var imagePath), imagePath);
                return [image, mask];
            case "LoadImageMask":
                return [ImageOps.LoadImageMask(ReadInput(Str("image"), out var maskPath), maskPath, Str("channel", "alpha"))];
            case "ImageInvert":
                return [ImageOps.Invert(Get<ImageBatch>("image"))];
            case "MaskToImage":
                return [ImageOps.MaskToImage(Get<MaskBatch>("mask"))];
            case "ImageCompositeMasked":
                var resize = In("resize_source") is JsonValue r && r.TryGetValue<bool>(out var rb) && rb;
                return [ImageOps.CompositeMasked(Get<ImageBatch>("destination"), Get<ImageBatch>("source"), Int("x"), Int("y"), resize, In("mask") as MaskBatch)];
            case "SaveImage":
                return [Save(Get<ImageBatch>("images"), "output", Str("filename_prefix", "ComfyUI"), prompt)];
            case "PreviewImage":
                return [Save(Get<ImageBatch>("images"), "temp", "ComfyUI_temp_" + PreviewPrefix(nodeId + "|" + spec.ClassType), prompt)];
            default:
                throw new NodeExecutionException("NotImplementedError", $"{spec.ClassType} is not run on pixels\n");
        }
    }

    /// <summary>A node that is not run on pixels: it takes the simulated node time (a model loader also VRAM) and yields stand-ins.</summary>
    private async Task<object?[]> RunSimulatedNodeAsync(NodeSpec spec, JsonObject inputs, ImageBatch? firstImage, string promptId, string? clientId, CancellationToken ct)
    {
        if (spec.LoadsModel)
        {
            // Like ComfyUI's model management: a model stays loaded (and cached) once loaded, loading it again costs
            // nothing, and when the next one does not fit the others are unloaded.
            var model = spec.ClassType + ":" + string.Join(",", inputs.Select(i => i.Value is JsonValue v && v.TryGetValue<string>(out var name) ? name : null).Where(n => n is not null));
            lock (_loadedModels)
            {
                if (_loadedModels.Add(model))
                {
                    if (Interlocked.Add(ref _modelsLoaded, spec.VramBytes) > MaxLoadedModels)
                    {
                        _loadedModels.Clear();
                        _loadedModels.Add(model);
                        Interlocked.Exchange(ref _modelsLoaded, spec.VramBytes);
                    }
                }
            }
        }
        else
        {
            Interlocked.Add(ref _activeVram, spec.VramBytes);
        }

        var total = _options.NodeTime * (_scenario == Scenarios.Slow ? 10 : 1);
        var steps = spec.ClassType.StartsWith("KSampler", StringComparison.Ordinal) ? 10 : 1;
        for (var step = 1; step <= steps; step++)
        {
            var deadline = _time.GetTimestamp();
            while (_time.GetElapsedTime(deadline) < total / steps)
            {
                if (steps > 1)
                {
                    await WaitWhileStuckAsync(promptId, ct);
                }
                else
                {
                    await HoldWhileStuckAsync(promptId, ct);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50, Math.Max(1, (total / steps).TotalMilliseconds))), _time, ct);
            }

            if (steps > 1)
            {
                Hub.SendOrBroadcast(clientId, Message("progress", new JsonObject { ["value"] = step, ["max"] = steps, ["prompt_id"] = promptId, ["node"] = spec.ClassType }));
            }
        }

        // Test hooks used by the background workload: a model node fails or is interrupted on request.
        if (inputs["simulate_error"] is JsonValue error && error.ToString().Split(": ", 2) is [var type, var message])
        {
            throw new NodeExecutionException(type, message + "\n");
        }

        if (inputs["simulate_interrupt"] is JsonValue interrupt && interrupt.TryGetValue<bool>(out var yes) && yes)
        {
            throw new InterruptedException();
        }

        // IMAGE outputs pass the first input image on (a blur of a canary's image keeps its size), or are noise.
        return spec.Outputs.Select(o => o?.ToString() switch
        {
            "IMAGE" => (object?)(firstImage ?? Noise()),
            "MASK" => new MaskBatch(firstImage?.Width ?? 64, firstImage?.Height ?? 64, [new float[(firstImage?.Width ?? 64) * (firstImage?.Height ?? 64)]]),
            var type => new ModelHandle(type ?? "*"),
        }).ToArray();
    }

    private static ImageBatch Noise()
    {
        var f = new float[64 * 64 * 3];
        for (var i = 0; i < f.Length; i++)
        {
            f[i] = Random.Shared.NextSingle();
        }

        return new ImageBatch(64, 64, [f]);
    }

    /// <summary>The file's bytes, and its path as the server names it in errors (under /opt/ComfyUI, like the recordings).</summary>
    private byte[] ReadInput(string value, out string shownPath)
    {
        var path = Files.ResolveLoadImage(value) ?? throw new NodeExecutionException("FileNotFoundError", $"[Errno 2] No such file or directory: {Py.Quote(value)}\n");
        shownPath = "/opt/ComfyUI/" + Path.GetRelativePath(Files.Root, path).Replace('\\', '/');
        return File.ReadAllBytes(path);
    }

    /// <summary>
    /// PreviewImage's random prefix belongs to the node object, which the server keeps for the same node id and class while
    /// the following prompts have that node (its file counter climbs) and drops otherwise.
    /// </summary>
    private string PreviewPrefix(string nodeId)
    {
        lock (_previewPrefixes)
        {
            if (!_previewPrefixes.TryGetValue(nodeId, out var prefix))
            {
                _previewPrefixes[nodeId] = prefix = RandomSuffix();
            }

            return prefix;
        }
    }

    private readonly Dictionary<string, string> _previewPrefixes = [];

    private JsonObject Save(ImageBatch images, string type, string prefix, QueuedPrompt prompt)
    {
        List<(string, string)> text = [("prompt", prompt.Prompt.ToJsonString())];
        foreach (var (key, value) in prompt.ExtraData["extra_pnginfo"] as JsonObject ?? [])
        {
            text.Add((key, value?.ToJsonString() ?? "null"));
        }

        var list = new JsonArray();
        for (var i = 0; i < images.Frames.Count; i++)
        {
            var (name, subfolder) = Files.NextSaveName(type, prefix);
            File.WriteAllBytes(Path.Combine(Files.Folder(type), subfolder, name), ImageOps.ToPng(images, i, corrupt: _scenario == Scenarios.WrongPixels, text));
            list.Add(new JsonObject { ["filename"] = name, ["subfolder"] = subfolder, ["type"] = type });
        }

        return new JsonObject { ["images"] = list };
    }

    private static string RandomSuffix() =>
        string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + Random.Shared.Next(26));
            }
        });

    /// <summary>Nodes the outputs depend on, dependencies first.</summary>
    private static List<string> Order(JsonObject prompt, IReadOnlyList<string> outputs)
    {
        var order = new List<string>();
        var seen = new HashSet<string>();
        void Visit(string id)
        {
            if (!seen.Add(id) || prompt[id] is not JsonObject node)
            {
                return;
            }

            foreach (var (_, value) in node["inputs"] as JsonObject ?? [])
            {
                if (value is JsonArray { Count: 2 } link && link[0] is JsonValue source)
                {
                    Visit(source.ToString());
                }
            }

            order.Add(id);
        }

        foreach (var output in outputs)
        {
            Visit(output);
        }

        return order;
    }

    /// <summary>The cache key: class, literal inputs, linked nodes' keys, and the content of loaded files.</summary>
    private string Signature(JsonObject prompt, string id, Dictionary<string, string> known)
    {
        var node = (JsonObject)prompt[id]!;
        var sb = new StringBuilder(node["class_type"]!.ToString());
        foreach (var (name, value) in (node["inputs"] as JsonObject ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append('|').Append(name).Append('=');
            if (value is JsonArray { Count: 2 } link && link[0] is JsonValue source && known.TryGetValue(source.ToString(), out var upstream))
            {
                sb.Append('<').Append(upstream).Append(">.").Append(link[1]);
            }
            else
            {
                sb.Append(value?.ToJsonString());
            }

            if (name == "image" && value is JsonValue v && Files.ResolveLoadImage(v.ToString()) is { } path)
            {
                sb.Append('#').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))));
            }
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
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
