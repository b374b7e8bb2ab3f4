using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ComfyMonitor.ComfyApi.Json;

/// <summary>Lenient scalar reads shared by the hand-written converters.</summary>
internal static class JsonReading
{
    /// <summary>Longest string kept from a server message; the rest is cut.</summary>
    public const int MaxStringLength = 4096;

    public static string? ReadString(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => Truncate(GetString(ref reader)),
        JsonTokenType.Number => reader.TryGetInt64(out var l) ? l.ToString(CultureInfo.InvariantCulture) : reader.GetDouble().ToString(CultureInfo.InvariantCulture),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => null,
        _ => SkipAndReturnNull(ref reader),
    };

    public static double? ReadDouble(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetDouble(),
        JsonTokenType.String when double.TryParse(GetString(ref reader), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
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
            JsonReading.Skip(ref reader);
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

    /// <summary>The string or property name at the reader; text that is not valid Unicode gets U+FFFD where it breaks.</summary>
    public static string GetString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
            return Decode(raw, reader.ValueIsEscaped);
        }
    }

    /// <summary>Decodes a JSON string's raw bytes, replacing invalid UTF-8 and lone surrogates with U+FFFD.</summary>
    internal static string Decode(ReadOnlySpan<byte> raw, bool escaped)
    {
        if (!escaped)
        {
            return Encoding.UTF8.GetString(raw); // invalid sequences become U+FFFD
        }

        var text = new StringBuilder(raw.Length);
        while (!raw.IsEmpty)
        {
            var slash = raw.IndexOf((byte)'\\');
            if (slash < 0)
            {
                text.Append(Encoding.UTF8.GetString(raw));
                break;
            }

            // A backslash is ASCII, so it never splits a multi-byte sequence.
            text.Append(Encoding.UTF8.GetString(raw[..slash]));
            raw = raw[slash..];
            if (raw.Length < 2)
            {
                break;
            }

            var length = 2;
            switch ((char)raw[1])
            {
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'u' when raw.Length >= 6 && int.TryParse(Encoding.ASCII.GetString(raw.Slice(2, 4)), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code):
                    text.Append((char)code);
                    length = 6;
                    break;
                default: text.Append((char)raw[1]); break;
            }

            raw = raw[length..];
        }

        // Pair surrogates survive; lone ones become U+FFFD.
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                text[i] = '\uFFFD';
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Skips the current value. Inside a converter the value is already buffered but the reader is not the final
    /// block when the body is streamed (any body over one read buffer), where Skip() would throw: TrySkip works.
    /// </summary>
    public static void Skip(ref Utf8JsonReader reader)
    {
        if (!reader.TrySkip())
        {
            throw new JsonException("The JSON value is incomplete.");
        }
    }

    public static string? Truncate(string? s) =>
        s is { Length: > MaxStringLength } ? string.Concat(s.AsSpan(0, MaxStringLength), "…") : s;

    private static string? SkipAndReturnNull(ref Utf8JsonReader reader)
    {
        JsonReading.Skip(ref reader);
        return null;
    }

    private static double? SkipAndReturnNullDouble(ref Utf8JsonReader reader)
    {
        JsonReading.Skip(ref reader);
        return null;
    }
}
