using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ComfyMonitor.Simulator;

[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class SimulatorJsonContext : JsonSerializerContext;
