using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ComfyMonitor.Testing;

/// <summary>A plain HTTP server that answers each path with a canned status, content type and body.</summary>
internal sealed class ExampleServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _routes = new();
    private readonly WebApplication _app;

    private ExampleServer(WebApplication app)
    {
        _app = app;
    }

    public Uri Url { get; private set; } = null!;

    public ConcurrentQueue<HttpRequestSnapshot> Requests { get; } = new();

    public static async Task<ExampleServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(FreePorts.AnyPort);
        var app = builder.Build();
        var server = new ExampleServer(app);
        app.Run(async context =>
        {
            server.Requests.Enqueue(new HttpRequestSnapshot(context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.Headers.Authorization.ToString()));
            if (server._routes.TryGetValue(context.Request.Path.Value ?? "", out var handler))
            {
                await handler(context);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        });
        await app.StartAsync();
        server.Url = new Uri($"http://127.0.0.1:{FreePorts.Bound(app)[0]}/");
        return server;
    }

    public void Serve(string path, string body, int status = 200, string contentType = "application/json; charset=utf-8") =>
        _routes[path] = async context =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body, Encoding.UTF8);
        };

    public void ServeFile(string path, string exampleFile) => Serve(path, File.ReadAllText(TestPaths.Example(exampleFile)));

    public void Handle(string path, Func<HttpContext, Task> handler) => _routes[path] = handler;

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

    public sealed record HttpRequestSnapshot(string Method, string PathAndQuery, string Authorization);
}
