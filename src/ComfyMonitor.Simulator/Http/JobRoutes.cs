using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Fleet;
using static ComfyMonitor.Simulator.Http.ComfyHttp;

namespace ComfyMonitor.Simulator.Http;

/// <summary>
/// The jobs API of ComfyUI 0.6.0+ (registered as /api/jobs, so reachable at /api/jobs and /api/api/jobs but not /jobs):
/// a compact view of the queue and the history. Older versions answer 404 like any unknown route.
/// </summary>
internal static class JobRoutes
{
    private static readonly string[] Statuses = ["pending", "in_progress", "completed", "failed"];

    public static void MapJobs(RouteGroupBuilder group)
    {
        group.MapGet("/api/jobs", (HttpContext c) => Instance(c).IsAtLeast("0.6.0") ? List(Instance(c), c.Request.Query) : NotFoundText());
        group.MapGet("/api/jobs/{id}", (HttpContext c, string id) =>
        {
            if (!Instance(c).IsAtLeast("0.6.0"))
            {
                return NotFoundText();
            }

            var job = Instance(c).Jobs(id).FirstOrDefault(j => j.Id == id);
            return job is null ? Json(new JsonObject { ["error"] = "Job not found" }, 404) : Json(job.ToJson(detail: true));
        });
    }

    private static IResult List(SimulatedInstance instance, IQueryCollection query)
    {
        var jobs = instance.Jobs(null);
        if (query.TryGetValue("status", out var statusValue))
        {
            var wanted = statusValue.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var bad = wanted.Where(s => !Statuses.Contains(s)).ToList();
            if (bad.Count > 0)
            {
                return Error($"Invalid status value(s): {string.Join(", ", bad)}. Valid values: {string.Join(", ", Statuses)}");
            }

            jobs = jobs.Where(j => wanted.Contains(j.Status)).ToList();
        }

        if (query.TryGetValue("workflow_id", out var workflow))
        {
            jobs = jobs.Where(j => j.WorkflowId == workflow.ToString()).ToList();
        }

        var sortBy = query.TryGetValue("sort_by", out var s) ? s.ToString() : "created_at";
        var sortOrder = query.TryGetValue("sort_order", out var o) ? o.ToString() : "desc";
        if (sortBy is not ("created_at" or "execution_duration"))
        {
            return Error($"Invalid sort_by: {sortBy}. Valid values: created_at, execution_duration");
        }

        if (sortOrder is not ("asc" or "desc"))
        {
            return Error($"Invalid sort_order: {sortOrder}. Valid values: asc, desc");
        }

        int? limit = null;
        if (query.TryGetValue("limit", out var limitValue))
        {
            if (!int.TryParse(limitValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) || l <= 0)
            {
                return Error("limit must be a positive integer");
            }

            limit = l;
        }

        var offset = 0;
        if (query.TryGetValue("offset", out var offsetValue))
        {
            if (!int.TryParse(offsetValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out offset))
            {
                return Error("offset must be an integer");
            }

            offset = Math.Max(0, offset);
        }

        // "created_at" sorts by the create_time field.
        Func<Job, long> key = sortBy == "created_at" ? j => j.CreateTime ?? 0 : j => (j.EndTime ?? 0) - (j.StartTime ?? 0);
        var sorted = (sortOrder == "asc" ? jobs.OrderBy(key) : jobs.OrderByDescending(key)).ToList();
        var page = sorted.Skip(offset).Take(limit ?? int.MaxValue).ToList();
        return Json(new JsonObject
        {
            ["jobs"] = new JsonArray(page.Select(j => (JsonNode)j.ToJson(detail: false)).ToArray()),
            ["pagination"] = new JsonObject
            {
                ["offset"] = offset,
                ["limit"] = limit,
                ["total"] = sorted.Count,
                ["has_more"] = offset + page.Count < sorted.Count,
            },
        });
    }

    private static IResult Error(string message) => Json(new JsonObject { ["error"] = message }, 400);
}

/// <summary>One job of the jobs API, from a queue item or a history entry.</summary>
internal sealed record Job(string Id, string Status, QueuedPrompt Prompt, HistoryRecord? History)
{
    public long? CreateTime => Prompt.ExtraData["create_time"] is JsonValue v && v.TryGetValue<long>(out var t) ? t : null;

    public long? StartTime => Timestamp("execution_start");

    public long? EndTime => History?.Messages.OfType<JsonArray>().LastOrDefault(m => (string?)m[0] is "execution_success" or "execution_error" or "execution_interrupted")?[1]?["timestamp"] is JsonValue v
        && v.TryGetValue<long>(out var t) ? t : null;

    public string? WorkflowId => Prompt.ExtraData["extra_pnginfo"]?["workflow"]?["id"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public JsonObject ToJson(bool detail)
    {
        var outputs = History?.Outputs ?? [];
        var items = outputs.SelectMany(node => (node.Value as JsonObject ?? []).Where(m => m.Value is JsonArray)
            .SelectMany(media => ((JsonArray)media.Value!).OfType<JsonObject>().Select(item => (Node: node.Key, Media: media.Key, Item: item)))).ToList();
        var job = new JsonObject
        {
            ["id"] = Id,
            ["status"] = Status,
            ["priority"] = Prompt.ToJson()[0]!.DeepClone(),
            ["create_time"] = CreateTime,
            ["execution_start_time"] = StartTime,
            ["execution_end_time"] = EndTime,
            ["execution_error"] = History?.Messages.OfType<JsonArray>().LastOrDefault(m => (string?)m[0] == "execution_error")?[1]?.DeepClone(),
            ["outputs_count"] = items.Count,
            ["preview_output"] = items.Count == 0 ? null : WithPreviewKeys(items[0]),
            ["workflow_id"] = WorkflowId,
        };
        foreach (var key in job.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            job.Remove(key);
        }

        if (detail && History is { } history)
        {
            var full = history.ToJson();
            job["outputs"] = full["outputs"]!.DeepClone();
            job["execution_status"] = full["status"]!.DeepClone();
            job["workflow"] = new JsonObject { ["prompt"] = Prompt.Prompt.DeepClone(), ["extra_data"] = Prompt.ExtraData.DeepClone() };
        }

        return job;
    }

    private static JsonObject WithPreviewKeys((string Node, string Media, JsonObject Item) first)
    {
        var preview = (JsonObject)first.Item.DeepClone();
        preview["nodeId"] = first.Node;
        preview["mediaType"] = first.Media;
        return preview;
    }

    private long? Timestamp(string message) =>
        History?.Messages.OfType<JsonArray>().FirstOrDefault(m => (string?)m[0] == message)?[1]?["timestamp"] is JsonValue v && v.TryGetValue<long>(out var t) ? t : null;
}
