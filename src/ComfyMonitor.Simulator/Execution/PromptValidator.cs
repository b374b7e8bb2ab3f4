using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Execution;

/// <summary>
/// Validates an API-format graph against the node catalogue the way ComfyUI 0.3.64's validate_prompt and validate_inputs
/// (execution.py) do, with their error types, messages, details and extra_info.
/// </summary>
/// <param name="fileExists">Whether an annotated file name ("x.png", "x.png [output]") names a file (LoadImage's check).</param>
/// <param name="choices">The list a combo offers now when the server fills it at request time (model files), or null.</param>
public sealed partial class PromptValidator(Func<string, bool> fileExists, Func<string, InputSpec, JsonArray?> choices)
{
    private const string ValidatePromptFrame = "  File \"/opt/ComfyUI/execution.py\", line 1010, in validate_prompt\n    m = await validate_inputs(prompt_id, prompt, o, validated)\n        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n";
    private const string InnerFrame = "  File \"/opt/ComfyUI/execution.py\", line 829, in validate_inputs\n    r = await validate_inputs(prompt_id, prompt, o_id, validated)\n        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n";
    private const string LookupFrame = "  File \"/opt/ComfyUI/execution.py\", line 788, in validate_inputs\n    o_class_type = prompt[o_id]['class_type']\n                   ~~~~~~^^^^^^\n";
    private const string SlotFrame = "  File \"/opt/ComfyUI/execution.py\", line 790, in validate_inputs\n    received_type = r[val[1]]\n                    ~^^^^^^^^\n";

    public ValidationResult Validate(JsonObject prompt, IReadOnlyList<string>? partialTargets = null)
    {
        var outputs = new List<string>();
        foreach (var (id, node) in prompt)
        {
            if (node is JsonValue text && text.GetValueKind() == JsonValueKind.String)
            {
                // 'class_type' in "some text" is a substring test in Python.
                if (!text.GetValue<string>().Contains("class_type", StringComparison.Ordinal))
                {
                    return Fail("invalid_prompt", "Cannot execute because a node is missing the class_type property.", $"Node ID '#{id}'");
                }

                throw new InvalidOperationException("a node that is a string");
            }

            if (node is not JsonObject obj)
            {
                throw new InvalidOperationException("a node that is not an object");
            }

            if (!obj.ContainsKey("class_type"))
            {
                return Fail("invalid_prompt", "Cannot execute because a node is missing the class_type property.", $"Node ID '#{id}'");
            }

            var classType = Py.Str(obj["class_type"]);
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

        var validated = new Dictionary<string, Result>();
        var nodeErrors = new JsonObject();
        var good = new List<string>();
        var failedOutputs = new List<(string Output, List<JsonObject> Reasons)>();
        foreach (var output in outputs)
        {
            Result result;
            try
            {
                result = ValidateInputs(prompt, output, validated);
            }
            catch (ValidationException ex)
            {
                result = new Result(false, [Reason("exception_during_validation", "Exception when validating node", ex.Message, new JsonObject
                {
                    ["exception_type"] = ex.ExceptionType,
                    ["traceback"] = new JsonArray([ValidatePromptFrame, .. ex.Frames.Select(f => (JsonNode)f)]),
                })]);
                validated[output] = result;
            }

            if (result.Valid)
            {
                good.Add(output);
                continue;
            }

            failedOutputs.Add((output, result.Reasons));

            // Like the server: every node validated so far that has reasons of its own gets this output as a dependent.
            foreach (var (nodeId, node) in validated)
            {
                if (node.Valid || node.Reasons.Count == 0)
                {
                    continue;
                }

                if (nodeErrors[nodeId] is not JsonObject entry)
                {
                    nodeErrors[nodeId] = entry = new JsonObject
                    {
                        ["errors"] = new JsonArray(node.Reasons.Select(r => (JsonNode)r.DeepClone()).ToArray()),
                        ["dependent_outputs"] = new JsonArray(),
                        ["class_type"] = Py.Str(prompt[nodeId]?["class_type"]),
                    };
                }

                entry["dependent_outputs"]!.AsArray().Add(output);
            }
        }

        if (good.Count == 0)
        {
            var details = string.Join("\n", failedOutputs.SelectMany(f => f.Reasons).Select(r => $"{r["message"]}: {r["details"]}"));
            return new ValidationResult { Error = ErrorObject("prompt_outputs_failed_validation", "Prompt outputs failed validation", details), NodeErrors = nodeErrors };
        }

        return new ValidationResult { NodeErrors = nodeErrors, GoodOutputs = good };
    }

    private Result ValidateInputs(JsonObject prompt, string id, Dictionary<string, Result> validated)
    {
        if (validated.TryGetValue(id, out var known))
        {
            return known;
        }

        var node = (JsonObject)prompt[id]!;
        var classType = Py.Str(node["class_type"]);
        var spec = NodeCatalog.Find(classType)!;
        var inputs = node["inputs"] as JsonObject ?? throw new ValidationException("KeyError", "'inputs'", []);
        var fileCheck = NodeCatalog.FileChecks.TryGetValue(classType, out var check) ? check : default;
        var errors = new List<JsonObject>();
        var valid = true;
        foreach (var input in spec.Inputs)
        {
            // The list the server fills at request time (input files, model files) is read only where it is used: a
            // LoadImage's file name is checked on its own, so the common case reads no folder.
            JsonNode? resolved = null;
            JsonNode Type() => resolved ??= choices(classType, input) ?? input.Type;
            JsonArray Info() => input.Info(Type());
            if (!inputs.TryGetPropertyValue(input.Name, out var value))
            {
                if (input.Required)
                {
                    errors.Add(Reason("required_input_missing", "Required input is missing", input.Name, new JsonObject { ["input_name"] = input.Name }));
                }

                continue;
            }

            if (value is JsonArray link)
            {
                if (link.Count != 2)
                {
                    errors.Add(Reason("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", input.Name,
                        new JsonObject { ["input_name"] = input.Name, ["input_config"] = Info(), ["received_value"] = value.DeepClone() }));
                    continue;
                }

                var sourceId = Source(prompt, link[0], LookupFrame);
                var receivedType = ReturnType(prompt, sourceId, link[1]);
                if (!TypesMatch(receivedType, Type()))
                {
                    errors.Add(Reason("return_type_mismatch", "Return type mismatch between linked nodes",
                        $"{input.Name}, received_type({Py.Str(receivedType)}) mismatch input_type({Py.Str(Type())})",
                        new JsonObject
                        {
                            ["input_name"] = input.Name,
                            ["input_config"] = Info(),
                            ["received_type"] = receivedType?.DeepClone(),
                            ["linked_node"] = value.DeepClone(),
                        }));
                    continue;
                }

                try
                {
                    if (!ValidateInputs(prompt, sourceId, validated).Valid)
                    {
                        valid = false;
                    }
                }
                catch (ValidationException ex)
                {
                    valid = false;
                    validated[sourceId] = new Result(false, [Reason("exception_during_inner_validation", "Exception when validating inner node", ex.Message, new JsonObject
                    {
                        ["input_name"] = input.Name,
                        ["input_config"] = Info(),
                        ["exception_message"] = ex.Message,
                        ["exception_type"] = ex.ExceptionType,
                        ["traceback"] = new JsonArray([InnerFrame, .. ex.Frames.Select(f => (JsonNode)f)]),
                        ["linked_node"] = value.DeepClone(),
                    })]);
                }

                continue;
            }

            if (value is JsonObject wrapped && wrapped.TryGetPropertyValue("__value__", out var unwrapped))
            {
                value = unwrapped;
            }

            var (converted, conversionError) = input.TypeName switch
            {
                "INT" => Py.Int(value),
                "FLOAT" => Py.Float(value),
                "STRING" => (JsonValue.Create(Py.Str(value)), null),
                "BOOLEAN" => (JsonValue.Create(Py.Truthy(value)), null),
                _ => (value, null),
            };
            if (conversionError is not null)
            {
                errors.Add(Reason("invalid_input_type", $"Failed to convert an input value to a {input.TypeName} value", $"{input.Name}, {Py.Str(value)}, {conversionError}",
                    new JsonObject
                    {
                        ["input_name"] = input.Name,
                        ["input_config"] = Info(),
                        ["received_value"] = value?.DeepClone(),
                        ["exception_message"] = conversionError,
                    }));
                continue;
            }

            if (fileCheck.Input == input.Name)
            {
                // VALIDATE_INPUTS takes this input: the range and list checks are skipped for it, the file check runs below.
                continue;
            }

            if (Range(input, converted, Info) is { } rangeError)
            {
                errors.Add(rangeError);
                continue;
            }

            if (Type() is JsonArray options && !options.Any(o => Py.Equal(o, converted)))
            {
                var (listInfo, config) = options.Count > 20 ? ($"(list of length {options.Count})", null) : (Py.Repr(options), Info());
                errors.Add(Reason("value_not_in_list", "Value not in list", $"{input.Name}: '{Py.Str(converted)}' not in {listInfo}",
                    new JsonObject { ["input_name"] = input.Name, ["input_config"] = config, ["received_value"] = converted?.DeepClone() }));
            }
        }

        if (fileCheck.Input is { } checkedInput && inputs[checkedInput] is { } file and not JsonArray && !fileExists(Py.Str(file)))
        {
            errors.Add(Reason("custom_validation_failed", "Custom validation failed for node", $"{checkedInput} - Invalid {fileCheck.Noun} file: {Py.Str(file)}",
                new JsonObject { ["input_name"] = checkedInput }));
        }

        var result = errors.Count > 0 || !valid ? new Result(false, errors) : new Result(true, []);
        validated[id] = result;
        return result;
    }
}
