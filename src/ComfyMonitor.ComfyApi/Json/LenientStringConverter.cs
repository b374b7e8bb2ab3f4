using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyMonitor.ComfyApi.Json;

/// <summary>
/// Reads every string of a ComfyUI response even when it is not valid Unicode: Python's json module writes the
/// undecodable bytes of a file name as lone surrogate escapes ("\udcff"), and a broken proxy may pass raw invalid
/// UTF-8. Both become U+FFFD instead of failing the whole response.
/// </summary>
public sealed class LenientStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => JsonReading.GetString(ref reader),
        // Lenient like the rest of the client: a number or boolean where a string belongs is kept as its text.
        _ => JsonReading.ReadString(ref reader) ?? throw new JsonException($"expected a string, got {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => JsonReading.GetString(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);
}
