using YamlDotNet.RepresentationModel;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>The alert rules of a Prometheus rule file, read with YamlDotNet.</summary>
internal sealed record AlertRules(string Name, string Expr, string For, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations)
{
    public static List<AlertRules> Load(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var rules = new List<AlertRules>();
        foreach (YamlMappingNode group in (YamlSequenceNode)root["groups"])
        {
            foreach (YamlMappingNode rule in (YamlSequenceNode)group["rules"])
            {
                if (!rule.Children.ContainsKey("alert"))
                {
                    continue;
                }

                rules.Add(new AlertRules(
                    Scalar(rule, "alert"), Scalar(rule, "expr"), Scalar(rule, "for"),
                    Map(rule, "labels"), Map(rule, "annotations")));
            }
        }

        return rules;
    }

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var v) ? ((YamlScalarNode)v).Value ?? "" : "";

    private static Dictionary<string, string> Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var v)
            ? ((YamlMappingNode)v).Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value ?? "")
            : [];
}
