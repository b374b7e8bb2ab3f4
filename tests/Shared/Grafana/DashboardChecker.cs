using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ComfyMonitor.Testing;

/// <summary>
/// Structural checks of Grafana dashboards: valid JSON, stable and unique uids, unique panel ids, a datasource
/// variable that every panel, target and annotation query uses, a multi-select comfyui_instance variable, an expr on
/// every target and annotation query that honours the instance variable, a unit on every panel, a current schemaVersion. Returns the problems found (none: the dashboard is fine).
/// </summary>
internal static partial class DashboardChecker
{
    public const int MinimumSchemaVersion = 39;

    public static List<string> Check(IReadOnlyDictionary<string, string> dashboards)
    {
        var problems = new List<string>();
        var uids = new Dictionary<string, string>();
        foreach (var (file, text) in dashboards)
        {
            JsonObject dashboard;
            try
            {
                dashboard = JsonNode.Parse(text) as JsonObject ?? throw new FormatException("not an object");
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException)
            {
                problems.Add($"{file}: not valid JSON ({ex.Message})");
                continue;
            }

            var uid = (string?)dashboard["uid"];
            if (string.IsNullOrWhiteSpace(uid) || !UidPattern().IsMatch(uid))
            {
                problems.Add($"{file}: no stable uid");
            }
            else if (!uids.TryAdd(uid, file))
            {
                problems.Add($"{file}: uid {uid} is also used by {uids[uid]}");
            }

            if ((int?)dashboard["schemaVersion"] is not >= MinimumSchemaVersion)
            {
                problems.Add($"{file}: schemaVersion {dashboard["schemaVersion"]} is older than {MinimumSchemaVersion}");
            }

            var variables = dashboard["templating"]?["list"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
            var datasource = variables.FirstOrDefault(v => (string?)v["type"] == "datasource" && (string?)v["query"] == "prometheus");
            if (datasource is null)
            {
                problems.Add($"{file}: no Prometheus datasource variable");
            }

            var instance = variables.FirstOrDefault(v => (string?)v["name"] == "comfyui_instance");
            if (instance is null || (bool?)instance["multi"] != true)
            {
                problems.Add($"{file}: no multi-select comfyui_instance variable");
            }

            var expected = datasource is null ? null : $"${{{datasource["name"]}}}";
            foreach (var annotation in PrometheusAnnotations(dashboard))
            {
                var name = (string?)annotation["name"] ?? "?";
                if ((string?)annotation["datasource"]?["uid"] != expected)
                {
                    problems.Add($"{file}: annotation '{name}' does not use the datasource variable");
                }

                if (string.IsNullOrWhiteSpace((string?)annotation["expr"]) || !((string)annotation["expr"]!).Contains("$comfyui_instance", StringComparison.Ordinal))
                {
                    problems.Add($"{file}: annotation '{name}' has no expr that honours the comfyui_instance variable");
                }

                if (string.IsNullOrWhiteSpace((string?)annotation["textFormat"]))
                {
                    problems.Add($"{file}: annotation '{name}' has no text");
                }
            }

            var ids = new HashSet<int>();
            foreach (var panel in Panels(dashboard))
            {
                var title = (string?)panel["title"] ?? "?";
                if ((int?)panel["id"] is not { } id || !ids.Add(id))
                {
                    problems.Add($"{file}: panel '{title}' has a missing or duplicate id");
                }

                if ((string?)panel["datasource"]?["uid"] != expected)
                {
                    problems.Add($"{file}: panel '{title}' does not use the datasource variable");
                }

                if (string.IsNullOrWhiteSpace((string?)panel["fieldConfig"]?["defaults"]?["unit"]))
                {
                    problems.Add($"{file}: panel '{title}' has no unit");
                }

                var targets = panel["targets"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
                if (targets.Count == 0)
                {
                    problems.Add($"{file}: panel '{title}' has no query");
                }

                foreach (var target in targets)
                {
                    if (string.IsNullOrWhiteSpace((string?)target["expr"]))
                    {
                        problems.Add($"{file}: a query of panel '{title}' has no expr");
                    }
                    else if (!((string)target["expr"]!).Contains("$comfyui_instance", StringComparison.Ordinal))
                    {
                        problems.Add($"{file}: a query of panel '{title}' ignores the comfyui_instance variable");
                    }

                    if (target["datasource"] is JsonObject ds && (string?)ds["uid"] != expected)
                    {
                        problems.Add($"{file}: a query of panel '{title}' does not use the datasource variable");
                    }
                }
            }
        }

        return problems;
    }

    /// <summary>Every (dashboard, panel title, expr) with the variables substituted for a Prometheus query.</summary>
    public static IEnumerable<(string File, string Panel, string Expr)> Queries(IReadOnlyDictionary<string, string> dashboards) =>
        from d in dashboards
        let dashboard = JsonNode.Parse(d.Value)!
        from panel in Panels(dashboard)
        from target in panel["targets"]?.AsArray().OfType<JsonObject>() ?? []
        select (d.Key, (string?)panel["title"] ?? "?", Substitute((string)target["expr"]!));

    /// <summary>Every (dashboard, annotation name, expr) of the Prometheus annotation queries, variables substituted.</summary>
    public static IEnumerable<(string File, string Annotation, string Expr)> Annotations(IReadOnlyDictionary<string, string> dashboards) =>
        from d in dashboards
        from annotation in PrometheusAnnotations(JsonNode.Parse(d.Value)!)
        select (d.Key, (string?)annotation["name"] ?? "?", Substitute((string?)annotation["expr"] ?? ""));

    /// <summary>Annotation queries on Prometheus (Grafana's built-in annotations and alerts entry is not one).</summary>
    private static IEnumerable<JsonObject> PrometheusAnnotations(JsonNode dashboard) =>
        (dashboard["annotations"]?["list"]?.AsArray().OfType<JsonObject>() ?? []).Where(a => (string?)a["datasource"]?["type"] == "prometheus");

    /// <summary>Each dashboard's series selector of its comfyui_instance variable (label_values(SELECTOR, comfyui_instance)), variables left in.</summary>
    public static IEnumerable<(string File, string Selector)> InstanceVariableSelectors(IReadOnlyDictionary<string, string> dashboards) =>
        from d in dashboards
        from variable in JsonNode.Parse(d.Value)!["templating"]?["list"]?.AsArray().OfType<JsonObject>() ?? []
        where (string?)variable["name"] == "comfyui_instance"
        let definition = (string)variable["definition"]!
        let match = LabelValues().Match(definition)
        select (d.Key, match.Success ? match.Groups[1].Value : definition);

    /// <summary>Every instance, no target filter, grouped by the target label pool (which the end-to-end fleet sets).</summary>
    public static string Substitute(string expr) => expr
        .Replace("$comfyui_instance", ".*", StringComparison.Ordinal)
        .Replace("$target_filter", "", StringComparison.Ordinal)
        .Replace("$group_by", "pool", StringComparison.Ordinal);

    public static Dictionary<string, string> Load(string folder) =>
        Directory.EnumerateFiles(folder, "*.json").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);

    private static IEnumerable<JsonObject> Panels(JsonNode dashboard) =>
        (dashboard["panels"]?.AsArray().OfType<JsonObject>() ?? []).SelectMany(p => p["panels"] is JsonArray inner ? inner.OfType<JsonObject>().Prepend(p) : [p])
            .Where(p => (string?)p["type"] != "row");

    [GeneratedRegex(@"^label_values\((.+), comfyui_instance\)$")]
    private static partial Regex LabelValues();

    [GeneratedRegex("^[a-z0-9-]{3,40}$")]
    private static partial Regex UidPattern();
}
