using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// Credentials in instance URLs and headers, and whatever users put in their prompts (text, client ids, API keys
/// in extra_data), never reach any output of the collector or the probe: metrics, pages, JSON APIs, logs.
/// </summary>
[Collection(WatchedFleetCollection.Name)]
public sealed class SecretsTests(WatchedFleet fleet)
{
    [Fact]
    public async Task SecretsNeverAppearInMetricsPagesApisOrLogs()
    {
        const string name = "sim-secret";
        var index = WatchedFleet.SecretIndex;
        using var http = fleet.Sim.Http(index);
        var graph = Simulator.Workload.WorkloadService.Txt2Img(succeeds: true)["prompt"]!.AsObject();
        // The users' output file names (the collector fetches their images for its output checks) are not shown either.
        graph["9"]!["inputs"]!["filename_prefix"] = "private-campaign-kestrel";
        var extra = new JsonObject { ["api_key_comfy_org"] = "comfyui-sk-live-5f6e7d", ["auth_token_comfy_org"] = "tok-9a8b7c-secret" };
        var n = 0;
        JsonObject Body()
        {
            // A different text each time, so that no prompt is answered from the server's cache.
            var prompt = graph.DeepClone();
            prompt["6"]!["inputs"]!["text"] = $"confidential launch poster {n++}, codename zebra-unicorn-88";
            return new() { ["prompt"] = prompt, ["client_id"] = "browser-client-44aa21", ["extra_data"] = extra.DeepClone() };
        }

        // Finished prompts carrying the secrets in the history...
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var (_, accepted) = await http.PostJsonAsync("prompt", Body());
            ids.Add((string)accepted!["prompt_id"]!);
        }

        await fleet.WaitAsync((c, _) => c.Value("comfyui_prompts_completed_total", name, ("status", "success")) >= 2
            && c.Value("comfyui_outputs_checked_total", name, ("result", "ok")) >= 1, TimeSpan.FromSeconds(90), "the secret prompts finished and an output was checked");

        // ...then in the queue while the worker is stuck (the probe times out and cleans up after itself)...
        await fleet.Sim.SetScenarioAsync(index, "stuck");
        for (var i = 0; i < 2; i++)
        {
            var (_, accepted) = await http.PostJsonAsync("prompt", Body());
            ids.Add((string)accepted!["prompt_id"]!);
        }

        // (the probe's canary waits behind the stuck prompt and fails with queue_wait, or hangs itself and times out)
        await fleet.WaitAsync((c, p) => c.Value("comfyui_queue_pending", name) >= 1
            && new[] { "queue_wait", "timeout" }.Sum(r => p.Value("comfyui_canary_runs_total", name, ("canary", "render"), ("result", "failure"), ("reason", r)) ?? 0) >= 1 ? [] :
            [$"pending {c.Value("comfyui_queue_pending", name)}, render failures {string.Join(",", p.For("comfyui_canary_runs_total", name).Where(s => s.Value > 0 && s.Labels["canary"] == "render").Select(s => $"{s.Labels["reason"]}={s.Value}"))}"],
            TimeSpan.FromSeconds(90), "the queued secrets and a timed-out canary");

        // ...and a server answering garbage, so that the error paths log and show too.
        await fleet.Sim.SetScenarioAsync(index, "garbage");
        await fleet.WaitAsync((c, p) => c.Value("comfyui_up", name) == 0
            && p.Value("comfyui_canary_runs_total", name, ("canary", "render"), ("result", "failure"), ("reason", "invalid_response")) >= 1,
            TimeSpan.FromSeconds(90), "the garbage answers");
        await fleet.Sim.SetScenarioAsync(index, "healthy");

        var outputs = string.Join("\n",
            await fleet.Collector.GetStringAsync("metrics"), await fleet.Collector.GetStringAsync("/"), await fleet.Collector.GetStringAsync("api/fleet"),
            await fleet.Probe.GetStringAsync("metrics"), await fleet.Probe.GetStringAsync("/"), await fleet.Probe.GetStringAsync("api/runs"),
            fleet.Logs());
        string[] secrets =
        [
            WatchedFleet.Password, WatchedFleet.HeaderToken["Bearer ".Length..], WatchedFleet.ProbeHeader,
            "comfyui-sk-live-5f6e7d", "tok-9a8b7c-secret", "browser-client-44aa21", "zebra-unicorn-88", "private-campaign-kestrel", .. ids,
        ];
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, outputs, StringComparison.Ordinal));
        Assert.Contains(name, outputs, StringComparison.Ordinal);
        // The logs were really scanned: the collector's and the probe's own lines about the instance's garbage answers
        // (the ComfyUI client logs no request of its own).
        Assert.Contains($"ComfyUI instance {name} is down", outputs, StringComparison.Ordinal);
        Assert.Contains($"failed on {name}", outputs, StringComparison.Ordinal);
    }
}
