using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Execution;

/// <summary>Validates an API-format graph the way ComfyUI's validate_prompt does, with its error shapes.</summary>
public sealed class PromptValidator(Func<string, bool> imageExists)
{
    public ValidationResult Validate(JsonObject prompt, IReadOnlyList<string>? partialTargets = null)
    {
        var outputs = new List<string>();
        foreach (var (id, node) in prompt)
        {
            if (node is not JsonObject obj || obj["class_type"] is not JsonValue classValue || classValue.GetValueKind() != JsonValueKind.String)
            {
                return Fail("invalid_prompt", "Cannot execute because a node is missing the class_type property.", $"Node ID '#{id}'");
            }

            var classType = classValue.GetValue<string>();
            if (NodeCatalog.Find(classType) is not { } spec)
            {
                return Fail("invalid_prompt", $"Cannot execute because node {classType} does not exist.", $"Node ID '#{id}'");
            }

            if (spec.IsOutput && (partialTargets is null || partialTargets.Contains(id)))
            {
                outputs.Add(id);
            }
        }

        if (outputs.Count == 0)
        {
            return Fail("prompt_no_outputs", "Prompt has no outputs", "");
        }

        var nodeErrors = new Dictionary<string, (List<JsonObject> Errors, List<string> Dependents, string ClassType)>();
        var validated = new Dictionary<string, bool>();
        var good = new List<string>();
        var outputDetails = new List<string>();
        foreach (var output in outputs)
        {
            var reached = new List<string>();
            if (ValidateNode(prompt, output, validated, nodeErrors, reached))
            {
                good.Add(output);
                continue;
            }

            foreach (var failed in reached.Where(nodeErrors.ContainsKey))
            {
                nodeErrors[failed].Dependents.Add(output);
            }

            if (nodeErrors.TryGetValue(output, out var own))
            {
                outputDetails.AddRange(own.Errors.Select(e => $"{e["message"]}: {e["details"]}"));
            }
        }

        var errorsJson = new JsonObject();
        foreach (var (id, (errors, dependents, classType)) in nodeErrors)
        {
            errorsJson[id] = new JsonObject
            {
                ["errors"] = new JsonArray(errors.Select(e => (JsonNode)e).ToArray()),
                ["dependent_outputs"] = new JsonArray(dependents.Distinct().Select(d => (JsonNode)d).ToArray()),
                ["class_type"] = classType,
            };
        }

        if (good.Count == 0)
        {
            return new ValidationResult
            {
                Error = ErrorObject("prompt_outputs_failed_validation", "Prompt outputs failed validation", string.Join("\n", outputDetails)),
                NodeErrors = errorsJson,
            };
        }

        return new ValidationResult { NodeErrors = errorsJson, GoodOutputs = good };
    }

    private bool ValidateNode(
        JsonObject prompt, string id, Dictionary<string, bool> validated,
        Dictionary<string, (List<JsonObject> Errors, List<string> Dependents, string ClassType)> nodeErrors, List<string> reached)
    {
        reached.Add(id);
        if (validated.TryGetValue(id, out var known))
        {
            return known;
        }

        validated[id] = true; // guards against cycles while this node is being checked
        var node = (JsonObject)prompt[id]!;
        var classType = node["class_type"]!.GetValue<string>();
        var spec = NodeCatalog.Find(classType)!;
        var inputs = node["inputs"] as JsonObject ?? [];
        var errors = new List<JsonObject>();
        var valid = true;
        foreach (var input in spec.Inputs)
        {
            var value = inputs[input.Name];
            if (value is null)
            {
                if (input.Required)
                {
                    errors.Add(NodeError("required_input_missing", "Required input is missing", input.Name, new JsonObject { ["input_name"] = input.Name }));
                }

                continue;
            }

            if (value is JsonArray { Count: 2 } link && link[0] is JsonValue linkId && linkId.GetValueKind() == JsonValueKind.String)
            {
                var source = linkId.GetValue<string>();
                if (prompt[source] is not JsonObject)
                {
                    errors.Add(NodeError("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", input.Name,
                        new JsonObject { ["input_name"] = input.Name, ["received_value"] = value.DeepClone() }));
                    continue;
                }

                if (!ValidateNode(prompt, source, validated, nodeErrors, reached))
                {
                    valid = false;
                    continue;
                }

                var sourceSpec = NodeCatalog.Find(((JsonObject)prompt[source]!)["class_type"]!.GetValue<string>())!;
                var slot = link[1] is JsonValue s && s.TryGetValue<int>(out var slotIndex) ? slotIndex : -1;
                var received = slot >= 0 && slot < sourceSpec.Outputs.Count ? sourceSpec.Outputs[slot] : "*";
                if (!input.IsWidget && !sourceSpec.IsModelNode && received != input.Type)
                {
                    errors.Add(NodeError("return_type_mismatch", "Return type mismatch between linked nodes", $"{input.Name}, received_type({received}) mismatch input_type({input.Type})",
                        new JsonObject { ["input_name"] = input.Name, ["received_type"] = received, ["linked_node"] = value.DeepClone() }));
                }

                continue;
            }

            if (CheckWidget(classType, input, value) is { } widgetError)
            {
                errors.Add(widgetError);
            }
        }

        if (errors.Count > 0)
        {
            nodeErrors[id] = (errors, [], classType);
            valid = false;
        }

        validated[id] = valid;
        return valid;
    }

    private JsonObject? CheckWidget(string classType, InputSpec input, JsonNode value)
    {
        var config = new JsonArray(input.Type, new JsonObject());
        switch (input.Type)
        {
            case "INT":
                if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    return NodeError("invalid_input_type", $"Failed to convert an input value to a INT value", $"{input.Name}, {value.ToJsonString()}, invalid literal for int()",
                        new JsonObject { ["input_name"] = input.Name, ["input_config"] = config, ["received_value"] = value.DeepClone() });
                }

                var n = (long)number;
                if (input.Min is { } min && n < min)
                {
                    return NodeError("value_smaller_than_min", $"Value {n} smaller than min of {min}", input.Name, Range(input, n));
                }

                if (input.Max is { } max && n > max)
                {
                    return NodeError("value_bigger_than_max", $"Value {n} bigger than max of {max}", input.Name, Range(input, n));
                }

                return null;
            case "COMBO" when input.Name == "image" && classType is "LoadImage" or "LoadImageMask":
                var name = value is JsonValue str && str.GetValueKind() == JsonValueKind.String ? str.GetValue<string>() : value.ToJsonString();
                return imageExists(name)
                    ? null
                    : NodeError("custom_validation_failed", "Custom validation failed for node", $"image - Invalid image file: {name}", new JsonObject { ["input_name"] = "image" });
            case "COMBO" when input.Options is { } options:
                var text = value is JsonValue sv && sv.GetValueKind() == JsonValueKind.String ? sv.GetValue<string>() : value.ToJsonString();
                return options.Contains(text)
                    ? null
                    : NodeError("value_not_in_list", "Value not in list", $"{input.Name}: '{text}' not in {JsonSerializer.Serialize(options.ToArray(), SimulatorJsonContext.Default.StringArray)}",
                        new JsonObject { ["input_name"] = input.Name, ["input_config"] = null, ["received_value"] = text });
            default:
                return null;
        }
    }

    private static JsonObject Range(InputSpec input, long received) => new()
    {
        ["input_name"] = input.Name,
        ["input_config"] = new JsonArray(input.Type, new JsonObject
        {
            ["default"] = input.Default,
            ["min"] = input.Min,
            ["max"] = input.Max,
            ["step"] = 1,
        }),
        ["received_value"] = received,
    };

    private static JsonObject NodeError(string type, string message, string details, JsonObject extra) => new()
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
}
