using System.Globalization;
using System.Text.Json;

namespace ComfyMonitor.ComfyApi.Json;

/// <summary>Lenient scalar reads shared by the hand-written converters.</summary>
internal static class JsonReading
{
    /// <summary>Longest string kept from a server message; the rest is cut.</summary>
    public const int MaxStringLength = 4096;

    public static string? ReadString(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => Truncate(reader.GetString()),
        JsonTokenType.Number => reader.TryGetInt64(out var l) ? l.ToString(CultureInfo.InvariantCulture) : reader.GetDouble().ToString(CultureInfo.InvariantCulture),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => null,
        _ => SkipAndReturnNull(ref reader),
    };

    public static double? ReadDouble(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetDouble(),
        JsonTokenType.String when double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        JsonTokenType.StartObject or JsonTokenType.StartArray => SkipAndReturnNullDouble(ref reader),
        _ => null,
    };

    public static long? ReadInt64(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var l))
        {
            return l;
        }

        var d = ReadDouble(ref reader);
        return d is { } v && double.IsFinite(v) && Math.Abs(v) < 9e18 ? (long)v : null;
    }

    public static List<string> ReadStringList(ref Utf8JsonReader reader)
    {
        var list = new List<string>();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return list;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (ReadString(ref reader) is { } s)
            {
                list.Add(s);
            }
        }

        return list;
    }

    public static string? Truncate(string? s) =>
        s is { Length: > MaxStringLength } ? string.Concat(s.AsSpan(0, MaxStringLength), "…") : s;

    private static string? SkipAndReturnNull(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    private static double? SkipAndReturnNullDouble(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }
}
