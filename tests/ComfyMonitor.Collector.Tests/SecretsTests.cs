using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>Prompt text, prompt and client ids, extra_data and header values never reach an output.</summary>
public sealed class SecretsTests
{
    [Fact]
    public async Task SecretsInQueueExtraDataHeadersAndUrlsNeverAppearInAnyOutput()
    {
        await using var sim = await SimulatorHost.StartAsync(instances: 2);
        await sim.SetScenarioAsync(0, "stuck");
        using var http = sim.Http();
        var graph = (JsonObject)Simulator.Workload.WorkloadService.Txt2Img(succeeds: true)["prompt"]!.DeepClone();
        graph["6"]!["inputs"]!["text"] = "a confidential product launch banner zebra-unicorn";
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (_, body) = await http.PostJsonAsync("prompt", new JsonObject
            {
                ["prompt"] = graph.DeepClone(),
                ["client_id"] = "browser-client-7f3a9c",
                ["extra_data"] = new JsonObject { ["api_key_comfy_org"] = "comfyui-sk-live-123456", ["auth_token_comfy_org"] = "tok-abcdef-999" },
            });
            ids.Add((string)body!["prompt_id"]!);
        }

        await using var collector = await CollectorHost.StartAsync(new Dictionary<string, string?>
        {
            ["ComfyUI:Instances:0:Url"] = $"http://admin:hunter2-pw@127.0.0.1:{sim.BasePort}",
            ["ComfyUI:Instances:0:Name"] = "secure-gpu",
            ["ComfyUI:Instances:0:Headers:Authorization"] = "Bearer header-token-42",
            ["ComfyUI:Instances:1:Url"] = sim.Url(1).ToString(),
            ["ComfyUI:Instances:1:Headers:X-Api-Key"] = "x-api-key-value-77",
            ["Collector:Interval"] = "00:00:00.300",
            ["Collector:Timeout"] = "00:00:00.200",
        });
        await collector.WaitForMetricsAsync(m => m.Value("comfyui_queue_pending", "secure-gpu") == 2, what: "the queue with the secrets");
        await sim.SetScenarioAsync(1, "garbage"); // error paths log and page too
        await collector.WaitForMetricsAsync(m => m.Value("comfyui_up", $"127.0.0.1:{sim.BasePort + 1}") == 0, what: "the garbage instance down");

        var outputs = string.Join("\n",
            await collector.Http.GetStringAsync("metrics"),
            await collector.Http.GetStringAsync("/"),
            await collector.Http.GetStringAsync("api/fleet"),
            collector.Logs.All());
        string[] secrets = ["hunter2-pw", "header-token-42", "x-api-key-value-77", "comfyui-sk-live-123456", "tok-abcdef-999", "browser-client-7f3a9c", "zebra-unicorn", .. ids];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, outputs, StringComparison.Ordinal);
        }

        Assert.Contains("secure-gpu", outputs, StringComparison.Ordinal);
        await sim.SetScenarioAsync(0, "healthy");
    }
}
