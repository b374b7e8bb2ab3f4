using System.Text;
using ComfyMonitor.Simulator.Fleet;

namespace ComfyMonitor.Simulator.Http;

/// <summary>
/// Finds the instance a request came in for (by local port) and applies its scenario before the
/// ComfyUI routes run: hang, slow, errors and garbage act here; stuck, oom, vram-leak and
/// wrong-pixels act in the worker; down has closed the port already.
/// </summary>
internal sealed class ScenarioMiddleware(RequestDelegate next, SimulatedFleet fleet)
{
    private static readonly byte[] Garbage = Encoding.UTF8.GetBytes("{\"system\": {\"os\": \"linux\", \"ram_total\": <html><body>upstream sent garbage</bo");

    public async Task InvokeAsync(HttpContext context)
    {
        var port = context.Connection.LocalPort;
        if (port == fleet.Options.ControlPort)
        {
            await next(context);
            return;
        }

        if (fleet.ByPort(port) is not { } instance)
        {
            context.Response.StatusCode = 404;
            return;
        }

        ComfyHttp.SetInstance(context, instance);
        try
        {
            while (instance.Scenario == Scenarios.Hang)
            {
                await Task.Delay(100, context.RequestAborted);
            }

            switch (instance.Scenario)
            {
                case Scenarios.Down:
                    context.Abort();
                    return;
                case Scenarios.Slow:
                    await Task.Delay(fleet.Options.SlowDelay, context.RequestAborted);
                    break;
                case Scenarios.Errors:
                    await ComfyHttp.ServerError().ExecuteAsync(context);
                    return;
                case Scenarios.NoWebSocket when context.WebSockets.IsWebSocketRequest:
                    context.Response.StatusCode = 403;
                    return;
                case Scenarios.BrokenHistory when context.Request.Path.Value?.Contains("/history", StringComparison.Ordinal) == true:
                    await ComfyHttp.ServerError().ExecuteAsync(context);
                    return;
                case Scenarios.Garbage:
                    context.Response.ContentType = "application/json; charset=utf-8";
                    await context.Response.Body.WriteAsync(Garbage, context.RequestAborted);
                    return;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        await next(context);
    }
}
