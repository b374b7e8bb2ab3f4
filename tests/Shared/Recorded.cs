using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
namespace ComfyMonitor.Testing;

/// <summary>
/// What a real ComfyUI 0.3.64 answered (tests/TestData/comfyui-api/real-0.3.64, recorded in one run in file order; its
/// NOTES.md explains the format and every surprise).
/// </summary>
internal static class Recorded
{
    public static string Folder => Path.Combine(TestPaths.ComfyApi, "real-0.3.64");

    public static IReadOnlyList<string> ExchangeFiles() =>
        Directory.EnumerateFiles(Path.Combine(Folder, "exchanges"), "*.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();

    public static JsonObject Exchange(string file) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "exchanges", file)))!;

    /// <summary>Every transcript file (ws/NNN-*.jsonl).</summary>
    public static IReadOnlyList<string> TranscriptFiles() =>
        Directory.EnumerateFiles(Path.Combine(Folder, "ws"), "*.jsonl").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();

    /// <summary>The entries of ws/index.json whose transcript file is here: the socket, its role and the exchanges made while it was open.</summary>
    public static IReadOnlyList<JsonObject> Transcripts() =>
        ((JsonArray)JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "ws", "index.json")))!)
        .OfType<JsonObject>()
        .Where(t => File.Exists(Path.Combine(Folder, "ws", (string)t["file"]!)))
        .ToList();

    public static IReadOnlyList<JsonObject> Messages(string file) =>
        File.ReadAllLines(Path.Combine(Folder, "ws", file)).Where(l => l.Length > 0).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();

    /// <summary>The recorded request, as an HttpRequestMessage for the simulated instance.</summary>
    public static HttpRequestMessage Request(JsonObject exchange)
    {
        var request = (JsonObject)exchange["request"]!;
        var message = new HttpRequestMessage(new HttpMethod((string)request["method"]!), ((string)request["path"]!).TrimStart('/'));
        if (request["multipart"] is JsonArray parts)
        {
            var boundary = (string?)request["multipart_boundary"] ?? "----recboundary";
            var form = new MultipartFormDataContent(boundary);
            foreach (var part in parts.OfType<JsonObject>())
            {
                var name = (string)part["name"]!;
                if (part["filename"] is JsonValue fileName)
                {
                    var content = new ByteArrayContent(Convert.FromBase64String((string?)part["bytes_b64"] ?? ""));
                    if ((string?)part["content_type"] is { } type)
                    {
                        content.Headers.ContentType = new MediaTypeHeaderValue(type);
                    }

                    form.Add(content, name, (string)fileName!);
                }
                else
                {
                    form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes((string?)part["text"] ?? "")), name);
                }
            }

            message.Content = form;
        }
        else if (request["json"] is { } json)
        {
            message.Content = new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json");
        }
        else if (request["text"] is JsonValue text)
        {
            message.Content = new StringContent((string)text!, Encoding.UTF8);
            message.Content.Headers.ContentType = (string?)request["content_type"] is { } type ? MediaTypeHeaderValue.Parse(type) : null;
        }

        foreach (var (name, value) in request["headers"] as JsonObject ?? [])
        {
            message.Headers.TryAddWithoutValidation(name, (string?)value);
        }

        return message;
    }
}
