using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Execution;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>
/// What the server says about itself: its version and the features that come with it, /system_stats (memory from the
/// <see cref="VramModel"/>), /extensions and the model folders its loaders offer.
/// </summary>
public sealed partial class SimulatedInstance
{
    public static readonly IReadOnlyList<string> DefaultExtensions =
    [
        "/extensions/core/clipspace.js",
        "/extensions/core/groupNode.js",
        "/extensions/core/widgetInputs.js",
        "/extensions/ComfyUI-Manager/comfyui-manager.js",
        "/extensions/comfyui-custom-scripts/js/autocompleter.js",
    ];

    /// <summary>The model files a server with models would list, by folder (names of common public models).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> SimulatedModels = new Dictionary<string, string[]>
    {
        ["checkpoints"] = ["sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly-fp16.safetensors"],
        ["loras"] = ["add-detail-xl.safetensors"],
        ["vae"] = ["sdxl_vae.safetensors"],
        ["text_encoders"] = ["clip_l.safetensors", "t5xxl_fp8_e4m3fn.safetensors"],
        ["diffusion_models"] = ["flux1-schnell.safetensors"],
        ["controlnet"] = ["control_v11p_sd15_canny.pth"],
        ["clip_vision"] = ["clip_vision_g.safetensors"],
        ["upscale_models"] = ["RealESRGAN_x4plus.pth"],
    };

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<string>> _modelFiles = new(StringComparer.Ordinal);

    /// <summary>The files of a model folder (sorted, like folder_paths.get_filename_list): as set through the control API, else the simulated ones.</summary>
    public IReadOnlyList<string> ModelFiles(string folder) =>
        _modelFiles.TryGetValue(folder, out var set) ? set
        : _options.ModelFiles && SimulatedModels.TryGetValue(folder, out var files) ? files : [];

    /// <summary>What a folder holds from now on (a model added or removed on this box): /models/{folder} and the loaders' lists follow.</summary>
    public void SetModelFiles(string folder, IEnumerable<string> files) =>
        _modelFiles[folder] = files.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The lists the server fills when asked: input files for LoadImage (images only) and LoadImageMask (all), model files for loaders.</summary>
    public JsonArray? Choices(string classType, InputSpec input)
    {
        if (classType is "LoadImage" or "LoadImageMask" && input.Name == "image")
        {
            return new JsonArray(Files.InputChoices(imagesOnly: classType == "LoadImage").Select(f => (JsonNode)f).ToArray());
        }

        return NodeCatalog.ModelFolder(classType, input) is { } folder ? new JsonArray(ModelFiles(folder).Select(f => (JsonNode)f).ToArray()) : null;
    }

    /// <summary>Whether the reported version has a feature that came in <paramref name="release"/> (see the version table of the API reference).</summary>
    public bool IsAtLeast(string release) => ParseVersion(ComfyVersion) >= ParseVersion(release);

    /// <summary>"0.3.64", "v0.2.2-87-g1234567" (git describe): the release numbers; unknown text counts as the newest.</summary>
    private static Version ParseVersion(string text)
    {
        var core = text.TrimStart('v').Split('-', '+')[0];
        return Version.TryParse(core.Count(c => c == '.') == 0 ? core + ".0" : core, out var v) ? v : new Version(int.MaxValue, 0);
    }

    /// <summary>/features and the WebSocket feature_flags reply of this version.</summary>
    public JsonObject FeatureFlags()
    {
        var flags = new JsonObject
        {
            ["supports_preview_metadata"] = true,
            ["max_upload_size"] = JsonNode.Parse("104857600.0"),
        };
        if (IsAtLeast("0.4.0"))
        {
            flags["extension"] = new JsonObject { ["manager"] = new JsonObject { ["supports_v4"] = true } };
        }

        return flags;
    }

    public JsonObject SystemStats()
    {
        var (ramFree, vramFree, torchTotal, torchFree) = Vram.Read(_scenario, Interlocked.Read(ref _scenarioChangedAt));
        var system = new JsonObject
        {
            ["os"] = IsAtLeast("0.4.0") ? "linux" : "posix",
            ["ram_total"] = GpuProfile.RamTotal,
            ["ram_free"] = ramFree,
            ["comfyui_version"] = ComfyVersion,
        };

        // Keys that came with later releases (the API reference's version table).
        if (IsAtLeast("0.3.46"))
        {
            system["required_frontend_version"] = "1.35.9";
        }

        if (IsAtLeast("0.3.61"))
        {
            system["installed_templates_version"] = "0.7.67";
            system["required_templates_version"] = "0.7.67";
        }

        system["python_version"] = "3.12.3 (main, Nov  6 2025, 13:44:16) [GCC 13.3.0]";
        system["pytorch_version"] = Gpu.PytorchVersion;
        system["embedded_python"] = false;
        system["argv"] = new JsonArray("main.py", "--listen", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new JsonObject
        {
            ["system"] = system,
            ["devices"] = new JsonArray(new JsonObject
            {
                ["name"] = Gpu.Name,
                ["type"] = Gpu.Type,
                ["index"] = Gpu.Index,
                ["vram_total"] = Gpu.VramTotal,
                ["vram_free"] = vramFree,
                ["torch_vram_total"] = torchTotal,
                ["torch_vram_free"] = torchFree,
            }),
        };
    }
}
