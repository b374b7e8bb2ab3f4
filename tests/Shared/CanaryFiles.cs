using System.Text.Json.Nodes;

namespace ComfyMonitor.Testing;

/// <summary>The canary workflows and assets of the ComfyUI reference.</summary>
internal static class CanaryFiles
{
    public static JsonObject Graph(string name) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Canary, name)))!;

    public static JsonObject EmptyImageSave => Graph("canary_a_empty_image_save.json");

    /// <summary>Canary A with its EmptyImage colour set, so that ComfyUI's cache cannot answer it.</summary>
    public static JsonObject EmptyImageSaveWithColour(int color)
    {
        var graph = EmptyImageSave;
        graph["1"]!["inputs"]!["color"] = color;
        return graph;
    }

    public static JsonObject LoadImageInvertPreview => Graph("canary_b_loadimage_invert_preview.json");

    public static JsonObject ImageMaskComposite => Graph("canary_c_image_mask_composite.json");

    public static byte[] ProbeImage => File.ReadAllBytes(Path.Combine(TestPaths.Canary, "assets", "canary_probe_64.png"));

    public static byte[] MaskImage => File.ReadAllBytes(Path.Combine(TestPaths.Canary, "assets", "canary_mask_64.png"));
}
