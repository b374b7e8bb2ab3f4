using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Testing;

/// <summary>
/// Checks the shipped dashboards through a Grafana server's HTTP API: each is found by its uid and was
/// provisioned, its datasource variable resolves to a provisioned data source of its type, and every panel
/// query, run through Grafana's query API (<c>POST /api/ds/query</c>), returns data without an error.
/// </summary>
internal sealed class GrafanaChecker(HttpClient grafana)
{
    /// <summary>Problems found, one line each; empty when every dashboard passes.</summary>
    public async Task<List<string>> CheckAsync(IReadOnlyDictionary<string, string> shipped, bool requireData = true)
    {
        var problems = new List<string>();
        var datasources = await grafana.GetFromJsonAsync<JsonArray>("api/datasources") ?? [];
        foreach (var (file, text) in shipped)
        {
            var uid = (string?)JsonNode.Parse(text)!["uid"] ?? "";
            using var response = await grafana.GetAsync($"api/dashboards/uid/{Uri.EscapeDataString(uid)}");
            if (response.StatusCode == HttpStatusCode.NotFound || uid == "")
            {
                problems.Add($"{file}: no dashboard with uid '{uid}' in Grafana");
                continue;
            }

            response.EnsureSuccessStatusCode();
            var served = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            if ((bool?)served["meta"]?["provisioned"] != true)
            {
                problems.Add($"{file}: uid '{uid}' was not provisioned from the dashboards folder");
            }

            var variables = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var variable in served["dashboard"]!["templating"]?["list"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                var name = (string)variable["name"]!;
                if ((string?)variable["type"] == "datasource")
                {
                    var type = (string?)variable["query"];
                    var match = datasources.OfType<JsonObject>().FirstOrDefault(d => (string?)d["type"] == type);
                    if (match is null)
                    {
                        problems.Add($"{file}: datasource variable '{name}' of type '{type}' matches no provisioned data source");
                    }
                    else
                    {
                        variables[name] = (string)match["uid"]!;
                    }
                }
                else if ((string?)variable["type"] == "textbox")
                {
                    variables[name] = (string?)variable["query"] ?? "";
                }
                else
                {
                    // A multi-select with All: every value; a single select (a label name to group by): none chosen yet.
                    variables[name] = (bool?)variable["includeAll"] == true ? (string?)variable["allValue"] ?? ".*" : "";
                }
            }

            foreach (var (panel, target) in Targets(served["dashboard"]!))
            {
                var datasource = Resolve((string?)(target["datasource"] ?? panel["datasource"])?["uid"] ?? "", variables);
                if (!datasources.OfType<JsonObject>().Any(d => (string?)d["uid"] == datasource))
                {
                    problems.Add($"{file} / {panel["title"]}: data source '{datasource}' does not exist");
                    continue;
                }

                var expr = Resolve((string?)target["expr"] ?? "", variables);
                var refId = (string?)target["refId"] ?? "A";
                var query = await grafana.PostAsJsonAsync("api/ds/query", new JsonObject
                {
                    ["from"] = "now-15m",
                    ["to"] = "now",
                    ["queries"] = new JsonArray(new JsonObject
                    {
                        ["refId"] = refId, ["datasource"] = new JsonObject { ["uid"] = datasource }, ["expr"] = expr,
                        ["instant"] = true, ["range"] = false, ["intervalMs"] = 15000, ["maxDataPoints"] = 100,
                    }),
                });
                var body = await query.Content.ReadFromJsonAsync<JsonObject>();
                var result = body?["results"]?[refId];
                if (!query.IsSuccessStatusCode || result?["error"] is not null)
                {
                    problems.Add($"{file} / {panel["title"]}: '{expr}' failed: {(string?)result?["error"] ?? (string?)body?["message"] ?? query.StatusCode.ToString()}");
                }
                else if (requireData && !(result?["frames"]?.AsArray().Any(f => f?["data"]?["values"]?.AsArray().Any(v => v?.AsArray().Count > 0) == true) ?? false))
                {
                    problems.Add($"{file} / {panel["title"]}: '{expr}' returned no data");
                }
            }
        }

        return problems;
    }

    private static string Resolve(string text, Dictionary<string, string> variables)
    {
        foreach (var (name, value) in variables)
        {
            text = text.Replace("${" + name + "}", value, StringComparison.Ordinal).Replace("$" + name, value, StringComparison.Ordinal);
        }

        return text;
    }

    private static IEnumerable<(JsonObject Panel, JsonObject Target)> Targets(JsonNode dashboard) =>
        from panel in (dashboard["panels"]?.AsArray().OfType<JsonObject>() ?? [])
            .SelectMany(p => p["panels"] is JsonArray inner ? inner.OfType<JsonObject>().Prepend(p) : [p])
        where (string?)panel["type"] != "row"
        from target in panel["targets"]?.AsArray().OfType<JsonObject>() ?? []
        select (panel, target);
}
