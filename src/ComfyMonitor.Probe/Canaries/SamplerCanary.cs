using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.ComfyApi.Imaging;
using ComfyMonitor.Probe.Running;

namespace ComfyMonitor.Probe.Canaries;

/// <summary>
/// <c>sampler</c>: CheckpointLoaderSimple → CLIPTextEncode (positive, negative) → EmptyLatentImage → KSampler (fixed seed)
/// → VAEDecode → SaveImage. It proves what users pay for: the GPU turns a prompt into a picture. The output must have
/// the requested size and must not be blank (black or one flat colour: NaN latents become black with status success).
/// It runs only on an idle instance (loading a checkpoint may evict the users' model from VRAM, and sampling takes GPU
/// time): with anything queued it is deferred; an instance with none of the configured checkpoints skips it.
/// </summary>
public sealed class SamplerCanary(SamplerCanaryOptions options) : Canary
{
    public const string CanaryName = "sampler";
    public const string NoCheckpointReason = "no_checkpoint";

    /// <summary>Node ids of the graph: the loader's and the sampler's times are its model load and its sampling speed.</summary>
    public const string LoaderNode = "4";
    public const string SamplerNode = "3";

    public override string Name => CanaryName;

    public override TimeSpan? Interval => options.Interval;

    public override TimeSpan? Timeout => options.Timeout;

    public SamplerCanaryOptions Options => options;

    public override async Task<CanaryPlan> PrepareAsync(CanaryContext context, CancellationToken cancellationToken)
    {
        var queue = await context.Client.GetQueueAsync(cancellationToken);
        if (!queue.IsSuccess)
        {
            throw new CanaryFailedException(FailureReasons.From(queue.Error), $"GET /queue: {queue.Error}");
        }

        if (queue.Value.Running.Count + queue.Value.Pending.Count > 0)
        {
            throw new CanaryNotRunException(CanaryRun.DeferredResult, CanaryRun.BusyReason,
                $"deferred: {queue.Value.Running.Count} running and {queue.Value.Pending.Count} pending; the sampler canary runs only on an idle instance");
        }

        var available = await CheckpointsAsync(context.Client, cancellationToken);
        var checkpoint = options.Checkpoints.FirstOrDefault(c => available.Contains(c, StringComparer.Ordinal))
            ?? throw new CanaryNotRunException(CanaryRun.SkippedResult, NoCheckpointReason,
                $"the instance has none of the checkpoints of Probe:Canaries:Sampler:Checkpoint ({options.Checkpoints.Count} configured, {available.Count} on the instance)");
        return new CanaryPlan(Graph(checkpoint, context.Options.Subfolder, context.Random.Next()), "9", Verify);
    }

    /// <summary>
    /// The graph the canary submits (also what the tests validate against a real server's /object_info). The negative
    /// prompt carries a fresh <paramref name="nonce"/>, so that ComfyUI's cache cannot answer: the text encoder, the
    /// sampler and the decoder run every time, while the checkpoint loader stays cached (its load shows only when the
    /// model had to be loaded again).
    /// </summary>
    public JsonObject Graph(string checkpoint, string subfolder, int nonce = 0) => new()
    {
        [LoaderNode] = Node("CheckpointLoaderSimple", new JsonObject { ["ckpt_name"] = checkpoint }),
        ["5"] = Node("EmptyLatentImage", new JsonObject { ["width"] = options.Width, ["height"] = options.Height, ["batch_size"] = 1 }),
        ["6"] = Node("CLIPTextEncode", new JsonObject { ["text"] = options.Prompt, ["clip"] = new JsonArray(LoaderNode, 1) }),
        ["7"] = Node("CLIPTextEncode", new JsonObject { ["text"] = $"blurry, canary {nonce}", ["clip"] = new JsonArray(LoaderNode, 1) }),
        [SamplerNode] = Node("KSampler", new JsonObject
        {
            ["seed"] = options.Seed,
            ["steps"] = options.Steps,
            ["cfg"] = options.Cfg,
            ["sampler_name"] = options.SamplerName,
            ["scheduler"] = options.Scheduler,
            ["denoise"] = 1.0,
            ["model"] = new JsonArray(LoaderNode, 0),
            ["positive"] = new JsonArray("6", 0),
            ["negative"] = new JsonArray("7", 0),
            ["latent_image"] = new JsonArray("5", 0),
        }),
        ["8"] = Node("VAEDecode", new JsonObject { ["samples"] = new JsonArray(SamplerNode, 0), ["vae"] = new JsonArray(LoaderNode, 2) }),
        ["9"] = Node("SaveImage", new JsonObject { ["filename_prefix"] = $"{subfolder}/sampler", ["images"] = new JsonArray("8", 0) }),
    };

    private string? Verify(RgbaImage image)
    {
        if (image.Width != options.Width || image.Height != options.Height)
        {
            return $"expected {options.Width}×{options.Height}, got {image.Width}×{image.Height}";
        }

        return Blankness.Of(image) is { } blank ? throw new CanaryFailedException(FailureReasons.BlankOutput, $"the output is blank: {blank}") : null;
    }

    /// <summary>The checkpoints the instance has: /models/checkpoints where that route exists, else the loader's choices in /object_info.</summary>
    private static async Task<IReadOnlyList<string>> CheckpointsAsync(ComfyClient client, CancellationToken cancellationToken)
    {
        var files = await client.GetModelFilesAsync("checkpoints", cancellationToken);
        if (files.IsSuccess)
        {
            return files.Value;
        }

        if (files.Error is not { Reason: ComfyErrorReason.HttpStatus, StatusCode: 404 })
        {
            throw new CanaryFailedException(FailureReasons.From(files.Error), $"GET /models/checkpoints: {files.Error}");
        }

        var info = await client.GetObjectInfoAsync("CheckpointLoaderSimple", cancellationToken);
        if (!info.IsSuccess)
        {
            throw new CanaryFailedException(FailureReasons.From(info.Error), $"GET /object_info/CheckpointLoaderSimple: {info.Error}");
        }

        return info.Value.TryGetValue("CheckpointLoaderSimple", out var node) ? Choices(node.Input, "ckpt_name") : [];
    }

    /// <summary>A combo input's choices: <c>[["a", "b"], {...}]</c> (V1) or <c>["COMBO", {"options": ["a", "b"]}]</c> (V3).</summary>
    private static List<string> Choices(JsonElement? input, string name)
    {
        if (input is not { ValueKind: JsonValueKind.Object } inputs || !inputs.TryGetProperty("required", out var required)
            || !required.TryGetProperty(name, out var spec) || spec.ValueKind != JsonValueKind.Array || spec.GetArrayLength() == 0)
        {
            return [];
        }

        var first = spec[0];
        var list = first.ValueKind == JsonValueKind.Array ? first
            : spec.GetArrayLength() > 1 && spec[1].ValueKind == JsonValueKind.Object && spec[1].TryGetProperty("options", out var o) ? o : default;
        return list.ValueKind == JsonValueKind.Array ? [.. list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)] : [];
    }

    private static JsonObject Node(string classType, JsonObject inputs) => new() { ["class_type"] = classType, ["inputs"] = inputs };
}
