using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Execution;
using ComfyMonitor.Simulator.Fleet;
using static ComfyMonitor.Simulator.Http.ComfyHttp;

namespace ComfyMonitor.Simulator.Http;

/// <summary>ComfyUI's routes, registered as themselves and under /api like the real server.</summary>
internal static partial class InstanceRoutes
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
