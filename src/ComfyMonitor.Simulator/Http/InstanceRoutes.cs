using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Execution;
using ComfyMonitor.Simulator.Fleet;
using static ComfyMonitor.Simulator.Http.ComfyHttp;

namespace ComfyMonitor.Simulator.Http;

/// <summary>ComfyUI's routes, registered as themselves and under /api like the real server.</summary>
internal static class InstanceRoutes
{
    public static void MapComfyRoutes(this IEndpointRouteBuilder app)
    {
        Map(app.MapGroup(""));
        Map(app.MapGroup("/api"));
    }

    private static void Map(RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) => HasInstance(context.HttpContext) ? await next(context) : Results.NotFound());

        group.MapGet("/system_stats", (HttpContext c) => Json(Instance(c).SystemStats()));
        group.MapGet("/prompt", (HttpContext c) => Json(new JsonObject { ["exec_info"] = new JsonObject { ["queue_remaining"] = Instance(c).QueueRemaining } }));
        group.MapPost("/prompt", (Delegate)SubmitAsync);
        group.MapGet("/queue", (HttpContext c) => Json(Instance(c).QueueJson()));
        group.MapPost("/queue", async (HttpContext c) =>
        {
            if (await ReadObjectAsync(c.Request) is not { } body)
            {
                return ServerError();
            }

            await Instance(c).DeletePendingAsync(Ids(body), body["clear"] is JsonValue v && v.TryGetValue<bool>(out var clear) && clear);
            return Empty();
        });
        group.MapGet("/history", (HttpContext c) =>
        {
            var maxItems = IntQuery(c.Request, "max_items", out var badMax);
            var offset = IntQuery(c.Request, "offset", out var badOffset);
            return badMax || badOffset ? ServerError() : Json(Instance(c).HistoryJson(maxItems, offset));
        });
        group.MapGet("/history/{promptId}", (HttpContext c, string promptId) => Json(Instance(c).HistoryEntryJson(promptId)));
        group.MapPost("/history", async (HttpContext c) =>
        {
            if (await ReadObjectAsync(c.Request) is not { } body)
            {
                return ServerError();
            }

            Instance(c).DeleteHistory(Ids(body), body["clear"] is JsonValue v && v.TryGetValue<bool>(out var clear) && clear);
            return Empty();
        });
        group.MapGet("/extensions", (HttpContext c) => Json(new JsonArray(Instance(c).Extensions.Select(e => (JsonNode)e).ToArray())));
        group.MapGet("/object_info", () => Json(new JsonObject(NodeCatalog.Nodes.Select(n => KeyValuePair.Create(n.Key, (JsonNode?)NodeCatalog.ToObjectInfo(n.Value))))));
        group.MapGet("/object_info/{nodeClass}", (string nodeClass) =>
            Json(NodeCatalog.Find(nodeClass) is { } spec ? new JsonObject { [nodeClass] = NodeCatalog.ToObjectInfo(spec) } : new JsonObject()));
        group.MapPost("/upload/image", (Delegate)UploadImageAsync);
        group.MapPost("/upload/mask", (Delegate)UploadMaskAsync);
        group.MapGet("/view", View);
        group.MapPost("/interrupt", async (HttpContext c) =>
        {
            var body = c.Request.ContentLength is > 0 || c.Request.Headers.TransferEncoding.Count > 0 ? await ReadObjectAsync(c.Request) : null;
            Instance(c).Interrupt(body?["prompt_id"]?.ToString());
            return Empty();
        });
        group.MapGet("/interrupt", () => Results.NotFound());
        group.MapPost("/free", async (HttpContext c) => await ReadObjectAsync(c.Request) is null ? ServerError() : Empty());
        group.MapGet("/features", () => Json(new JsonObject
        {
            ["supports_preview_metadata"] = true,
            ["max_upload_size"] = JsonNode.Parse("104857600.0"),
            ["extension"] = new JsonObject { ["manager"] = new JsonObject { ["supports_v4"] = true } },
        }));
        group.MapGet("/embeddings", () => Json(new JsonArray()));
        group.MapGet("/ws", WebSocketAsync);
    }

    private static IEnumerable<string>? Ids(JsonObject body) =>
        body["delete"] is JsonArray ids ? ids.Select(i => i?.ToString() ?? "") : null;

    private static async Task<IResult> SubmitAsync(HttpContext c)
    {
        if (await ReadObjectAsync(c.Request) is not { } body)
        {
            return ServerError();
        }

        try
        {
            var (status, response) = await Instance(c).SubmitAsync(body);
            return Json(response, status);
        }
        catch (InvalidOperationException)
        {
            return ServerError();
        }
    }

    private static async Task<IResult> UploadImageAsync(HttpContext c)
    {
        var (form, file) = await ReadUploadAsync(c);
        if (form is null)
        {
            return ServerError();
        }

        if (file is null)
        {
            return form.ContainsKey("image") ? ServerError() : Results.BadRequest();
        }

        var content = await ReadAllAsync(file);
        var type = form["type"].ToString() is { Length: > 0 } t ? t : "input";
        var subfolder = form["subfolder"].ToString();
        var overwrite = form["overwrite"].ToString() is "true" or "1";
        var (name, status) = Instance(c).Files.Upload(content, file.FileName, subfolder, type, overwrite);
        return name is null ? Results.StatusCode(status) : Json(new JsonObject { ["name"] = name, ["subfolder"] = subfolder, ["type"] = type });
    }

    /// <summary>The original's RGB with the uploaded mask's alpha; nothing is written when the original is missing.</summary>
    private static async Task<IResult> UploadMaskAsync(HttpContext c)
    {
        var (form, file) = await ReadUploadAsync(c);
        if (form is null)
        {
            return ServerError();
        }

        if (file is null)
        {
            return form.ContainsKey("image") ? ServerError() : Results.BadRequest();
        }

        JsonObject? original;
        try
        {
            original = JsonNode.Parse(form["original_ref"].ToString()) as JsonObject;
        }
        catch (JsonException)
        {
            original = null;
        }

        if (original?["filename"]?.ToString() is not { } originalName)
        {
            return ServerError();
        }

        var instance = Instance(c);
        var type = form["type"].ToString() is { Length: > 0 } t ? t : "input";
        var subfolder = form["subfolder"].ToString();
        var overwrite = form["overwrite"].ToString() is "true" or "1";
        var maskBytes = await ReadAllAsync(file);
        var (name, refType) = FileStore.Annotated(originalName, original["type"]?.ToString() ?? "output");
        var originalPath = !name.StartsWith('/') && !name.Contains("..") && FileStore.Types.Contains(refType)
            ? FileStore.Contained(instance.Files.Folder(refType), Path.Combine(original["subfolder"]?.ToString() ?? "", name))
            : null;

        byte[] merged;
        try
        {
            if (originalPath is null || !File.Exists(originalPath))
            {
                return Json(new JsonObject { ["name"] = file.FileName, ["subfolder"] = subfolder, ["type"] = type });
            }

            var image = ComfyApi.Imaging.Png.Decode(await File.ReadAllBytesAsync(originalPath));
            var mask = ComfyApi.Imaging.Png.Decode(maskBytes);
            var result = new ComfyApi.Imaging.RgbaImage(image.Width, image.Height);
            for (var y = 0; y < image.Height; y++)
            {
                for (var x = 0; x < image.Width; x++)
                {
                    var (r, g, b, _) = image[x, y];
                    var alpha = x < mask.Width && y < mask.Height ? mask[x, y].A : (byte)255;
                    result[x, y] = (r, g, b, alpha);
                }
            }

            merged = ComfyApi.Imaging.Png.Encode(result);
        }
        catch (InvalidDataException)
        {
            return ServerError();
        }

        // The duplicate check compares the uploaded mask bytes, then the merged image is written.
        var (written, status) = instance.Files.Upload(maskBytes, file.FileName, subfolder, type, overwrite);
        if (written is null)
        {
            return Results.StatusCode(status);
        }

        await File.WriteAllBytesAsync(Path.Combine(instance.Files.Folder(type), subfolder, written), merged);
        return Json(new JsonObject { ["name"] = written, ["subfolder"] = subfolder, ["type"] = type });
    }

    private static IResult View(HttpContext c)
    {
        var q = c.Request.Query;
        var (path, status) = Instance(c).Files.ResolveView(
            q.ContainsKey("filename") ? q["filename"].ToString() : null,
            q["subfolder"].ToString(),
            q.ContainsKey("type") ? q["type"].ToString() : null);
        if (path is null)
        {
            return Results.StatusCode(status);
        }

        var contentType = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".webp" => "image/webp",
            _ => "application/octet-stream",
        };
        c.Response.Headers.ContentDisposition = $"filename=\"{Path.GetFileName(path)}\"";
        return Results.File(path, contentType, enableRangeProcessing: true);
    }

    private static async Task WebSocketAsync(HttpContext c)
    {
        if (!c.WebSockets.IsWebSocketRequest)
        {
            c.Response.StatusCode = 400;
            return;
        }

        var instance = Instance(c);
        var clientId = c.Request.Query["clientId"].ToString() is { Length: > 0 } id ? id : Guid.NewGuid().ToString("N");
        using var socket = await c.WebSockets.AcceptWebSocketAsync();
        await instance.Hub.RunAsync(
            socket,
            clientId,
            instance.StatusFrame(clientId),
            () => new JsonObject
            {
                ["supports_preview_metadata"] = true,
                ["max_upload_size"] = JsonNode.Parse("104857600.0"),
                ["extension"] = new JsonObject { ["manager"] = new JsonObject { ["supports_v4"] = true } },
            },
            c.RequestAborted);
    }

    private static async Task<(IFormCollection? Form, IFormFile? File)> ReadUploadAsync(HttpContext c)
    {
        if (!c.Request.HasFormContentType)
        {
            return (null, null);
        }

        try
        {
            var form = await c.Request.ReadFormAsync(c.RequestAborted);
            return (form, form.Files.GetFile("image"));
        }
        catch (InvalidDataException)
        {
            return (null, null);
        }
    }

    private static async Task<byte[]> ReadAllAsync(IFormFile file)
    {
        using var stream = new MemoryStream();
        await file.CopyToAsync(stream);
        return stream.ToArray();
    }
}
