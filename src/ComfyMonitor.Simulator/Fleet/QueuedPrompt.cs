using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>A validated prompt in the queue: the server's 5-tuple plus what the worker needs.</summary>
public sealed class QueuedPrompt
{
    public required double Number { get; init; }

    public required string PromptId { get; init; }

    public required JsonObject Prompt { get; init; }

    public required JsonObject ExtraData { get; init; }

    public required IReadOnlyList<string> OutputsToExecute { get; init; }

    public string? ClientId => ExtraData["client_id"] is JsonValue id ? Execution.Py.Str(id) : null;

    /// <summary>The 5-element JSON array /queue and /history show.</summary>
    public JsonArray ToJson() =>
    [
        NumberJson(),
        PromptId,
        Prompt.DeepClone(),
        ExtraData.DeepClone(),
        new JsonArray(OutputsToExecute.Select(o => (JsonNode)o).ToArray()),
    ];

    private JsonNode NumberJson() =>
        IsFloat
            ? JsonNode.Parse(Number == Math.Floor(Number) && Math.Abs(Number) < 1e15 ? $"{Number:0.0}" : Number.ToString("R", System.Globalization.CultureInfo.InvariantCulture))!
            : JsonValue.Create((long)Number);

    /// <summary>A client-supplied number is converted to float by the server (shown as 5.0).</summary>
    public bool IsFloat { get; init; }
}
