using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Execution;

namespace ComfyMonitor.Simulator.Fleet;

public sealed partial class SimulatedInstance
{
    private const int CacheSize = 256;
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

        async Task Record(string type, JsonObject data, bool broadcastWithoutClient = false)
        {
            messages.Add(new JsonArray(type, data.DeepClone()));
            var message = Message(type, data);
            await (broadcastWithoutClient ? Hub.SendOrBroadcastAsync(clientId, message) : Hub.SendAsync(clientId, message));
        }

        await Record(StatusEvent.Start, new JsonObject { ["prompt_id"] = id, ["timestamp"] = NowMs });
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

        await Record(StatusEvent.Cached, new JsonObject
        {
            ["nodes"] = new JsonArray(cached.Select(c => (JsonNode)c).ToArray()),
            ["prompt_id"] = id,
            ["timestamp"] = NowMs,
        });

        var results = new Dictionary<string, object?[]>();
        string? currentNode = null;
        try
        {
            foreach (var nodeId in order)
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

                if (values is null)
                {
                    await Hub.SendOrBroadcastAsync(clientId, Message("progress_state", ProgressState(id, nodeId, "running")));
                    await Hub.SendAsync(clientId, Message("executing", new JsonObject { ["node"] = nodeId, ["display_node"] = nodeId, ["prompt_id"] = id }));
                    await WaitWhileStuckAsync(id, cancellationToken);
                    if (_scenario == Scenarios.Oom)
                    {
                        throw new NodeExecutionException("torch.OutOfMemoryError",
                            "Allocation on device \nThis error means you ran out of memory on your GPU.\n\nTIPS: If the workflow worked before you might have accidentally set the batch_size to a large number.");
                    }

                    values = await RunNodeAsync(spec, node, results, id, clientId, cancellationToken);
                    lock (_lock)
                    {
                        _cache[signatures[nodeId]] = values;
                        _cacheOrder.Enqueue(signatures[nodeId]);
                        while (_cacheOrder.Count > CacheSize)
                        {
                            _cache.Remove(_cacheOrder.Dequeue());
                        }
                    }

                    executed.Add(nodeId);
                    await Hub.SendOrBroadcastAsync(clientId, Message("progress_state", ProgressState(id, nodeId, "finished")));
                }

                results[nodeId] = values;
                if (spec.IsOutput && values.Length > 0 && values[0] is JsonObject ui)
                {
                    outputs[nodeId] = ui.DeepClone();
                    meta[nodeId] = new JsonObject { ["node_id"] = nodeId, ["display_node"] = nodeId, ["parent_node"] = null, ["real_node_id"] = nodeId };
                    await Hub.SendAsync(clientId, Message("executed", new JsonObject
                    {
                        ["node"] = nodeId,
                        ["display_node"] = nodeId,
                        ["output"] = ui.DeepClone(),
                        ["prompt_id"] = id,
                    }));
                }
            }

            await Record(StatusEvent.Success, new JsonObject { ["prompt_id"] = id, ["timestamp"] = NowMs });
            return Finished(prompt, outputs, meta, messages, "success", true);
        }
        catch (InterruptedException)
        {
            await Record(StatusEvent.Interrupted, new JsonObject
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
            await Record(StatusEvent.Error, new JsonObject
            {
                ["prompt_id"] = id,
                ["node_id"] = currentNode,
                ["node_type"] = NodeType(prompt, currentNode),
                ["executed"] = new JsonArray(executed.Select(e => (JsonNode)e).ToArray()),
                ["exception_message"] = text,
                ["exception_type"] = type,
                ["traceback"] = new JsonArray("  File \"/opt/ComfyUI/execution.py\", line 518, in execute\n    <source line>\n"),
                ["current_inputs"] = new JsonObject(),
                ["current_outputs"] = new JsonArray(),
                ["timestamp"] = NowMs,
            });
            return Finished(prompt, outputs, meta, messages, "error", false);
        }
        finally
        {
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

    private static JsonObject ProgressState(string promptId, string nodeId, string state) => new()
    {
        ["prompt_id"] = promptId,
        ["nodes"] = new JsonObject
        {
            [nodeId] = new JsonObject
            {
                ["value"] = state == "finished" ? 1.0 : 0.0,
                ["max"] = 1.0,
                ["state"] = state,
                ["node_id"] = nodeId,
                ["prompt_id"] = promptId,
                ["display_node_id"] = nodeId,
                ["parent_node_id"] = null,
                ["real_node_id"] = nodeId,
            },
        },
    };

    private async Task WaitWhileStuckAsync(string promptId, CancellationToken cancellationToken)
    {
        while (IsStuck)
        {
            ThrowIfInterrupted(promptId);
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken);
        }

        ThrowIfInterrupted(promptId);
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

    private async Task<object?[]> RunNodeAsync(NodeSpec spec, JsonObject node, Dictionary<string, object?[]> results, string promptId, string? clientId, CancellationToken ct)
    {
        var inputs = node["inputs"] as JsonObject ?? [];
        object? In(string name) =>
            inputs[name] is JsonArray { Count: 2 } link && link[0] is JsonValue source && results.TryGetValue(source.ToString(), out var values)
                ? values[link[1]!.GetValue<int>()]
                : inputs[name];
        int Int(string name, int fallback = 0) => In(name) is JsonValue v && v.TryGetValue<double>(out var d) ? (int)d : fallback;
        string Str(string name, string fallback = "") => In(name) is JsonValue v ? v.ToString() : fallback;
        T Get<T>(string name) => In(name) is T t ? t : throw new NodeExecutionException("TypeError", $"input '{name}' is not a {typeof(T).Name}\n");

        if (spec.IsModelNode)
        {
            return await RunModelNodeAsync(spec, inputs, promptId, clientId, ct);
        }

        switch (spec.ClassType)
        {
            case "EmptyImage":
                var color = In("color") is JsonValue c && c.TryGetValue<double>(out var cd) ? (long)cd : 0;
                return [ImageOps.EmptyImage(Int("width", 512), Int("height", 512), Int("batch_size", 1), color)];
            case "LoadImage":
                var (image, mask) = ImageOps.LoadImage(ReadInput(Str("image")));
                return [image, mask];
            case "LoadImageMask":
                return [ImageOps.LoadImageMask(ReadInput(Str("image")), Str("channel", "alpha"))];
            case "ImageInvert":
                return [ImageOps.Invert(Get<ImageBatch>("image"))];
            case "MaskToImage":
                return [ImageOps.MaskToImage(Get<MaskBatch>("mask"))];
            case "ImageCompositeMasked":
                var resize = In("resize_source") is JsonValue r && r.TryGetValue<bool>(out var rb) && rb;
                return [ImageOps.CompositeMasked(Get<ImageBatch>("destination"), Get<ImageBatch>("source"), Int("x"), Int("y"), resize, In("mask") as MaskBatch)];
            case "SaveImage":
                return [Save(Get<ImageBatch>("images"), "output", Str("filename_prefix", "ComfyUI"))];
            case "PreviewImage":
                return [Save(Get<ImageBatch>("images"), "temp", "ComfyUI_temp_" + RandomSuffix())];
            default:
                throw new NodeExecutionException("NotImplementedError", $"{spec.ClassType} is not simulated\n");
        }
    }

    private async Task<object?[]> RunModelNodeAsync(NodeSpec spec, JsonObject inputs, string promptId, string? clientId, CancellationToken ct)
    {
        if (spec.Category == "loaders")
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
                await WaitWhileStuckAsync(promptId, ct);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50, Math.Max(1, (total / steps).TotalMilliseconds))), _time, ct);
            }

            if (steps > 1)
            {
                await Hub.SendOrBroadcastAsync(clientId, Message("progress", new JsonObject { ["value"] = step, ["max"] = steps, ["prompt_id"] = promptId, ["node"] = spec.ClassType }));
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

        return spec.Outputs.Select(o => o == "IMAGE" ? (object?)Noise() : new ModelHandle(o)).ToArray();
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

    private byte[] ReadInput(string value)
    {
        var path = Files.ResolveLoadImage(value) ?? throw new NodeExecutionException("FileNotFoundError", $"[Errno 2] No such file or directory: '{value}'\n");
        return File.ReadAllBytes(path);
    }

    private JsonObject Save(ImageBatch images, string type, string prefix)
    {
        var list = new JsonArray();
        for (var i = 0; i < images.Frames.Count; i++)
        {
            var (name, subfolder) = Files.NextSaveName(type, prefix);
            File.WriteAllBytes(Path.Combine(Files.Folder(type), subfolder, name), ImageOps.ToPng(images, i, corrupt: _scenario == Scenarios.WrongPixels));
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
