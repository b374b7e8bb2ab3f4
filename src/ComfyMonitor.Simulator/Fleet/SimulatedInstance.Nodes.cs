using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Execution;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>
/// One node of a prompt: the image nodes of the canaries run for real on pixels (load, invert, composite, save,
/// preview); every other node takes the simulated node time, and a model loader loads into the <see cref="VramModel"/>.
/// </summary>
public sealed partial class SimulatedInstance
{
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
            return await RunSimulatedNodeAsync(spec, inputs, firstImage, promptId, clientId, ct, In);
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
    private async Task<object?[]> RunSimulatedNodeAsync(NodeSpec spec, JsonObject inputs, ImageBatch? firstImage, string promptId, string? clientId, CancellationToken ct,
        Func<string, object?> input)
    {
        if (_scenario == Scenarios.CudaError)
        {
            // Every node that needs the GPU fails once its CUDA context is broken; image nodes run on CPU tensors.
            throw new NodeExecutionException("RuntimeError", "CUDA error: an illegal memory access was encountered\n"
                + "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.\n");
        }

        if (spec.LoadsModel)
        {
            // Like ComfyUI's model management: a model stays loaded (and cached) once loaded, loading it again costs
            // nothing, and when the next one does not fit the others are unloaded.
            var model = spec.ClassType + ":" + string.Join(",", inputs.Select(i => i.Value is JsonValue v && v.TryGetValue<string>(out var name) ? name : null).Where(n => n is not null));
            Vram.Load(model, spec.VramBytes);
        }
        else
        {
            Vram.Use(spec.VramBytes);
        }

        // A simulator-only input (the video workload's): this node runs that long, reporting its own number of steps.
        var simulated = inputs["simulate_seconds"] is JsonValue seconds && seconds.TryGetValue<double>(out var s) && s >= 0 ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
        var sampler = spec.ClassType.StartsWith("KSampler", StringComparison.Ordinal);
        var latent = input("latent_image") as LatentHandle;
        var total = (simulated ?? _options.NodeTime * (sampler ? SamplingFactor(inputs, latent) : 1))
            * (_scenario == Scenarios.Slow ? 10 : 1) * (sampler && _scenario == Scenarios.SlowSampling ? 4 : 1);
        var steps = !sampler ? 1 : simulated is not null ? (int)Math.Clamp(DoubleInput(inputs, "steps", 10), 1, 100) : 10;
        // Each step ends at its share of the node's time from the node's start, so that timer overshoots do not add up
        // (a sampler of many short steps takes its time, not its steps times the timer's resolution).
        var started = _time.GetTimestamp();
        for (var step = 1; step <= steps; step++)
        {
            var due = total * step / steps;
            while (_time.GetElapsedTime(started) < due)
            {
                if (steps > 1)
                {
                    await WaitWhileStuckAsync(promptId, ct);
                }
                else
                {
                    await HoldWhileStuckAsync(promptId, ct);
                }

                var left = due - _time.GetElapsedTime(started);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(left.TotalMilliseconds, 1, 50)), _time, ct);
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

        // Text to image: an empty latent of the requested size, sampled with its seed, decoded to a picture of that size
        // and seed (black in the black-images scenario).
        switch (spec.ClassType)
        {
            case "EmptyLatentImage":
                return [new LatentHandle(IntInput(inputs, "width", 512), IntInput(inputs, "height", 512), IntInput(inputs, "batch_size", 1), null)];
            case "KSampler" or "KSamplerAdvanced" when latent is not null:
                return [latent with { Seed = (long)DoubleInput(inputs, spec.ClassType == "KSampler" ? "seed" : "noise_seed") }];
            case "VAEDecode" when input("samples") is LatentHandle decoded:
                return [Decode(decoded, _scenario == Scenarios.BlackImages)];
        }

        // IMAGE outputs pass the first input image on (a blur of a canary's image keeps its size), or are noise.
        return spec.Outputs.Select(o => o?.ToString() switch
        {
            "IMAGE" => (object?)(firstImage ?? Noise()),
            "MASK" => new MaskBatch(firstImage?.Width ?? 64, firstImage?.Height ?? 64, [new float[(firstImage?.Width ?? 64) * (firstImage?.Height ?? 64)]]),
            var type => new ModelHandle(type ?? "*"),
        }).ToArray();
    }

    /// <summary>A sampler's time relative to the node time: 20 steps of 512×512 take the node time, and it grows with steps and size.</summary>
    private static double SamplingFactor(JsonObject inputs, LatentHandle? latent)
    {
        var steps = Math.Max(1, DoubleInput(inputs, "steps", 20));
        var pixels = latent is null ? 512.0 * 512 : Math.Max(1, latent.Width * latent.Height * Math.Max(1, latent.Batch));
        return steps / 20 * Math.Sqrt(pixels / (512.0 * 512));
    }

    /// <summary>What VAEDecode makes of a sampled latent: a deterministic picture of its size and seed (never blank), or black.</summary>
    private static ImageBatch Decode(LatentHandle latent, bool black)
    {
        var frames = new List<float[]>(latent.Batch);
        for (var n = 0; n < Math.Max(1, latent.Batch); n++)
        {
            var f = new float[latent.Width * latent.Height * 3];
            if (!black)
            {
                // Smooth waves whose frequencies and phases come from the seed: a picture that compresses like a real one
                // (a user's output is fetched whole by the collector's output checks), never one flat colour.
                var random = new Random(HashCode.Combine(latent.Seed ?? 0, n));
                var (fx, fy, phase) = (1 + (random.NextSingle() * 6), 1 + (random.NextSingle() * 6), random.NextSingle() * 6.28f);
                for (var y = 0; y < latent.Height; y++)
                {
                    for (var x = 0; x < latent.Width; x++)
                    {
                        var (u, v) = ((float)x / Math.Max(1, latent.Width), (float)y / Math.Max(1, latent.Height));
                        var i = ((y * latent.Width) + x) * 3;
                        f[i] = 0.5f + (0.45f * MathF.Sin((fx * 6.28f * u) + phase));
                        f[i + 1] = 0.5f + (0.45f * MathF.Sin((fy * 6.28f * v) + (2 * phase)));
                        f[i + 2] = 0.5f + (0.45f * MathF.Sin((fx * 6.28f * (u + v)) + (3 * phase)));
                    }
                }
            }

            frames.Add(f);
        }

        return new ImageBatch(latent.Width, latent.Height, frames);
    }

    private static double DoubleInput(JsonObject inputs, string name, double fallback = 0) =>
        inputs[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : fallback;

    private static int IntInput(JsonObject inputs, string name, int fallback) => (int)DoubleInput(inputs, name, fallback);

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
}
