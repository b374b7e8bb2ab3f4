using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Fleet;
using static ComfyMonitor.Simulator.Http.ComfyHttp;

namespace ComfyMonitor.Simulator.Http;

/// <summary>The control API on the control port: list instances, switch scenarios, restart, set extensions or version.</summary>
internal static class ControlRoutes
{
    public static void MapControlRoutes(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/instances");
        group.AddEndpointFilter(async (context, next) =>
        {
            var fleet = context.HttpContext.RequestServices.GetRequiredService<SimulatedFleet>();
            return context.HttpContext.Connection.LocalPort == fleet.Options.ControlPort ? await next(context) : Results.NotFound();
        });

        group.MapGet("", (SimulatedFleet fleet) => Json(new JsonArray(fleet.Instances.Select(i => (JsonNode)new JsonObject
        {
            ["index"] = i.Index,
            ["port"] = i.Port,
            ["scenario"] = i.Scenario,
            ["gpu"] = i.Gpu.Flavour,
            ["comfyui_version"] = i.ComfyVersion,
            ["queue_remaining"] = i.QueueRemaining,
            ["history"] = i.HistoryCount,
            ["restarts"] = i.Restarts,
        }).ToArray())));

        group.MapPost("/{index}/scenario/{name}", (SimulatedFleet fleet, string index, string name) =>
            Apply(fleet, index, i =>
            {
                if (!Scenarios.IsKnown(name))
                {
                    return Results.BadRequest(new { error = $"unknown scenario '{name}'", scenarios = Scenarios.All });
                }

                fleet.SetScenario(i, name);
                return null;
            }));

        // Answers each restarted instance's count of restarts: [{"index": 3, "restarts": 2}].
        group.MapPost("/{index}/restart", (SimulatedFleet fleet, string index) =>
        {
            var restarted = new JsonArray();
            var result = Apply(fleet, index, i =>
            {
                i.Restart();
                restarted.Add(new JsonObject { ["index"] = i.Index, ["restarts"] = i.Restarts });
                return null;
            });
            return result is Microsoft.AspNetCore.Http.HttpResults.NoContent ? Json(restarted) : result;
        });

        group.MapPut("/{index}/extensions", async (SimulatedFleet fleet, string index, HttpRequest request) =>
        {
            var list = await JsonNode.ParseAsync(request.Body) as JsonArray;
            return list is null
                ? Results.BadRequest(new { error = "expected a JSON array of strings" })
                : Apply(fleet, index, i =>
                {
                    i.Extensions = list.Select(e => e?.ToString() ?? "").ToList();
                    return null;
                });
        });

        group.MapPut("/{index}/models/{folder}", async (SimulatedFleet fleet, string index, string folder, HttpRequest request) =>
        {
            if (!Execution.NodeCatalog.ModelFolders.Contains(folder))
            {
                return Results.BadRequest(new { error = $"'{folder}' is not a model folder", folders = Execution.NodeCatalog.ModelFolders });
            }

            JsonArray? list;
            try
            {
                list = await JsonNode.ParseAsync(request.Body) as JsonArray;
            }
            catch (System.Text.Json.JsonException)
            {
                list = null;
            }

            if (list is null || list.Any(e => e is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String))
            {
                return Results.BadRequest(new { error = "expected a JSON array of file names" });
            }

            var files = list.Select(e => e!.GetValue<string>()).ToList();
            return Apply(fleet, index, i =>
            {
                i.SetModelFiles(folder, files);
                return null;
            });
        });

        group.MapPut("/{index}/version/{version}", (SimulatedFleet fleet, string index, string version) => Apply(fleet, index, i =>
        {
            i.ComfyVersion = version;
            return null;
        }));
    }

    /// <summary>Runs <paramref name="action"/> on one instance or on "all": 204, or 404 for an unknown index.</summary>
    private static IResult Apply(SimulatedFleet fleet, string index, Func<SimulatedInstance, IResult?> action)
    {
        IEnumerable<SimulatedInstance> targets;
        if (index == "all")
        {
            targets = fleet.Instances;
        }
        else if (int.TryParse(index, out var i) && i >= 0 && i < fleet.Instances.Count)
        {
            targets = [fleet.Instances[i]];
        }
        else
        {
            return Results.NotFound(new { error = $"no instance '{index}'" });
        }

        foreach (var target in targets)
        {
            if (action(target) is { } failure)
            {
                return failure;
            }
        }

        return Results.NoContent();
    }
}
