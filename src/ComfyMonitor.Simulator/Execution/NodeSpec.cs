using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Execution;

/// <summary>
/// A node class of the catalogue, as /object_info describes it. The image nodes of the canaries run for real; every
/// other node runs for the simulated node time and yields stand-in values of its output types.
/// </summary>
public sealed record NodeSpec(
    string ClassType,
    IReadOnlyList<InputSpec> Inputs,
    IReadOnlyList<JsonNode?> Outputs,
    bool IsOutput,
    string Category,
    long VramBytes)
{
    /// <summary>Runs for real on pixels (EmptyImage, LoadImage, SaveImage, ...), not for a simulated time.</summary>
    public bool RunsForReal => NodeCatalog.ImageNodes.Contains(ClassType);

    /// <summary>Keeps a model loaded (and its VRAM) once it has run, like ComfyUI's model management.</summary>
    public bool LoadsModel => Category.StartsWith("loaders", StringComparison.Ordinal) && VramBytes > 0;

    public InputSpec? Input(string name) => Inputs.FirstOrDefault(i => i.Name == name);
}

/// <summary>One input of a node class: its category (required, optional), its type (a name such as INT or IMAGE, or the list of a combo) and its options.</summary>
public sealed record InputSpec(string Name, string Category, JsonNode Type, JsonObject Config)
{
    public bool Required => Category == "required";

    /// <summary>The type name (INT, FLOAT, STRING, BOOLEAN, IMAGE, COMBO, ...), or null for a V1 combo (a list of choices).</summary>
    public string? TypeName => Type is JsonValue v ? v.ToString() : null;

    /// <summary>What the server calls the input's info: [type, options].</summary>
    public JsonArray Info(JsonNode? type = null) => [(type ?? Type).DeepClone(), Config.DeepClone()];
}
