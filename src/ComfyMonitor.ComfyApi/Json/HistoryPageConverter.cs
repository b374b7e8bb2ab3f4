using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.ComfyApi.Json;

/// <summary>Reads <c>{prompt_id: HistoryEntry, ...}</c> into a list in the server's order.</summary>
internal sealed class HistoryPageConverter : JsonConverter<HistoryPage>
{
    public override HistoryPage? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A history response must be a JSON object.");
        }

        var entryInfo = (JsonTypeInfo<HistoryEntry>)options.GetTypeInfo(typeof(HistoryEntry));
        var entries = new List<HistoryEntry>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var id = JsonReading.GetString(ref reader);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                JsonReading.Skip(ref reader);
                continue;
            }

            var entry = JsonSerializer.Deserialize(ref reader, entryInfo);
            if (entry is not null)
            {
                entry.PromptId = id;
                entries.Add(entry);
            }
        }

        return new HistoryPage { Entries = entries };
    }

    public override void Write(Utf8JsonWriter writer, HistoryPage value, JsonSerializerOptions options)
    {
        var entryInfo = (JsonTypeInfo<HistoryEntry>)options.GetTypeInfo(typeof(HistoryEntry));
        writer.WriteStartObject();
        foreach (var entry in value.Entries)
        {
            writer.WritePropertyName(entry.PromptId);
            JsonSerializer.Serialize(writer, entry, entryInfo);
        }

        writer.WriteEndObject();
    }
}
