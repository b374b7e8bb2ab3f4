using System.Buffers.Binary;
using System.Text.Json;
using ComfyMonitor.ComfyApi.Json;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.ComfyApi.WebSockets;

/// <summary>Parses /ws frames. Never throws: malformed frames come back as <see cref="OtherWsMessage"/> "invalid".</summary>
public static class ComfyWsMessageParser
{
    public static ComfyWsMessage ParseBinary(ReadOnlySpan<byte> frame) =>
        new BinaryWsMessage(frame.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(frame) : -1, frame.Length);

    public static ComfyWsMessage ParseText(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            {
                return new OtherWsMessage("invalid");
            }

            var type = typeElement.GetString()!;
            var data = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
            if (data.ValueKind != JsonValueKind.Object)
            {
                return new OtherWsMessage(type);
            }

            return type switch
            {
                "status" => new StatusWsMessage(
                    data.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Object
                        && s.TryGetProperty("exec_info", out var e) && e.ValueKind == JsonValueKind.Object
                        && e.TryGetProperty("queue_remaining", out var q) && q.TryGetInt32(out var remaining) ? remaining : 0,
                    Str(data, "sid")),
                StatusMessage.ExecutionStart or StatusMessage.ExecutionCached or StatusMessage.ExecutionSuccess
                    or StatusMessage.ExecutionError or StatusMessage.ExecutionInterrupted => Execution(type, data),
                "executing" => new ExecutingWsMessage(Str(data, "node"), Str(data, "prompt_id")),
                "progress" => new ProgressWsMessage(Num(data, "value"), Num(data, "max"), Str(data, "node"), Str(data, "prompt_id")),
                "executed" => new ExecutedWsMessage(Str(data, "node"), Str(data, "prompt_id"), Images(data)),
                _ => new OtherWsMessage(type),
            };
        }
        catch (JsonException)
        {
            return new OtherWsMessage("invalid");
        }
    }

    private static ExecutionWsMessage Execution(string type, JsonElement data)
    {
        var raw = data.GetRawText();
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(raw));
        reader.Read();
        var message = StatusMessageConverter.ReadData(ref reader, type);
        var cached = data.TryGetProperty("nodes", out var nodes) && nodes.ValueKind == JsonValueKind.Array
            ? nodes.EnumerateArray().Select(n => n.ToString()).ToList()
            : [];
        return new ExecutionWsMessage(type, message, cached);
    }

    private static List<ImageRef> Images(JsonElement data)
    {
        if (!data.TryGetProperty("output", out var output) || output.ValueKind != JsonValueKind.Object
            || !output.TryGetProperty("images", out var images) || images.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return images.EnumerateArray()
            .Where(i => i.ValueKind == JsonValueKind.Object)
            .Select(i => new ImageRef { Filename = Str(i, "filename") ?? "", Subfolder = Str(i, "subfolder") ?? "", Type = Str(i, "type") ?? "output" })
            .ToList();
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => JsonReading.Truncate(v.GetString()),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    private static double Num(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
}
