using System.Text.Json.Nodes;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>History entries as ComfyUI 0.8 writes them, and /history bodies with the server's max_items rule (the newest N).</summary>
internal static class HistoryJson
{
    public static JsonObject Entry(string id, long startMs, string? nodeType = null, string? exceptionType = null, string? message = null)
    {
        var failed = nodeType is not null;
        var messages = new JsonArray(new JsonArray("execution_start", new JsonObject { ["prompt_id"] = id, ["timestamp"] = startMs }));
        messages.Add(failed
            ? new JsonArray("execution_error", new JsonObject
            {
                ["prompt_id"] = id, ["node_id"] = "1", ["node_type"] = nodeType, ["executed"] = new JsonArray(),
                ["exception_message"] = message, ["exception_type"] = exceptionType, ["traceback"] = new JsonArray(message),
                ["current_inputs"] = new JsonObject(), ["current_outputs"] = new JsonArray(), ["timestamp"] = startMs + 40,
            })
            : new JsonArray("execution_success", new JsonObject { ["prompt_id"] = id, ["timestamp"] = startMs + 40 }));
        return new JsonObject
        {
            ["prompt"] = new JsonArray(0, id, new JsonObject { ["1"] = new JsonObject { ["class_type"] = nodeType ?? "EmptyImage", ["inputs"] = new JsonObject() } },
                new JsonObject { ["client_id"] = "user", ["create_time"] = startMs - 10 }, new JsonArray("1")),
            ["outputs"] = new JsonObject(),
            ["status"] = new JsonObject { ["status_str"] = failed ? "error" : "success", ["completed"] = !failed, ["messages"] = messages },
            ["meta"] = new JsonObject(),
        };
    }

    /// <summary>A /history body of the newest <paramref name="maxItems"/> of <paramref name="entries"/> (oldest first); keys may repeat.</summary>
    public static string Page(IReadOnlyList<(string Id, JsonObject Entry)> entries, int? maxItems)
    {
        var skip = maxItems is { } n ? Math.Max(0, entries.Count - n) : 0;
        return "{" + string.Join(",", entries.Skip(skip).Select(e => $"{JsonValue.Create(e.Id).ToJsonString()}:{e.Entry.ToJsonString()}")) + "}";
    }

    public static int? MaxItems(Microsoft.AspNetCore.Http.HttpContext context) =>
        int.TryParse(context.Request.Query["max_items"], out var n) ? n : null;
}
