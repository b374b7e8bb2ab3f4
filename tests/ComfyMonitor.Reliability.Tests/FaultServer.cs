using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ComfyMonitor.Testing;
using Microsoft.AspNetCore.Http;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// One Kestrel server on many loopback ports, each port a ComfyUI server in a state a test chooses: working
/// (answers like ComfyUI 0.8.0 with an idle queue), or one of the faults in <see cref="Faults"/>.
/// </summary>
internal sealed class FaultServer : IAsyncDisposable
{
    private static readonly string SystemStats = File.ReadAllText(TestPaths.Example("system_stats_v0.8.0_linux_cuda.json"));
    private static readonly string Extensions = File.ReadAllText(TestPaths.Example("extensions_recent.json"));

    private readonly ConcurrentDictionary<int, string> _faults = new();
    private readonly ConcurrentDictionary<int, Func<HttpContext, Task>> _routes = new();
    private readonly WebApplication _app;

    private FaultServer(WebApplication app)
    {
        _app = app;
    }

    public IReadOnlyList<int> Ports { get; private set; } = [];

    /// <summary>Every fault a port can be switched to, by name.</summary>
    public static IReadOnlyDictionary<string, Func<HttpContext, Task>> Faults { get; } = new Dictionary<string, Func<HttpContext, Task>>
    {
        ["hang"] = context => Task.Delay(Timeout.Infinite, context.RequestAborted),
        ["trickle"] = Trickle,
        ["http-500"] = context => Write(context, "<html><body><h1>500 Internal Server Error</h1></body></html>", 500, "text/html"),
        ["http-502"] = context => Write(context, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", 502, "text/html"),
        ["http-404"] = context => Write(context, "404: Not Found", 404, "text/plain"),
        ["html"] = context => Write(context, "<!DOCTYPE html><html><body>Please log in</body></html>", 200, "text/html"),
        ["invalid-json"] = context => Write(context, "{\"system\": {\"os\": posix, }"),
        ["truncated-json"] = context => Write(context, "{\"system\": {\"os\": \"posix\", \"ram_total\": 6710886"),
        ["wrong-shape"] = context => Write(context, "[[1, 2, 3], {\"a\": []}]"),
        // Every field any endpoint reads, null or of the wrong type.
        ["nulls"] = context => Write(context, """
            {"system": null, "devices": null, "queue_running": null, "queue_pending": null, "prompt_id": null, "number": null,
             "node_errors": null, "name": null, "subfolder": null, "type": null, "error": null}
            """),
        ["wrong-types"] = context => Write(context, """
            {"system": "linux", "devices": 3, "queue_running": {"a": 1}, "queue_pending": "many", "prompt_id": [1],
             "number": "one", "node_errors": 5, "name": {}, "subfolder": [], "type": 7, "error": [true]}
            """),
        ["huge"] = Huge,
    };

    public static async Task<FaultServer> StartAsync(int ports)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxResponseBufferSize = 64 * 1024;
            for (var i = 0; i < ports; i++)
            {
                k.Listen(System.Net.IPAddress.Loopback, 0);
            }
        });
        var app = builder.Build();
        var server = new FaultServer(app);
        app.Run(server.AnswerAsync);
        await app.StartAsync();
        server.Ports = FreePorts.Bound(app);
        return server;
    }

    public Uri Url(int index) => new($"http://127.0.0.1:{Ports[index]}/");

    /// <summary>Switches a port to a fault of <see cref="Faults"/>, or back to working with null.</summary>
    public void Set(int index, string? fault)
    {
        if (fault is null)
        {
            _faults.TryRemove(Ports[index], out _);
        }
        else
        {
            _faults[Ports[index]] = Faults.ContainsKey(fault) ? fault : throw new ArgumentException($"no fault {fault}", nameof(fault));
        }
    }

    /// <summary>What a working port answers instead of <see cref="Working"/>.</summary>
    public void Route(int index, Func<HttpContext, Task> handler) => _routes[Ports[index]] = handler;

    public static Task Write(HttpContext context, string body, int status = 200, string contentType = "application/json; charset=utf-8")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body, Encoding.UTF8, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }

    private Task AnswerAsync(HttpContext context)
    {
        var port = context.Connection.LocalPort;
        if (_faults.TryGetValue(port, out var fault))
        {
            return Faults[fault](context);
        }

        return _routes.TryGetValue(port, out var custom) ? custom(context) : Working(context);
    }

    /// <summary>What a working ComfyUI 0.8.0 with an idle queue answers.</summary>
    public static Task Working(HttpContext context) => context.Request.Path.Value switch
    {
        "/system_stats" => Write(context, SystemStats),
        "/extensions" => Write(context, Extensions),
        "/queue" => Write(context, """{"queue_running": [], "queue_pending": []}"""),
        "/history" => Write(context, "{}"),
        _ => Write(context, "404: Not Found", 404, "text/plain"),
    };

    /// <summary>A byte a second of a valid answer.</summary>
    private static async Task Trickle(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        foreach (var b in Encoding.ASCII.GetBytes(SystemStats))
        {
            await context.Response.Body.WriteAsync(new[] { b }, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(1000, context.RequestAborted);
        }
    }

    /// <summary>200 MB of one JSON string, streamed without a Content-Length.</summary>
    private static async Task Huge(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
        await context.Response.Body.WriteAsync("{\"system\": {\"os\": \""u8.ToArray(), context.RequestAborted);
        for (var i = 0; i < 200 * 16 && !context.RequestAborted.IsCancellationRequested; i++)
        {
            await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        }
    }

    /// <summary>A /queue body with <paramref name="pending"/> pending prompts, each with a small graph, as ComfyUI 0.8 writes them.</summary>
    public static string Queue(int pending, IEnumerable<string>? running = null, Func<int, string>? id = null)
    {
        JsonArray Item(int number, string promptId) => new(
            number, promptId,
            new JsonObject { ["1"] = new JsonObject { ["class_type"] = "EmptyImage", ["inputs"] = new JsonObject { ["width"] = 64, ["height"] = 64 } } },
            new JsonObject { ["client_id"] = "user", ["create_time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
            new JsonArray("2"));
        return new JsonObject
        {
            ["queue_running"] = new JsonArray((running ?? []).Select((r, i) => (JsonNode)Item(i, r)).ToArray()),
            ["queue_pending"] = new JsonArray(Enumerable.Range(0, pending).Select(i => (JsonNode)Item(1000 + i, id?.Invoke(i) ?? $"pending-{i.ToString(CultureInfo.InvariantCulture)}")).ToArray()),
        }.ToJsonString();
    }
}
