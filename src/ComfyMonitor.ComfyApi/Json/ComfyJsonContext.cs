using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ComfyMonitor.ComfyApi.Models;

namespace ComfyMonitor.ComfyApi.Json;

/// <summary>Source-generated metadata for every ComfyUI request and response shape.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    Converters = [typeof(LenientStringConverter)])]
[JsonSerializable(typeof(SystemStats))]
[JsonSerializable(typeof(PromptInfo))]
[JsonSerializable(typeof(QueueState))]
[JsonSerializable(typeof(HistoryPage))]
[JsonSerializable(typeof(HistoryEntry))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, NodeInfo>))]
[JsonSerializable(typeof(PromptRequest))]
[JsonSerializable(typeof(PromptResponse))]
[JsonSerializable(typeof(PromptErrorResponse))]
[JsonSerializable(typeof(NodeError))]
[JsonSerializable(typeof(UploadResponse))]
[JsonSerializable(typeof(DeleteRequest))]
[JsonSerializable(typeof(InterruptRequest))]
[JsonSerializable(typeof(OriginalRef))]
[JsonSerializable(typeof(JsonObject))]
public sealed partial class ComfyJsonContext : JsonSerializerContext;
