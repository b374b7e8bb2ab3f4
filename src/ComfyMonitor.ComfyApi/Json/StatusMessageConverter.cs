using System.Text.Json;
using System.Text.Json.Serialization;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.ComfyApi.Json;

/// <summary>Reads <c>[event_name, {data}]</c>, keeping ids, timestamps and error types only.</summary>
internal sealed class StatusMessageConverter : JsonConverter<StatusMessage>
{
    public override StatusMessage? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("A status message must be a [event, data] array.");
        }

        string eventName = "";
        StatusMessage? message = null;
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (index++)
            {
                case 0:
                    eventName = JsonReading.ReadString(ref reader) ?? "";
                    break;
                case 1 when reader.TokenType == JsonTokenType.StartObject:
                    message = ReadData(ref reader, eventName);
                    break;
                default:
                    JsonReading.Skip(ref reader);
                    break;
            }
        }

        return message ?? new StatusMessage { Event = eventName };
    }

    /// <summary>Reads an execution event's data object (shared with the WebSocket parser).</summary>
    internal static StatusMessage ReadData(ref Utf8JsonReader reader, string eventName)
    {
        string? promptId = null, nodeId = null, nodeType = null, exceptionType = null, exceptionMessage = null;
        long? timestamp = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = JsonReading.GetString(ref reader);
            reader.Read();
            switch (name)
            {
                case "prompt_id": promptId = JsonReading.ReadString(ref reader); break;
                case "timestamp": timestamp = JsonReading.ReadInt64(ref reader); break;
                case "node_id": nodeId = JsonReading.ReadString(ref reader); break;
                case "node_type": nodeType = JsonReading.ReadString(ref reader); break;
                case "exception_type": exceptionType = JsonReading.ReadString(ref reader); break;
                case "exception_message": exceptionMessage = JsonReading.ReadString(ref reader); break;
                default: JsonReading.Skip(ref reader); break;
            }
        }

        return new StatusMessage
        {
            Event = eventName,
            PromptId = promptId,
            TimestampMs = timestamp,
            NodeId = nodeId,
            NodeType = nodeType,
            ExceptionType = exceptionType,
            ExceptionMessage = exceptionMessage,
        };
    }

    public override void Write(Utf8JsonWriter writer, StatusMessage value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(value.Event);
        writer.WriteStartObject();
        if (value.PromptId is not null)
        {
            writer.WriteString("prompt_id", value.PromptId);
        }

        if (value.NodeId is not null)
        {
            writer.WriteString("node_id", value.NodeId);
        }

        if (value.NodeType is not null)
        {
            writer.WriteString("node_type", value.NodeType);
        }

        if (value.ExceptionMessage is not null)
        {
            writer.WriteString("exception_message", value.ExceptionMessage);
        }

        if (value.ExceptionType is not null)
        {
            writer.WriteString("exception_type", value.ExceptionType);
        }

        if (value.TimestampMs is { } ts)
        {
            writer.WriteNumber("timestamp", ts);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
    }
}
