using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SkiaSharp;

namespace ComfyMonitor.Simulator.Tests.Conformance;

/// <summary>
/// Compares an answer with a recorded one the way a client sees it: status code, media type, and the body's shape (keys
/// and value kinds, recursively) with exact values where they are deterministic: strings (after the normalisation of
/// values that are random on the real server too), booleans, list lengths, PNG modes, text chunks and sampled pixels.
/// Numbers are compared by kind only (counters, timestamps and memory figures differ between runs).
/// </summary>
internal static partial class Shape
{
    /// <summary>Paths whose values differ per host or run on the real server too: only their presence (and kind, unless null) counts.</summary>
    private static readonly Regex Volatile = new(
        @"^\$(\.system\.[a-z_]+(\[\d+\])?|\.devices\[\d+\]\.name|.*\.traceback(\[\d+\])?|.*\.sid)$",
        RegexOptions.CultureInvariant);

    public static List<string> Response(JsonObject expected, HttpResponseMessage actual, byte[] body)
    {
        var diffs = new List<string>();
        var status = (int)expected["status"]!;
        if ((int)actual.StatusCode != status)
        {
            diffs.Add($"status {(int)actual.StatusCode}, recorded {status}");
        }

        var expectedType = MediaType((string?)expected["content_type"]);
        var actualType = MediaType(actual.Content.Headers.ContentType?.MediaType);
        if (expectedType != actualType)
        {
            diffs.Add($"media type {actualType ?? "none"}, recorded {expectedType ?? "none"}");
        }

        foreach (var (name, value) in expected["headers"] as JsonObject ?? [])
        {
            var actualValue = actual.Headers.TryGetValues(name, out var v) ? string.Join(",", v)
                : actual.Content.Headers.TryGetValues(name, out var cv) ? string.Join(",", cv) : null;
            if (name != "Cache-Control" && actualValue != (string?)value)
            {
                diffs.Add($"header {name}: '{actualValue}', recorded '{value}'");
            }
        }

        if (expected["json"] is { } json || expected.ContainsKey("json"))
        {
            JsonNode? parsed;
            try
            {
                parsed = JsonNode.Parse(body);
            }
            catch (JsonException ex)
            {
                diffs.Add($"body is not JSON ({ex.Message}): {Encoding.UTF8.GetString(body)[..Math.Min(200, body.Length)]}");
                return diffs;
            }

            Json(expected["json"], parsed, "$", diffs);
        }
        else if (expected["png"] is JsonObject png)
        {
            Image(png, body, lossy: false, diffs);
        }
        else if (expected["image"] is JsonObject image)
        {
            Image(image, body, lossy: true, diffs);
        }
        else if (expected["text"] is JsonValue text && expectedType is "text/plain" or "application/octet-stream")
        {
            var actualText = Encoding.UTF8.GetString(body);
            if (actualText != (string)text!)
            {
                diffs.Add($"body '{Cut(actualText)}', recorded '{Cut((string)text!)}'");
            }
        }

        return diffs;
    }

    /// <summary>Compares JSON values; <paramref name="path"/> is a JSONPath-like location for the report.</summary>
    public static void Json(JsonNode? expected, JsonNode? actual, string path, List<string> diffs)
    {
        var volatileValue = Volatile.IsMatch(path);
        var (ek, ak) = (Kind(expected), Kind(actual));
        if (ek != ak)
        {
            if (!(volatileValue && (ek == "null" || ak == "null")))
            {
                diffs.Add($"{path}: {ak} {Cut(actual?.ToJsonString())}, recorded {ek} {Cut(expected?.ToJsonString())}");
            }

            return;
        }

        switch (expected)
        {
            case JsonObject eo:
                var ao = (JsonObject)actual!;
                foreach (var key in eo.Select(p => p.Key).Where(k => !ao.ContainsKey(k)))
                {
                    diffs.Add($"{path}.{key}: missing");
                }

                foreach (var key in ao.Select(p => p.Key).Where(k => !eo.ContainsKey(k)))
                {
                    diffs.Add($"{path}.{key}: not recorded");
                }

                foreach (var (key, value) in eo.Where(p => ao.ContainsKey(p.Key)))
                {
                    Json(value, ao[key], $"{path}.{key}", diffs);
                }

                break;
            case JsonArray ea:
                var aa = (JsonArray)actual!;
                if (ea.Count != aa.Count && !volatileValue)
                {
                    diffs.Add($"{path}: {aa.Count} items, recorded {ea.Count} ({Cut(actual!.ToJsonString())} vs {Cut(expected.ToJsonString())})");
                }

                for (var i = 0; i < Math.Min(ea.Count, aa.Count); i++)
                {
                    Json(ea[i], aa[i], $"{path}[{i}]", diffs);
                }

                break;
            case JsonValue ev when ek is "string" && !volatileValue:
                var (es, @as) = (Normalise((string)ev!), Normalise((string)actual!));
                if (es != @as)
                {
                    diffs.Add($"{path}: '{Cut(@as)}', recorded '{Cut(es)}'");
                }

                break;
            case JsonValue ev when ek is "true" or "false":
                break; // the kind is the value
        }
    }

    /// <summary>Values the real server makes up at random: generated ids, PreviewImage's temp names.</summary>
    public static string Normalise(string s) =>
        TempName().Replace(Hex32().Replace(s, "<hex32>"), "ComfyUI_temp_<random>_");

    private static void Image(JsonObject expected, byte[] body, bool lossy, List<string> diffs)
    {
        using var codec = SKCodec.Create(new MemoryStream(body));
        if (codec is null)
        {
            diffs.Add($"body is not an image ({body.Length} bytes)");
            return;
        }

        var format = codec.EncodedFormat.ToString().ToUpperInvariant();
        if (format != (string)expected["format"]!)
        {
            diffs.Add($"image format {format}, recorded {expected["format"]}");
        }

        if (codec.Info.Width != (int)expected["width"]! || codec.Info.Height != (int)expected["height"]!)
        {
            diffs.Add($"image {codec.Info.Width}x{codec.Info.Height}, recorded {expected["width"]}x{expected["height"]}");
        }

        if (!lossy)
        {
            var (mode, keys) = PngModeAndTextKeys(body);
            if (mode != (string)expected["mode"]!)
            {
                diffs.Add($"PNG mode {mode}, recorded {expected["mode"]}");
            }

            var expectedKeys = (expected["info_keys"] as JsonArray ?? []).Select(k => (string)k!).Order().ToList();
            if (!keys.Order().SequenceEqual(expectedKeys))
            {
                diffs.Add($"PNG text chunks [{string.Join(",", keys)}], recorded [{string.Join(",", expectedKeys)}]");
            }
        }

        using var bitmap = SKBitmap.Decode(body);
        foreach (var (at, value) in expected["pixels_sampled"] as JsonObject ?? [])
        {
            var xy = at.Split(',').Select(int.Parse).ToArray();
            if (bitmap is null || xy[0] >= bitmap.Width || xy[1] >= bitmap.Height)
            {
                diffs.Add($"pixel {at} missing");
                continue;
            }

            var pixel = bitmap.GetPixel(xy[0], xy[1]);
            int[] actual = [pixel.Red, pixel.Green, pixel.Blue, pixel.Alpha];
            var recorded = ((JsonArray)value!).Select(v => (int)v!).ToArray();
            var tolerance = lossy ? 8 : 0;
            if (recorded.Where((v, i) => Math.Abs(v - actual[i]) > tolerance).Any())
            {
                diffs.Add($"pixel {at} ({string.Join(",", actual.Take(recorded.Length))}), recorded ({string.Join(",", recorded)})");
            }
        }
    }

    /// <summary>PIL's mode from the PNG header's colour type, and the keywords of the text chunks.</summary>
    private static (string Mode, List<string> TextKeys) PngModeAndTextKeys(byte[] png)
    {
        var mode = png.Length > 25 ? png[25] switch { 0 => "L", 2 => "RGB", 3 => "P", 4 => "LA", 6 => "RGBA", _ => "?" } : "?";
        var keys = new List<string>();
        for (var offset = 8; offset + 8 <= png.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            var type = Encoding.ASCII.GetString(png, offset + 4, 4);
            if (type is "tEXt" or "iTXt" or "zTXt" && offset + 8 + length <= png.Length)
            {
                var data = png.AsSpan(offset + 8, length);
                var end = data.IndexOf((byte)0);
                keys.Add(Encoding.Latin1.GetString(end < 0 ? data : data[..end]));
            }

            offset += 12 + length;
        }

        return (mode, keys);
    }

    private static string? MediaType(string? contentType) => contentType?.Split(';')[0].Trim().ToLowerInvariant();

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => "null",
        },
        _ => "null",
    };

    private static string Cut(string? s) => s is null ? "" : s.Length > 160 ? s[..160] + "..." : s;

    [GeneratedRegex("(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")]
    private static partial Regex Hex32();

    [GeneratedRegex("ComfyUI_temp_[a-z]{5}_")]
    private static partial Regex TempName();
}
