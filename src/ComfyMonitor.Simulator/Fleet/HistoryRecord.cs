using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>A finished prompt as /history shows it.</summary>
public sealed class HistoryRecord
{
    public required QueuedPrompt Prompt { get; init; }

    public required JsonObject Outputs { get; init; }

    public required string StatusStr { get; init; }

    public required bool Completed { get; init; }

    public required JsonArray Messages { get; init; }

    public required JsonObject Meta { get; init; }

    public JsonObject ToJson() => new()
    {
        ["prompt"] = Prompt.ToJson(),
        ["outputs"] = Outputs.DeepClone(),
        ["status"] = new JsonObject
        {
            ["status_str"] = StatusStr,
            ["completed"] = Completed,
            ["messages"] = Messages.DeepClone(),
        },
        ["meta"] = Meta.DeepClone(),
    };
}
