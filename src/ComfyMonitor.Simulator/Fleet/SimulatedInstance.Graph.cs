using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>A prompt's graph: the order its nodes run in, and the cache key of each.</summary>
public sealed partial class SimulatedInstance
{
    /// <summary>Nodes the outputs depend on, dependencies first.</summary>
    private static List<string> Order(JsonObject prompt, IReadOnlyList<string> outputs)
    {
        var order = new List<string>();
        var seen = new HashSet<string>();
        void Visit(string id)
        {
            if (!seen.Add(id) || prompt[id] is not JsonObject node)
            {
                return;
            }

            foreach (var (_, value) in node["inputs"] as JsonObject ?? [])
            {
                if (value is JsonArray { Count: 2 } link && link[0] is JsonValue source)
                {
                    Visit(source.ToString());
                }
            }

            order.Add(id);
        }

        foreach (var output in outputs)
        {
            Visit(output);
        }

        return order;
    }

    /// <summary>The cache key: class, literal inputs, linked nodes' keys, and the content of loaded files.</summary>
    private string Signature(JsonObject prompt, string id, Dictionary<string, string> known)
    {
        var node = (JsonObject)prompt[id]!;
        var sb = new StringBuilder(node["class_type"]!.ToString());
        foreach (var (name, value) in (node["inputs"] as JsonObject ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append('|').Append(name).Append('=');
            if (value is JsonArray { Count: 2 } link && link[0] is JsonValue source && known.TryGetValue(source.ToString(), out var upstream))
            {
                sb.Append('<').Append(upstream).Append(">.").Append(link[1]);
            }
            else
            {
                sb.Append(value?.ToJsonString());
            }

            if (name == "image" && value is JsonValue v && Files.ResolveLoadImage(v.ToString()) is { } path)
            {
                sb.Append('#').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))));
            }
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
