using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Execution;

/// <summary>
/// The checks validate_inputs makes of one input (range, links, their types) and the error objects it builds, with the
/// exceptions the server's validation raises for broken links.
/// </summary>
public sealed partial class PromptValidator
{
    private static JsonObject? Range(InputSpec input, JsonNode? value, Func<JsonArray> info)
    {
        if (Py.Number(value) is not { } number)
        {
            return null;
        }

        if (input.Config["min"] is JsonValue min && Py.Number(min) is { } low && number < low)
        {
            return Reason("value_smaller_than_min", $"Value {Py.Str(value)} smaller than min of {Py.Str(min)}", input.Name,
                new JsonObject { ["input_name"] = input.Name, ["input_config"] = info(), ["received_value"] = value!.DeepClone() });
        }

        if (input.Config["max"] is JsonValue max && Py.Number(max) is { } high && number > high)
        {
            return Reason("value_bigger_than_max", $"Value {Py.Str(value)} bigger than max of {Py.Str(max)}", input.Name,
                new JsonObject { ["input_name"] = input.Name, ["input_config"] = info(), ["received_value"] = value!.DeepClone() });
        }

        return null;
    }

    /// <summary>prompt[o_id]: the id of the linked node, or the KeyError the server raises.</summary>
    private static string Source(JsonObject prompt, JsonNode? id, string frame)
    {
        if (id is JsonValue v && v.GetValueKind() == JsonValueKind.String && prompt.ContainsKey(v.GetValue<string>()))
        {
            return v.GetValue<string>();
        }

        if (id is JsonArray or JsonObject)
        {
            throw new ValidationException("TypeError", $"unhashable type: '{Py.TypeName(id)}'", [frame]);
        }

        throw new ValidationException("KeyError", Py.Repr(id), [frame]);
    }

    /// <summary>RETURN_TYPES[slot] of the linked node, or the IndexError/TypeError the server raises.</summary>
    private static JsonNode? ReturnType(JsonObject prompt, string sourceId, JsonNode? slot)
    {
        var outputs = NodeCatalog.Find(Py.Str(prompt[sourceId]!["class_type"]))!.Outputs;
        var index = slot is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? (v.GetValueKind() == JsonValueKind.True ? 1 : 0)
            : slot is JsonValue n && n.GetValueKind() == JsonValueKind.Number && Py.IsInteger(n) ? n.GetValue<long>() : (long?)null;
        if (index is not { } i)
        {
            throw new ValidationException("TypeError", $"tuple indices must be integers or slices, not {Py.TypeName(slot)}", [SlotFrame]);
        }

        if (i < -outputs.Count || i >= outputs.Count)
        {
            throw new ValidationException("IndexError", "tuple index out of range", [SlotFrame]);
        }

        return outputs[(int)(i < 0 ? outputs.Count + i : i)];
    }

    /// <summary>comfy_execution.validation.validate_node_input (not strict): equal, or the comma-separated type sets overlap.</summary>
    private static bool TypesMatch(JsonNode? received, JsonNode? expected)
    {
        if (JsonNode.DeepEquals(received, expected))
        {
            return true;
        }

        if (received is not JsonValue r || expected is not JsonValue e || r.GetValueKind() != JsonValueKind.String || e.GetValueKind() != JsonValueKind.String)
        {
            return false;
        }

        var expectedTypes = e.GetValue<string>().Split(',').Select(t => t.Trim()).ToHashSet();
        return r.GetValue<string>() == "*" || e.GetValue<string>() == "*" || r.GetValue<string>().Split(',').Any(t => expectedTypes.Contains(t.Trim()));
    }

    private static JsonObject Reason(string type, string message, string details, JsonObject extra) => new()
    {
        ["type"] = type,
        ["message"] = message,
        ["details"] = details,
        ["extra_info"] = extra,
    };

    private static ValidationResult Fail(string type, string message, string details) =>
        new() { Error = ErrorObject(type, message, details) };

    public static JsonObject ErrorObject(string type, string message, string details) => new()
    {
        ["type"] = type,
        ["message"] = message,
        ["details"] = details,
        ["extra_info"] = new JsonObject(),
    };

    private sealed record Result(bool Valid, List<JsonObject> Reasons);

    /// <summary>An exception the server's validation raises (a KeyError for a link to a missing node, ...).</summary>
    private sealed class ValidationException(string exceptionType, string message, IReadOnlyList<string> frames) : Exception(message)
    {
        public string ExceptionType { get; } = exceptionType;

        public IReadOnlyList<string> Frames { get; } = frames;
    }
}
