using System.Text.Json.Nodes;

namespace ComfyMonitor.Simulator.Execution;

/// <summary>
/// The order in which ComfyUI 0.3.64 runs a prompt's nodes (comfy_execution/graph.py: ExecutionList.add_node, then
/// stage_node_execution with ux_friendly_pick_node): a depth-first collection from each output that skips cached inputs,
/// then, among the nodes whose inputs are done, an output node first, else one feeding an output, else one feeding a node
/// that feeds an output, else the first collected.
/// </summary>
public static class ExecutionOrder
{
    /// <param name="isCached">Whether a node's output is in the cache (it is not run, and its inputs are not collected).</param>
    public static List<string> Of(JsonObject prompt, IReadOnlyList<string> outputs, Func<string, bool> isCached)
    {
        var pending = new List<string>();
        var blockCount = new Dictionary<string, int>();
        var blocking = new Dictionary<string, List<string>>();
        foreach (var output in outputs)
        {
            AddNode(prompt, output, isCached, pending, blockCount, blocking);
        }

        var order = new List<string>();
        while (pending.Count > 0)
        {
            var available = pending.Where(n => blockCount[n] == 0).ToList();
            if (available.Count == 0)
            {
                break; // a cycle: validation rejects those
            }

            var next = Pick(prompt, available, blocking);
            order.Add(next);
            pending.Remove(next);
            foreach (var blocked in blocking[next])
            {
                blockCount[blocked]--;
            }
        }

        return order;
    }

    private static void AddNode(
        JsonObject prompt, string id, Func<string, bool> isCached, List<string> pending, Dictionary<string, int> blockCount, Dictionary<string, List<string>> blocking)
    {
        var stack = new List<string> { id };
        var links = new List<(string From, string To)>();
        while (stack.Count > 0)
        {
            var current = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            if (pending.Contains(current) || prompt[current] is not JsonObject node)
            {
                continue;
            }

            pending.Add(current);
            blockCount[current] = 0;
            blocking[current] = [];
            foreach (var (_, value) in node["inputs"] as JsonObject ?? [])
            {
                if (value is JsonArray { Count: 2 } link && link[0] is JsonValue from && !isCached(from.ToString()))
                {
                    stack.Add(from.ToString());
                    links.Add((from.ToString(), current));
                }
            }
        }

        foreach (var (from, to) in links)
        {
            if (!blocking[from].Contains(to))
            {
                blocking[from].Add(to);
                blockCount[to]++;
            }
        }
    }

    private static string Pick(JsonObject prompt, List<string> available, Dictionary<string, List<string>> blocking)
    {
        bool IsOutput(string id) => NodeCatalog.Find(prompt[id]?["class_type"]?.ToString() ?? "")?.IsOutput == true;

        return available.FirstOrDefault(IsOutput)
            ?? available.FirstOrDefault(n => blocking[n].Any(IsOutput))
            ?? available.FirstOrDefault(n => blocking[n].Any(b => blocking[b].Any(IsOutput)))
            ?? available[0];
    }
}
