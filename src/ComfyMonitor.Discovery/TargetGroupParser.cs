using System.Text.Json;
using ComfyMonitor.ComfyApi;
using YamlDotNet.RepresentationModel;

namespace ComfyMonitor.Discovery;

/// <summary>
/// Reads Prometheus service-discovery target groups — <c>[{"targets": ["host:port"], "labels": {...}}]</c>,
/// as JSON or YAML. Label <c>__scheme__</c> (http/https) and <c>comfyui_instance</c> (the name) are honoured; the other
/// labels (not <c>__</c>-prefixed) become the target's labels.
/// </summary>
public static class TargetGroupParser
{
    public static IReadOnlyList<ComfyEndpoint> ParseJson(string text) => ToEndpoints(ReadJson(text));

    public static IReadOnlyList<ComfyEndpoint> ParseYaml(string text) => ToEndpoints(ReadYaml(text));

    /// <summary>By extension: .yml/.yaml as YAML, anything else as JSON.</summary>
    public static IReadOnlyList<ComfyEndpoint> ParseFile(string path, string text) =>
        Path.GetExtension(path).ToLowerInvariant() is ".yml" or ".yaml" ? ParseYaml(text) : ParseJson(text);

    private static List<(List<string> Targets, Dictionary<string, string> Labels)> ReadJson(string text)
    {
        using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("a target-group file must hold a list of target groups");
        }

        var groups = new List<(List<string>, Dictionary<string, string>)>();
        foreach (var group in doc.RootElement.EnumerateArray())
        {
            if (group.ValueKind != JsonValueKind.Object || !group.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("every target group needs a \"targets\" list");
            }

            var labels = new Dictionary<string, string>();
            if (group.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in l.EnumerateObject())
                {
                    labels[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }

            groups.Add((targets.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString()! : throw new FormatException("a target must be a \"host:port\" string")).ToList(), labels));
        }

        return groups;
    }

    private static List<(List<string> Targets, Dictionary<string, string> Labels)> ReadYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var groups = new List<(List<string>, Dictionary<string, string>)>();
        if (stream.Documents.Count == 0)
        {
            return groups;
        }

        if (stream.Documents[0].RootNode is not YamlSequenceNode root)
        {
            throw new FormatException("a target-group file must hold a list of target groups");
        }

        foreach (var node in root.Children)
        {
            if (node is not YamlMappingNode group || !group.Children.TryGetValue(new YamlScalarNode("targets"), out var t) || t is not YamlSequenceNode targets)
            {
                throw new FormatException("every target group needs a \"targets\" list");
            }

            var labels = new Dictionary<string, string>();
            if (group.Children.TryGetValue(new YamlScalarNode("labels"), out var l) && l is YamlMappingNode map)
            {
                foreach (var (k, v) in map.Children)
                {
                    labels[((YamlScalarNode)k).Value ?? ""] = (v as YamlScalarNode)?.Value ?? "";
                }
            }

            groups.Add((targets.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw new FormatException("a target must be a \"host:port\" string")).ToList(), labels));
        }

        return groups;
    }

    private static List<ComfyEndpoint> ToEndpoints(List<(List<string> Targets, Dictionary<string, string> Labels)> groups)
    {
        var endpoints = new List<ComfyEndpoint>();
        foreach (var (targets, labels) in groups)
        {
            var scheme = labels.GetValueOrDefault("__scheme__", "http");
            if (scheme is not ("http" or "https"))
            {
                throw new FormatException($"__scheme__ must be http or https, not '{scheme}'");
            }

            if (TargetExpectations.Problems(labels).FirstOrDefault() is { } problem)
            {
                // A target with an expectation that cannot be read would be watched with the wrong one: the file fails
                // as with any other bad target (its last good targets stay), and the message names target and label.
                throw new TargetExpectationException($"target {string.Join(", ", targets.Select(t => $"'{t}'"))}: label {problem}");
            }

            foreach (var target in targets)
            {
                if (!Uri.TryCreate($"{scheme}://{target}/", UriKind.Absolute, out var url) || url.AbsolutePath != "/" || target.Contains('@'))
                {
                    throw new FormatException($"'{target}' is not a host:port target");
                }

                var name = labels.TryGetValue("comfyui_instance", out var n) && !string.IsNullOrWhiteSpace(n) && targets.Count == 1 ? n : ComfyEndpoint.DefaultName(url);
                endpoints.Add(new ComfyEndpoint(name, url, labels: TargetLabels.Clean(labels)));
            }
        }

        return endpoints;
    }
}
