using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Execution;

/// <summary>The node classes every simulated instance has installed; anything else "does not exist".</summary>
public static class NodeCatalog
{
    private const long Gib = 1L << 30;

    private static readonly InputSpec[] Size =
    [
        new("width", "INT", Min: 1, Max: 16384, Default: 512),
        new("height", "INT", Min: 1, Max: 16384, Default: 512),
        new("batch_size", "INT", Min: 1, Max: 4096, Default: 1),
    ];

    public static readonly IReadOnlyDictionary<string, NodeSpec> Nodes = new[]
    {
        new NodeSpec("EmptyImage", [.. Size, new("color", "INT", Min: 0, Max: 0xFFFFFF, Default: 0)], ["IMAGE"]),
        new NodeSpec("LoadImage", [new("image", "COMBO")], ["IMAGE", "MASK"]),
        new NodeSpec("LoadImageMask", [new("image", "COMBO"), new("channel", "COMBO", Options: ["alpha", "red", "green", "blue"])], ["MASK"], Category: "mask"),
        new NodeSpec("ImageInvert", [new("image", "IMAGE")], ["IMAGE"]),
        new NodeSpec(
            "ImageCompositeMasked",
            [
                new("destination", "IMAGE"), new("source", "IMAGE"),
                new("x", "INT", Min: 0, Max: 16384, Default: 0), new("y", "INT", Min: 0, Max: 16384, Default: 0),
                new("resize_source", "BOOLEAN"), new("mask", "MASK", Required: false),
            ],
            ["IMAGE"],
            PythonModule: "comfy_extras.nodes_mask"),
        new NodeSpec("MaskToImage", [new("mask", "MASK")], ["IMAGE"], PythonModule: "comfy_extras.nodes_mask", Category: "mask"),
        new NodeSpec("SaveImage", [new("images", "IMAGE"), new("filename_prefix", "STRING", Required: false)], [], IsOutput: true),
        new NodeSpec("PreviewImage", [new("images", "IMAGE")], [], IsOutput: true),
        Model("CheckpointLoaderSimple", ["MODEL", "CLIP", "VAE"], 2 * Gib, "loaders"),
        Model("CLIPTextEncode", ["CONDITIONING"], 0, "conditioning"),
        Model("CLIPSetLastLayer", ["CLIP"], 0, "conditioning"),
        Model("EmptyLatentImage", ["LATENT"], 0, "latent"),
        Model("KSampler", ["LATENT"], Gib + (Gib / 2), "sampling"),
        Model("KSamplerAdvanced", ["LATENT"], Gib + (Gib / 2), "sampling"),
        Model("VAEDecode", ["IMAGE"], Gib / 2, "latent"),
        Model("VAEEncode", ["LATENT"], Gib / 2, "latent"),
        Model("LoraLoader", ["MODEL", "CLIP"], Gib / 4, "loaders"),
        Model("ControlNetLoader", ["CONTROL_NET"], Gib, "loaders"),
        Model("ControlNetApply", ["CONDITIONING"], 0, "conditioning"),
        Model("UpscaleModelLoader", ["UPSCALE_MODEL"], Gib / 4, "loaders"),
        Model("ImageUpscaleWithModel", ["IMAGE"], Gib / 2, "image/upscaling"),
        Model("LatentUpscale", ["LATENT"], 0, "latent"),
        Model("ImageScale", ["IMAGE"], 0, "image/upscaling"),
    }.ToDictionary(n => n.ClassType);

    public static NodeSpec? Find(string classType) => Nodes.GetValueOrDefault(classType);

    /// <summary>/object_info's NodeInfo for one class (V1 shape).</summary>
    public static JsonObject ToObjectInfo(NodeSpec spec)
    {
        var required = new JsonObject();
        var optional = new JsonObject();
        foreach (var input in spec.Inputs)
        {
            JsonNode typeNode = input.Options is { } options ? new JsonArray(options.Select(o => (JsonNode)o).ToArray()) : input.Type == "COMBO" ? new JsonArray() : input.Type;
            var opts = new JsonObject();
            if (input.Default is { } d)
            {
                opts["default"] = d;
            }

            if (input.Min is { } min)
            {
                opts["min"] = min;
            }

            if (input.Max is { } max)
            {
                opts["max"] = max;
            }

            (input.Required ? required : optional)[input.Name] = new JsonArray(typeNode, opts);
        }

        var input_ = new JsonObject { ["required"] = required };
        if (optional.Count > 0)
        {
            input_["optional"] = optional;
        }

        return new JsonObject
        {
            ["input"] = input_,
            ["input_order"] = new JsonObject { ["required"] = new JsonArray(spec.Inputs.Where(i => i.Required).Select(i => (JsonNode)i.Name).ToArray()) },
            ["output"] = new JsonArray(spec.Outputs.Select(o => (JsonNode)o).ToArray()),
            ["output_is_list"] = new JsonArray(spec.Outputs.Select(_ => (JsonNode)false).ToArray()),
            ["output_name"] = new JsonArray(spec.Outputs.Select(o => (JsonNode)o).ToArray()),
            ["name"] = spec.ClassType,
            ["display_name"] = spec.ClassType,
            ["description"] = "",
            ["python_module"] = spec.PythonModule,
            ["category"] = spec.Category,
            ["output_node"] = spec.IsOutput,
        };
    }

    private static NodeSpec Model(string classType, string[] outputs, long vram, string category) =>
        new(classType, [], outputs, IsModelNode: true, Category: category, VramBytes: vram);
}
