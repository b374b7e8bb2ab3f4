using System.Text;
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
        app.MapGet("/", (HttpContext c) =>
        {
            if (!HasInstance(c))
            {
                return Results.NotFound();
            }

            c.Response.Headers.CacheControl = "no-cache";
            return Results.Text("<!doctype html><html><head><title>ComfyUI (simulated)</title></head><body>ComfyMonitor's ComfyUI simulator: no frontend.</body></html>\n", "text/html", Encoding.UTF8);
        });
        app.MapFallback((HttpContext c) => HasInstance(c) ? NotFoundText() : Results.NotFound());
    }

    /// <summary>
    /// The server's origin check (create_origin_only_middleware): a request whose Origin names another host than Host
    /// is refused with an empty 403, and OPTIONS is answered with an empty 200 before any route.
    /// </summary>
    public static async Task OriginCheckAsync(HttpContext c, Func<Task> next)
    {
        if (HasInstance(c) && c.Request.Headers.Origin.ToString() is { Length: > 0 } origin && c.Request.Headers.Host.ToString() is { Length: > 0 } host)
        {
            // Compared as "host:port" unless one side has no port, then by host name only.
            var (hostName, hostPort) = SplitAuthority(host.ToLowerInvariant());
            var netloc = origin.ToLowerInvariant();
            netloc = netloc.Contains("://", StringComparison.Ordinal) ? netloc[(netloc.IndexOf("://", StringComparison.Ordinal) + 3)..] : "";
            netloc = netloc.Split('/')[0];
            var (originName, originPort) = SplitAuthority(netloc);
            var hostDomain = originPort is null ? hostName : host.ToLowerInvariant();
            var originDomain = hostPort is null ? originName : netloc;
            if (IsLoopback(hostName) && hostDomain.Length > 0 && originDomain.Length > 0 && hostDomain != originDomain)
            {
                await EmptyStatus(403).ExecuteAsync(c);
                return;
            }
        }

        if (HasInstance(c) && HttpMethods.IsOptions(c.Request.Method))
        {
            await Empty().ExecuteAsync(c);
            return;
        }

        await next();
    }

    private static (string Host, string? Port) SplitAuthority(string authority)
    {
        var at = authority.LastIndexOf('@');
        authority = authority[(at + 1)..];
        var colon = authority.LastIndexOf(':');
        return colon > authority.LastIndexOf(']') && colon >= 0 ? (authority[..colon], authority[(colon + 1)..]) : (authority, null);
    }

    private static bool IsLoopback(string host) =>
        host is "localhost" || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));

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

            Instance(c).DeletePending(Ids(body), body["clear"] is JsonValue v && v.TryGetValue<bool>(out var clear) && clear);
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
        group.MapGet("/object_info", (HttpContext c) =>
            Json(new JsonObject(NodeCatalog.Nodes.Keys.Select(n => KeyValuePair.Create(n, (JsonNode?)NodeCatalog.ObjectInfo(n, Instance(c).Choices))))));
        group.MapGet("/object_info/{nodeClass}", (HttpContext c, string nodeClass) =>
            Json(NodeCatalog.Find(nodeClass) is not null ? new JsonObject { [nodeClass] = NodeCatalog.ObjectInfo(nodeClass, Instance(c).Choices) } : new JsonObject()));
        group.MapPost("/upload/image", (Delegate)UploadImageAsync);
        group.MapPost("/upload/mask", (Delegate)UploadMaskAsync);
        group.MapGet("/view", View);
        group.MapPost("/interrupt", async (HttpContext c) =>
        {
            var body = c.Request.ContentLength is > 0 || c.Request.Headers.TransferEncoding.Count > 0 ? await ReadObjectAsync(c.Request) : null;
            Instance(c).Interrupt(body?["prompt_id"]?.ToString());
            return Empty();
        });
        group.MapGet("/interrupt", () => NotFoundText());
        group.MapPost("/free", async (HttpContext c) => await ReadObjectAsync(c.Request) is null ? ServerError() : Empty());
        group.MapGet("/features", (HttpContext c) => Json(Instance(c).FeatureFlags()));
        group.MapGet("/embeddings", () => Json(new JsonArray()));
        group.MapGet("/models", () => Json(new JsonArray(NodeCatalog.ModelFolders.Select(f => (JsonNode)f).ToArray())));
        group.MapGet("/models/{folder}", (HttpContext c, string folder) => NodeCatalog.ModelFolders.Contains(folder)
            ? Json(new JsonArray(Instance(c).ModelFiles(folder).Select(f => (JsonNode)f).ToArray()))
            : EmptyStatus(404));
        group.MapGet("/ws", WebSocketAsync);
        JobRoutes.MapJobs(group);
    }

    private static IEnumerable<string>? Ids(JsonObject body) =>
        body["delete"] is JsonArray ids ? ids.Select(i => i?.ToString() ?? "") : null;

    private static async Task<IResult> SubmitAsync(HttpContext c)
    {
        // Any JSON counts; one that is not an object has no "prompt" (no_prompt), except a bare number (a TypeError).
        var (parsed, valid) = await ReadJsonAsync(c.Request);
        if (!valid || (parsed is JsonValue v && v.GetValueKind() != JsonValueKind.String))
        {
            return ServerError();
        }

        var body = parsed as JsonObject ?? [];

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
        if (form is null || file is null)
        {
            // A body that is not a form reads as an empty form: no "image" part, 400. A text field named image fails later: 500.
            return form?.ContainsKey("image") == true ? ServerError() : EmptyStatus(400);
        }

        var content = await ReadAllAsync(file);
        var type = form["type"].ToString() is { Length: > 0 } t ? t : "input";
        var subfolder = form["subfolder"].ToString();
        var overwrite = form["overwrite"].ToString() is "true" or "1";
        var (name, status) = Instance(c).Files.Upload(content, file.FileName, subfolder, type, overwrite);
        return name is not null ? Json(new JsonObject { ["name"] = name, ["subfolder"] = subfolder, ["type"] = type })
            : status == 500 ? ServerError() : EmptyStatus(status);
    }

    /// <summary>The original's RGB with the uploaded mask's alpha; nothing is written when the original is missing.</summary>
    private static async Task<IResult> UploadMaskAsync(HttpContext c)
    {
        var (form, file) = await ReadUploadAsync(c);
        if (form is null || file is null)
        {
            return form?.ContainsKey("image") == true ? ServerError() : EmptyStatus(400);
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
            return status == 500 ? ServerError() : EmptyStatus(status);
        }

        await File.WriteAllBytesAsync(Path.Combine(instance.Files.Folder(type), subfolder, written), merged);
        return Json(new JsonObject { ["name"] = written, ["subfolder"] = subfolder, ["type"] = type });
    }

    /// <summary>
    /// GET /view as server.py's view_image: the file, or with preview=webp|jpeg[;quality] a re-encoded copy (webp for any
    /// other format or an alpha channel), or with channel=rgb|a a PNG of the colour or the alpha (on black).
    /// </summary>
    private static IResult View(HttpContext c)
    {
        var q = c.Request.Query;
        var (path, status) = Instance(c).Files.ResolveView(
            q.ContainsKey("filename") ? q["filename"].ToString() : null,
            q.ContainsKey("subfolder") ? q["subfolder"].ToString() : null,
            q.ContainsKey("type") ? q["type"].ToString() : null);
        if (path is null)
        {
            return EmptyStatus(status);
        }

        var fileName = Path.GetFileName(path);
        c.Response.Headers.ContentDisposition = $"filename=\"{fileName}\"";
        var channel = q.ContainsKey("channel") ? q["channel"].ToString() : "rgba";
        try
        {
            if (q.ContainsKey("preview"))
            {
                var preview = q["preview"].ToString().Split(';');
                var format = preview[0] is "webp" or "jpeg" && !q["channel"].ToString().Contains('a') ? preview[0] : "webp";
                var quality = preview[^1].Length > 0 && preview[^1].All(char.IsAsciiDigit) && int.TryParse(preview[^1], out var qv) ? qv : 90;
                return Results.Bytes(PreviewImage.Encode(File.ReadAllBytes(path), format, quality, dropAlpha: format == "jpeg" || channel == "rgb"), $"image/{format}");
            }

            if (channel is "rgb" or "a")
            {
                return Results.Bytes(PreviewImage.Channel(File.ReadAllBytes(path), channel), "image/png");
            }
        }
        catch (InvalidDataException)
        {
            return ServerError();
        }

        var contentType = PreviewImage.GuessType(fileName);
        return Results.File(path, contentType, enableRangeProcessing: true);
    }

    private static async Task WebSocketAsync(HttpContext c)
    {
        if (!c.WebSockets.IsWebSocketRequest)
        {
            // aiohttp's WebSocketResponse.prepare without an upgrade.
            await Results.Text("No WebSocket UPGRADE hdr: None\n Can \"Upgrade\" only to \"WebSocket\".", "text/plain; charset=utf-8", Encoding.UTF8, 400).ExecuteAsync(c);
            return;
        }

        var instance = Instance(c);
        var clientId = c.Request.Query["clientId"].ToString() is { Length: > 0 } id ? id : Guid.NewGuid().ToString("N");
        using var socket = await c.WebSockets.AcceptWebSocketAsync();
        if (c.RequestServices.GetRequiredService<SimulatedFleet>().Options.WebSocketRegistrationDelay is { } delay && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, c.RequestAborted);
        }

        // A socket that reconnects with the id of the client whose prompt runs is told the node that executes now.
        var (runningClient, node) = instance.LastNode;
        JsonObject[] greeting = runningClient == clientId && node is not null
            ? [instance.StatusFrame(clientId), new JsonObject { ["type"] = "executing", ["data"] = new JsonObject { ["node"] = node } }]
            : [instance.StatusFrame(clientId)];
        await instance.Hub.RunAsync(socket, clientId, greeting, instance.IsAtLeast("0.3.45") ? instance.FeatureFlags : () => null, c.RequestAborted);
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
