using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Testing;
using Microsoft.AspNetCore.Http;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// The three Grafana API routes the checker uses, answered as Grafana answers them for a dashboards folder and
/// one Prometheus data source: dashboards by uid (provisioned), the data source list, and /api/ds/query run
/// against a real Prometheus. Lets the checker's own test run where Grafana cannot.
/// </summary>
internal sealed class FakeGrafana : IAsyncDisposable
{
    private const string DatasourceUid = "comfymonitor-prometheus";
    private readonly WebApplication _app;

    private FakeGrafana(WebApplication app)
    {
        _app = app;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{FreePorts.Bound(app)[0]}/") };
    }

    public HttpClient Http { get; }

    public static async Task<FakeGrafana> StartAsync(string dashboardsFolder, HttpClient prometheus)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(FreePorts.AnyPort);
        var app = builder.Build();
        // Like Grafana's file provider: every JSON file of the folder, by the uid it declares.
        var dashboards = Directory.EnumerateFiles(dashboardsFolder, "*.json").Select(f => JsonNode.Parse(File.ReadAllText(f))!.AsObject())
            .Where(d => d["uid"] is not null).ToDictionary(d => (string)d["uid"]!);
        app.MapGet("/api/datasources", () => Results.Json(new JsonArray(new JsonObject { ["uid"] = DatasourceUid, ["name"] = "Prometheus", ["type"] = "prometheus" })));
        app.MapGet("/api/dashboards/uid/{uid}", (string uid) => dashboards.TryGetValue(uid, out var d)
            ? Results.Json(new JsonObject { ["dashboard"] = d.DeepClone(), ["meta"] = new JsonObject { ["provisioned"] = true } })
            : Results.Json(new JsonObject { ["message"] = "Dashboard not found" }, statusCode: 404));
        app.MapPost("/api/ds/query", async (HttpContext context) =>
        {
            var request = (await context.Request.ReadFromJsonAsync<JsonObject>())!;
            var results = new JsonObject();
            foreach (var query in request["queries"]!.AsArray().OfType<JsonObject>())
            {
                var refId = (string)query["refId"]!;
                if ((string?)query["datasource"]?["uid"] != DatasourceUid)
                {
                    results[refId] = new JsonObject { ["error"] = "data source not found", ["status"] = 404 };
                    continue;
                }

                var answer = await prometheus.GetFromJsonAsync<JsonObject>("api/v1/query?query=" + Uri.EscapeDataString((string)query["expr"]!))
                    .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : new JsonObject { ["status"] = "error", ["error"] = t.Exception?.InnerException?.Message });
                results[refId] = (string?)answer!["status"] == "success"
                    ? new JsonObject
                    {
                        ["status"] = 200,
                        ["frames"] = new JsonArray(answer["data"]!["result"]!.AsArray().Select(series => (JsonNode)new JsonObject
                        {
                            ["data"] = new JsonObject { ["values"] = new JsonArray(new JsonArray(series!["value"]![0]!.DeepClone()), new JsonArray(series["value"]![1]!.DeepClone())) },
                        }).ToArray()),
                    }
                    : new JsonObject { ["error"] = (string?)answer["error"] ?? "query failed", ["status"] = 400 };
            }

            return Results.Json(new JsonObject { ["results"] = results });
        });
        await app.StartAsync();
        return new FakeGrafana(app);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
