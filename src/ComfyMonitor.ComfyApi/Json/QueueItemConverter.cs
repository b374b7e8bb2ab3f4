using System.Text.Json;
using System.Text.Json.Serialization;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.ComfyApi.Json;

/// <summary>
/// Reads <c>[number, prompt_id, prompt, extra_data, outputs_to_execute]</c>, skipping the prompt graph and every
/// extra_data key but <c>create_time</c> without materialising them; of <c>client_id</c> only whether it is a probe's.
/// </summary>
internal sealed class QueueItemConverter : JsonConverter<QueueItem>
{
    private static readonly byte[] ProbePrefix = System.Text.Encoding.UTF8.GetBytes(QueueItem.ProbeClientIdPrefix);

    public override QueueItem? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("A queue item must be a JSON array.");
        }

        double number = 0;
        string promptId = "";
        long? createTime = null;
        var isProbe = false;
        ulong? clientKey = null;
        IReadOnlyList<string> outputs = [];
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (index++)
            {
                case 0:
                    number = JsonReading.ReadDouble(ref reader) ?? 0;
                    break;
                case 1:
                    promptId = JsonReading.ReadString(ref reader) ?? "";
                    break;
                case 3:
                    (createTime, isProbe, clientKey) = ReadExtraData(ref reader);
                    break;
                case 4:
                    outputs = JsonReading.ReadStringList(ref reader);
                    break;
                default:
                    JsonReading.Skip(ref reader);
                    break;
            }
        }

        return new QueueItem { Number = number, PromptId = promptId, CreateTimeMs = createTime, IsProbe = isProbe, ClientKey = clientKey, OutputsToExecute = outputs };
    }

    public override void Write(Utf8JsonWriter writer, QueueItem value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.Number);
        writer.WriteStringValue(value.PromptId);
        writer.WriteStartObject();
        writer.WriteEndObject();
        writer.WriteStartObject();
        if (value.CreateTimeMs is { } ct)
        {
            writer.WriteNumber("create_time", ct);
        }

        if (value.IsProbe)
        {
            writer.WriteString("client_id", QueueItem.ProbeClientIdPrefix);
        }

        writer.WriteEndObject();
        writer.WriteStartArray();
        foreach (var o in value.OutputsToExecute)
        {
            writer.WriteStringValue(o);
        }

        writer.WriteEndArray();
        writer.WriteEndArray();
    }

    private static (long? CreateTime, bool IsProbe, ulong? ClientKey) ReadExtraData(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            JsonReading.Skip(ref reader);
            return (null, false, null);
        }

        long? createTime = null;
        var isProbe = false;
        ulong? clientKey = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var isCreateTime = reader.ValueTextEquals("create_time"u8);
            var isClientId = reader.ValueTextEquals("client_id"u8);
            reader.Read();
            if (isCreateTime)
            {
                createTime = JsonReading.ReadInt64(ref reader);
            }
            else if (isClientId && reader.TokenType == JsonTokenType.String)
            {
                // Compared and hashed in place: the id itself is not kept.
                if (reader.HasValueSequence || reader.ValueIsEscaped)
                {
                    var id = reader.GetString()!;
                    isProbe = id.StartsWith(QueueItem.ProbeClientIdPrefix, StringComparison.Ordinal);
                    clientKey = Hash(System.Text.Encoding.UTF8.GetBytes(id));
                }
                else
                {
                    isProbe = reader.ValueSpan.StartsWith(ProbePrefix);
                    clientKey = Hash(reader.ValueSpan);
                }
            }
            else
            {
                JsonReading.Skip(ref reader);
            }
        }

        return (createTime, isProbe, clientKey);
    }

    /// <summary>Drawn once per process: a client's key means nothing outside it.</summary>
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64();

    /// <summary>FNV-1a (64 bit) from a random offset: enough to tell a few clients apart, never turned back into an id.</summary>
    private static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = 14695981039346656037UL ^ Seed;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
