using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Execution;

/// <summary>Python's view of JSON values, for the server's messages: str(), repr(), int(), float(), ==.</summary>
internal static class Py
{
    /// <summary>Python's str() of the value json.loads made.</summary>
    public static string Str(JsonNode? value) => value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : Repr(value);

    /// <summary>Python's repr() of the value json.loads made.</summary>
    public static string Repr(JsonNode? value) => value switch
    {
        null => "None",
        JsonObject o => "{" + string.Join(", ", o.Select(p => $"{Quote(p.Key)}: {Repr(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(", ", a.Select(Repr)) + "]",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => Quote(v.GetValue<string>()),
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            JsonValueKind.Number when IsInteger(v) => v.ToJsonString(),
            JsonValueKind.Number => Float(v.GetValue<double>()),
            _ => "None",
        },
        _ => "None",
    };

    /// <summary>Python's repr of a str: single quotes unless the text has one and no double quote.</summary>
    public static string Quote(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ when c < ' ' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return sb.Append(quote).ToString();
    }

    /// <summary>Python's repr of a float: 1.0, 0.1, 1e-05, 1e+16.</summary>
    public static string Float(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        if (d == Math.Floor(d) && Math.Abs(d) < 1e16)
        {
            return d.ToString("0.0", CultureInfo.InvariantCulture);
        }

        // .NET's shortest round-trip text, with Python's exponent style (1E-05 -> 1e-05, 1.5E+16 -> 1.5e+16).
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return r;
        }

        var exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        return $"{r[..e]}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
    }

    public static bool IsInteger(JsonValue v)
    {
        var text = v.ToJsonString();
        return !text.Contains('.') && !text.Contains('e') && !text.Contains('E');
    }

    /// <summary>Python's int(value): the converted value, or the exception's message.</summary>
    public static (JsonNode? Value, string? Error) Int(JsonNode? value)
    {
        switch (value)
        {
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                return IsInteger(v)
                    ? (v.DeepClone(), null)
                    : (JsonNode.Parse(new BigInteger(Math.Truncate(v.GetValue<double>())).ToString(CultureInfo.InvariantCulture)), null);
            case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                return (JsonValue.Create(v.GetValueKind() == JsonValueKind.True ? 1 : 0), null);
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                var s = v.GetValue<string>().Trim().Replace("_", "", StringComparison.Ordinal);
                return s.Length > 0 && BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big)
                    ? (JsonNode.Parse(big.ToString(CultureInfo.InvariantCulture)), null)
                    : (null, $"invalid literal for int() with base 10: {Quote(v.GetValue<string>())}");
            default:
                return (null, $"int() argument must be a string, a bytes-like object or a real number, not '{TypeName(value)}'");
        }
    }

    /// <summary>Python's float(value): the converted value, or the exception's message.</summary>
    public static (JsonNode? Value, string? Error) Float(JsonNode? value)
    {
        switch (value)
        {
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                return (FloatNode(v.GetValue<double>()), null);
            case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                return (FloatNode(v.GetValueKind() == JsonValueKind.True ? 1 : 0), null);
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                var s = v.GetValue<string>().Trim().Replace("_", "", StringComparison.Ordinal);
                return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    ? (FloatNode(d), null)
                    : (null, $"could not convert string to float: {Quote(v.GetValue<string>())}");
            default:
                return (null, $"float() argument must be a string or a real number, not '{TypeName(value)}'");
        }
    }

    /// <summary>A float as Python's json.dumps writes it (always with a fraction or an exponent).</summary>
    public static JsonNode FloatNode(double d) => double.IsFinite(d) ? JsonNode.Parse(Float(d))! : JsonValue.Create(0.0);

    public static string TypeName(JsonNode? value) => value switch
    {
        null => "NoneType",
        JsonObject => "dict",
        JsonArray => "list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "str",
            JsonValueKind.True or JsonValueKind.False => "bool",
            JsonValueKind.Number => IsInteger(v) ? "int" : "float",
            _ => "NoneType",
        },
        _ => "NoneType",
    };

    /// <summary>Python's == between JSON values (1 == 1.0 == True).</summary>
    public static bool Equal(JsonNode? a, JsonNode? b)
    {
        if (Number(a) is { } x && Number(b) is { } y)
        {
            return x == y;
        }

        return JsonNode.DeepEquals(a, b);
    }

    /// <summary>Python's &lt; on numbers (after int() or float()).</summary>
    public static double? Number(JsonNode? value) => value is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.Number => v.GetValue<double>(),
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            _ => null,
        }
        : null;

    /// <summary>Python's truthiness of a JSON value.</summary>
    public static bool Truthy(JsonNode? value) => value switch
    {
        null => false,
        JsonObject o => o.Count > 0,
        JsonArray a => a.Count > 0,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.String => v.GetValue<string>().Length > 0,
            JsonValueKind.Number => v.GetValue<double>() != 0,
            _ => false,
        },
        _ => false,
    };
}
