using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Execution;

/// <summary>
/// The core node classes of ComfyUI 0.3.64 (all 382, from the /object_info of a real server in CPU mode without models or
/// custom nodes, in Catalog/object_info-0.3.64.json): what /object_info serves and what prompts are validated against.
/// </summary>
public static class NodeCatalog
{
    private const long Gib = 1L << 30;

    /// <summary>The nodes that run on pixels for real, so canaries can verify their output.</summary>
    public static readonly IReadOnlySet<string> ImageNodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "EmptyImage", "LoadImage", "LoadImageMask", "ImageInvert", "ImageCompositeMasked", "MaskToImage", "SaveImage", "PreviewImage",
    };

    /// <summary>VRAM a model node holds: loaders keep theirs while loaded, the others only while they run.</summary>
    private static readonly Dictionary<string, long> Vram = new(StringComparer.Ordinal)
    {
        ["CheckpointLoaderSimple"] = 2 * Gib,
        ["CheckpointLoader"] = 2 * Gib,
        ["UNETLoader"] = 4 * Gib,
        ["LoraLoader"] = Gib / 4,
        ["LoraLoaderModelOnly"] = Gib / 4,
        ["ControlNetLoader"] = Gib,
        ["UpscaleModelLoader"] = Gib / 4,
        ["CLIPLoader"] = Gib,
        ["DualCLIPLoader"] = 2 * Gib,
        ["VAELoader"] = Gib / 4,
        ["KSampler"] = Gib + (Gib / 2),
        ["KSamplerAdvanced"] = Gib + (Gib / 2),
        ["SamplerCustom"] = Gib + (Gib / 2),
        ["VAEDecode"] = Gib / 2,
        ["VAEEncode"] = Gib / 2,
        ["ImageUpscaleWithModel"] = Gib / 2,
    };

    /// <summary>Which model folder fills a model-file combo (empty in the recorded catalogue), by input name.</summary>
    private static readonly Dictionary<string, string> ModelFolderOfInput = new(StringComparer.Ordinal)
    {
        ["ckpt_name"] = "checkpoints",
        ["config_name"] = "configs",
        ["lora_name"] = "loras",
        ["vae_name"] = "vae",
        ["clip_name"] = "text_encoders",
        ["clip_name1"] = "text_encoders",
        ["clip_name2"] = "text_encoders",
        ["clip_name3"] = "text_encoders",
        ["unet_name"] = "diffusion_models",
        ["control_net_name"] = "controlnet",
        ["style_model_name"] = "style_models",
        ["gligen_name"] = "gligen",
        ["model_path"] = "diffusers",
        ["hypernetwork_name"] = "hypernetworks",
        ["model_name"] = "upscale_models",
        ["name"] = "model_patches",
    };

    /// <summary>Nodes whose VALIDATE_INPUTS checks that a file named by one input exists (instead of the combo check).</summary>
    public static readonly IReadOnlyDictionary<string, (string Input, string Noun)> FileChecks = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["LoadImage"] = ("image", "image"),
        ["LoadImageMask"] = ("image", "image"),
        ["LoadImageOutput"] = ("image", "image"),
        ["LoadAudio"] = ("audio", "audio"),
        ["LoadLatent"] = ("latent", "latent"),
        ["LoadVideo"] = ("file", "video"),
    };

    /// <summary>The model folders of /models, in the server's order.</summary>
    public static readonly IReadOnlyList<string> ModelFolders =
    [
        "checkpoints", "configs", "loras", "vae", "text_encoders", "diffusion_models", "clip_vision", "style_models", "embeddings", "diffusers",
        "vae_approx", "controlnet", "gligen", "upscale_models", "custom_nodes", "hypernetworks", "photomaker", "classifiers", "model_patches", "audio_encoders",
    ];

    private static readonly JsonObject Raw = Load();

    public static readonly IReadOnlyDictionary<string, NodeSpec> Nodes = Raw.ToDictionary(n => n.Key, n => Parse(n.Key, (JsonObject)n.Value!), StringComparer.Ordinal);

    public static NodeSpec? Find(string classType) => Nodes.GetValueOrDefault(classType);

    /// <summary>The model folder a combo input lists, when it lists model files.</summary>
    public static string? ModelFolder(string classType, InputSpec input) =>
        input.Type is JsonArray { Count: 0 } && !FileChecks.ContainsKey(classType)
            ? classType == "CLIPVisionLoader" ? "clip_vision" : ModelFolderOfInput.GetValueOrDefault(input.Name)
            : null;

    /// <summary>
    /// /object_info's entry for a class: the recorded one, with the lists the server fills at request time (the files of
    /// input/ for LoadImage and LoadImageMask, model files for the loaders) taken from <paramref name="choices"/>.
    /// </summary>
    public static JsonObject ObjectInfo(string classType, Func<string, InputSpec, JsonArray?> choices)
    {
        var info = (JsonObject)Raw[classType]!.DeepClone();
        var spec = Nodes[classType];
        foreach (var input in spec.Inputs)
        {
            if (choices(classType, input) is { } list && info["input"]?[input.Category]?[input.Name] is JsonArray entry)
            {
                entry[0] = list;
            }
        }

        return info;
    }

    private static NodeSpec Parse(string classType, JsonObject info)
    {
        var inputs = new List<InputSpec>();
        foreach (var category in new[] { "required", "optional" })
        {
            foreach (var (name, value) in info["input"]?[category] as JsonObject ?? [])
            {
                if (value is JsonArray { Count: > 0 } array)
                {
                    inputs.Add(new InputSpec(name, category, array[0]!.DeepClone(), array.Count > 1 && array[1] is JsonObject config ? (JsonObject)config.DeepClone() : []));
                }
            }
        }

        var outputs = (info["output"] as JsonArray ?? []).Select(o => o?.DeepClone()).ToList();
        return new NodeSpec(
            classType,
            inputs,
            outputs,
            info["output_node"] is JsonValue output && output.TryGetValue<bool>(out var isOutput) && isOutput,
            info["category"]?.ToString() ?? "",
            Vram.GetValueOrDefault(classType));
    }

    private static JsonObject Load()
    {
        using var stream = typeof(NodeCatalog).Assembly.GetManifestResourceStream("ComfyMonitor.Simulator.Catalog.object_info-0.3.64.json")
            ?? throw new InvalidOperationException("the node catalogue is not embedded");
        return (JsonObject)JsonNode.Parse(stream)!;
    }
}
