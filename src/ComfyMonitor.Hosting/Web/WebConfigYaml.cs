using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ComfyMonitor.Hosting.Web;

/// <summary>
/// Reading the web configuration file's YAML as exporter-toolkit's strict parsing does: unknown keys, and values of the
/// wrong kind, are problems reported with their key (prefixed with their section, e.g. <c>tls_server_config.</c>).
/// </summary>
internal static class WebConfigYaml
{
    public static Dictionary<string, YamlNode> Fields(YamlNode node, string prefix, string[] allowed, List<string> problems)
    {
        var fields = new Dictionary<string, YamlNode>();
        if (IsNull(node))
        {
            return fields;
        }

        if (node is not YamlMappingNode map)
        {
            problems.Add($"{prefix.TrimEnd('.')}: expected a mapping");
            return fields;
        }

        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(key))
            {
                problems.Add($"{prefix}{key}: unknown key (expected one of {string.Join(", ", allowed)})");
                continue;
            }

            fields[key] = v;
        }

        return fields;
    }

    public static bool IsNull(YamlNode node) => node is YamlScalarNode { Value: null or "" or "~" or "null" } s && s.Style == ScalarStyle.Plain;

    public static string? Scalar(Dictionary<string, YamlNode> fields, string key, string prefix, List<string> problems)
    {
        if (!fields.TryGetValue(key, out var node) || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode s)
        {
            return s.Value;
        }

        problems.Add($"{prefix}{key}: expected a string");
        return null;
    }

    public static List<string> List(Dictionary<string, YamlNode> fields, string key, string prefix, List<string> problems)
    {
        if (!fields.TryGetValue(key, out var node) || IsNull(node))
        {
            return [];
        }

        if (node is YamlSequenceNode seq && seq.Children.All(c => c is YamlScalarNode))
        {
            return seq.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList();
        }

        problems.Add($"{prefix}{key}: expected a list of strings");
        return [];
    }

    public static bool? Bool(Dictionary<string, YamlNode> fields, string key, string prefix, List<string> problems)
    {
        var value = Scalar(fields, key, prefix, problems);
        if (value is null)
        {
            return null;
        }

        if (bool.TryParse(value, out var b))
        {
            return b;
        }

        problems.Add($"{prefix}{key}: '{value}' is not true or false");
        return null;
    }
}
