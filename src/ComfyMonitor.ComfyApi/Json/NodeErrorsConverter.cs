using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.ComfyApi.Json;

/// <summary><c>node_errors</c> is a dict from v0.3.28 and an (empty) list before; null is tolerated too.</summary>
internal sealed class NodeErrorsConverter : JsonConverter<Dictionary<string, NodeError>>
{
    public override Dictionary<string, NodeError> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var result = new Dictionary<string, NodeError>();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            JsonReading.Skip(ref reader);
            return result;
        }

        var info = (JsonTypeInfo<NodeError>)options.GetTypeInfo(typeof(NodeError));
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var id = JsonReading.GetString(ref reader);
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject && JsonSerializer.Deserialize(ref reader, info) is { } error)
            {
                result[id] = error;
            }
            else
            {
                JsonReading.Skip(ref reader);
            }
        }

        return result;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, NodeError> value, JsonSerializerOptions options)
    {
        var info = (JsonTypeInfo<NodeError>)options.GetTypeInfo(typeof(NodeError));
        writer.WriteStartObject();
        foreach (var (id, error) in value)
        {
            writer.WritePropertyName(id);
            JsonSerializer.Serialize(writer, error, info);
        }

        writer.WriteEndObject();
    }
}
