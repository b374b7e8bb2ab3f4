using System.Text.Json;
using System.Text.Json.Serialization;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.ComfyApi.Json;

/// <summary>The 400 "error" is an object, or the bare string "no prompt" before v0.3.28.</summary>
internal sealed class PromptErrorConverter : JsonConverter<PromptError>
{
    public override PromptError? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                var text = JsonReading.ReadString(ref reader) ?? "";
                return new PromptError
                {
                    Type = text == "no prompt" ? "no_prompt" : "error",
                    Message = text,
                    Details = text,
                };
            case JsonTokenType.StartObject:
                var error = new PromptError();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = JsonReading.GetString(ref reader);
                    reader.Read();
                    switch (name)
                    {
                        case "type": error.Type = JsonReading.ReadString(ref reader) ?? ""; break;
                        case "message": error.Message = JsonReading.ReadString(ref reader) ?? ""; break;
                        case "details": error.Details = JsonReading.ReadString(ref reader); break;
                        default: JsonReading.Skip(ref reader); break;
                    }
                }

                return error;
            default:
                JsonReading.Skip(ref reader);
                return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, PromptError value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("type", value.Type);
        writer.WriteString("message", value.Message);
        writer.WriteString("details", value.Details ?? "");
        writer.WriteStartObject("extra_info");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
