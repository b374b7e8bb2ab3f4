using System.Text;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Fleet;

namespace ComfyMonitor.Simulator.Http;

/// <summary>Response helpers shaped like aiohttp's.</summary>
internal static class ComfyHttp
{
    private const string InstanceKey = "comfy.instance";

    /// <summary>Like Python's json.dumps: "+", "&lt;" and quotes-in-HTML are not escaped.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void SetInstance(HttpContext context, SimulatedInstance instance) => context.Items[InstanceKey] = instance;

    public static SimulatedInstance Instance(HttpContext context) => (SimulatedInstance)context.Items[InstanceKey]!;

    public static bool HasInstance(HttpContext context) => context.Items.ContainsKey(InstanceKey);

    public static IResult Json(JsonNode node, int status = 200) =>
        Results.Text(node.ToJsonString(Options), "application/json; charset=utf-8", Encoding.UTF8, status);

    /// <summary>aiohttp's answer to an unhandled exception in a handler.</summary>
    public static IResult ServerError() =>
        Results.Text("500 Internal Server Error\n\nServer got itself in trouble", "text/plain; charset=utf-8", Encoding.UTF8, 500);

    /// <summary>An empty 200: aiohttp's web.Response() without a body is application/octet-stream.</summary>
    public static IResult Empty() => EmptyStatus(200);

    /// <summary>A handler's bare web.Response(status=...): empty, application/octet-stream (400, 403, 404 of /view, uploads, origin check).</summary>
    public static IResult EmptyStatus(int status) => Results.Text("", "application/octet-stream", null, status);

    /// <summary>aiohttp's answer for a path no route matches (also GET /interrupt, caught by the static catch-all).</summary>
    public static IResult NotFoundText() => Results.Text("404: Not Found", "text/plain; charset=utf-8", Encoding.UTF8, 404);

    /// <summary>Reads a JSON object body; null (and the caller answers 500) when it is missing, invalid or not an object.</summary>
    public static async Task<JsonObject?> ReadObjectAsync(HttpRequest request) => (await ReadJsonAsync(request)).Value as JsonObject;

    /// <summary>Reads any JSON body: (value, true), or (null, false) when it is missing or invalid.</summary>
    public static async Task<(JsonNode? Value, bool Valid)> ReadJsonAsync(HttpRequest request)
    {
        try
        {
            return (await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted), true);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, false);
        }
    }

    public static int? IntQuery(HttpRequest request, string name, out bool invalid)
    {
        invalid = false;
        if (!request.Query.TryGetValue(name, out var values))
        {
            return null;
        }

        if (int.TryParse(values.ToString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }

        invalid = true;
        return null;
    }
}
