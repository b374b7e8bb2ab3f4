using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// The opt-in tier against real ComfyUI servers: with COMFYUI_TEST_URLS set (comma-separated base URLs of servers the
/// tests may use: they upload small images and run small prompts of core image nodes, no models), the collector's and the
/// probe's acceptance runs against them, as separate processes. Without it, every test here is reported as skipped.
/// </summary>
public sealed class RealServerTests : IAsyncDisposable
{
    public const string Variable = "COMFYUI_TEST_URLS";

    private static readonly IReadOnlyList<Uri> Servers = (Environment.GetEnvironmentVariable(Variable) ?? "")
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(u => new Uri(u.EndsWith('/') ? u : u + "/"))
        .ToList();

    private static readonly string SkipReason =
        $"{Variable} is not set: set it to comma-separated base URLs of real ComfyUI servers the tests may use (small uploads and prompts) to run this tier";

    private readonly List<ChildProcess> _processes = [];
    private readonly List<(Uri Server, string Id)> _submitted = [];
    private readonly string _work = Directory.CreateTempSubdirectory("comfymonitor-real-").FullName;

    [Fact]
    public async Task EveryCanarySucceedsWithItsPixelsAndLeavesOnlyItsNewestEntryBehind()
    {
        Assert.SkipWhen(Servers.Count == 0, SkipReason);
        var probe = await StartAsync("ComfyMonitor.Probe", new Dictionary<string, string> { ["Probe__Interval"] = "00:00:05" });
        var metrics = await WaitAsync(probe, m => Servers.Select(Name).All(name =>
                m.For("comfyui_canary_success", name).Any() && m.For("comfyui_canary_success", name).All(s => s.Value == 1)),
            TimeSpan.FromMinutes(3), "every canary succeeded on every server");
        foreach (var name in Servers.Select(Name))
        {
            Assert.All(metrics.For("comfyui_canary_success", name), s => Assert.Equal(1, s.Value));
        }

        // Every finished canary's entry is deleted but the newest, which the collector reads to count restarts (a run's own
        // is deleted when the next finishes, a late one by a later run's clean-up): between runs the history holds one of
        // them. Entries of users, if any, are left alone.
        foreach (var server in Servers)
        {
            using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
            var deadline = DateTime.UtcNow.AddMinutes(1);
            List<string> canaries;
            while ((canaries = await CanaryEntriesAsync(http)).Count > 1)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{server}: canary prompts stay in the history: {string.Join(", ", canaries)}");
                await Task.Delay(100);
            }
        }
    }

    /// <summary>
    /// A command that restarts the ComfyUI server whose base URL it is given as its one argument (for example a script
    /// around systemctl or docker restart), for the restart test; the test is skipped without it.
    /// </summary>
    public const string RestartVariable = "COMFYUI_TEST_RESTART_COMMAND";

    [Fact]
    public async Task ARestartOfAServerOnlyTheProbeUsesIsCounted()
    {
        Assert.SkipWhen(Servers.Count == 0, SkipReason);
        var restart = Environment.GetEnvironmentVariable(RestartVariable);
        Assert.SkipWhen(string.IsNullOrWhiteSpace(restart), $"{RestartVariable} is not set: set it to a command that restarts the server whose base URL it is given");
        var server = Servers[0];
        var name = Name(server);
        var interval = TimeSpan.FromSeconds(5);
        var collector = await StartAsync("ComfyMonitor.Collector", new Dictionary<string, string> { ["Collector__Interval"] = "00:00:01", ["Collector__Timeout"] = "00:00:00.800" }, server);
        await StartAsync("ComfyMonitor.Probe", new Dictionary<string, string> { ["Probe__Interval"] = interval.ToString("c", CultureInfo.InvariantCulture) }, server);
        await WaitAsync(collector, m => (m.Value("comfyui_probe_prompts_total", name, ("status", "success")) ?? 0) >= 2, TimeSpan.FromMinutes(2), "two canaries seen by the collector");
        var before = (await MetricsAsync(collector)).Value("comfyui_restarts_total", name) ?? 0;

        using (var command = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", $"{restart} \"$1\"", "restart", server.ToString()]))!)
        {
            await command.WaitForExitAsync();
            Assert.True(command.ExitCode == 0, $"{RestartVariable} exited with {command.ExitCode}");
        }

        // Back up (the collector reads it again), then counted within two probe intervals.
        await WaitAsync(collector, m => m.Value("comfyui_up", name) == 1, TimeSpan.FromMinutes(3), "the server up again");
        var up = DateTime.UtcNow;
        var after = await WaitAsync(collector, m => (m.Value("comfyui_restarts_total", name) ?? 0) >= before + 1, 2 * interval + TimeSpan.FromSeconds(10), "the restart counted");
        Assert.Equal(before + 1, after.Value("comfyui_restarts_total", name));
        Assert.True(DateTime.UtcNow - up <= 2 * interval + TimeSpan.FromSeconds(10), $"counted {(DateTime.UtcNow - up).TotalSeconds:0} s after the server was up again");
    }

    private static async Task<List<string>> CanaryEntriesAsync(HttpClient http) =>
        ((await http.GetFromJsonAsync<JsonObject>("history")) ?? [])
        .Where(e => ((string?)e.Value?["prompt"]?[3]?["client_id"])?.StartsWith("comfymonitor-probe-", StringComparison.Ordinal) == true)
        .Select(e => e.Key)
        .ToList();

    [Fact]
    public async Task CompletionsAreCountedOnceAndALongPromptShowsItsRunningAge()
    {
        Assert.SkipWhen(Servers.Count == 0, SkipReason);
        var server = Servers[0];
        var name = Name(server);
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
        var collector = await StartAsync("ComfyMonitor.Collector", new Dictionary<string, string>
        {
            ["Collector__Interval"] = "00:00:01",
            ["Collector__Timeout"] = "00:00:00.800",
            ["Collector__PerInstanceHistograms"] = "true", // scrapes are counted per instance below
        });
        var before = await WaitAsync(collector, m => m.Value("comfyui_up", name) == 1, TimeSpan.FromSeconds(60), "the server is up");
        double Count(PrometheusText m, string status) => m.Value("comfyui_prompts_completed_total", name, ("status", status)) ?? 0;
        var baseline = new[] { "success", "error", "interrupted" }.ToDictionary(s => s, s => Count(before, s));

        // A long user prompt: its running age shows, then it succeeds.
        var ids = new List<string> { await SubmitAsync(http, LongPrompt()) };
        await WaitAsync(collector, m => m.Value("comfyui_queue_running_age_seconds", name) >= 1, TimeSpan.FromMinutes(2), "the long prompt's running age");
        await WaitFinishedAsync(http, ids[0]);

        // An execution error: LoadImage of a file that is not an image.
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new ByteArrayContent("not an image"u8.ToArray()), "image", "comfymonitor-test-broken.png");
            form.Add(new StringContent("true"), "overwrite");
            (await http.PostAsync("upload/image", form)).EnsureSuccessStatusCode();
        }

        ids.Add(await SubmitAsync(http, new JsonObject
        {
            ["1"] = Node("LoadImage", new JsonObject { ["image"] = "comfymonitor-test-broken.png" }),
            ["2"] = Node("PreviewImage", new JsonObject { ["images"] = new JsonArray("1", 0) }),
        }));
        await WaitFinishedAsync(http, ids[^1]);

        // An interrupted prompt.
        ids.Add(await SubmitAsync(http, LongPrompt()));
        await WaitRunningAsync(http, ids[^1]);
        (await http.PostAsJsonAsync("interrupt", new JsonObject { ["prompt_id"] = ids[^1] })).EnsureSuccessStatusCode();
        await WaitFinishedAsync(http, ids[^1]);

        // Each counted once, and still once ten scrapes later.
        bool Counted(PrometheusText m) => baseline.All(b => Count(m, b.Key) - b.Value == 1);
        await WaitAsync(collector, Counted, TimeSpan.FromSeconds(60), "one success, one error and one interrupted prompt counted");
        double Scrapes(PrometheusText m) => m.For("comfyui_scrape_duration_seconds_count", name).Sum(s => s.Value);
        var scrapes = Scrapes(await MetricsAsync(collector));
        var after = await WaitAsync(collector, m => Scrapes(m) >= scrapes + 10 || !Counted(m), TimeSpan.FromSeconds(60), "ten more scrapes");
        Assert.True(Counted(after), $"counted again: {string.Join(", ", baseline.Select(b => $"{b.Key} +{Count(after, b.Key) - b.Value}"))}");

        // The failure feed holds the error as the server told it (the interrupted prompt is no failure), and the server,
        // up and not stalled, is ready.
        var feed = (await collector.GetFromJsonAsync<JsonArray>($"api/instances/{Uri.EscapeDataString(name)}/failures"))!;
        var failure = Assert.Single(feed, f => (string?)f!["prompt_id"] == ids[1])!;
        Assert.Equal(("1", "LoadImage"), ((string?)failure["node_id"], (string?)failure["node_type"]));
        Assert.Contains("UnidentifiedImageError", (string?)failure["exception_type"], StringComparison.Ordinal);
        Assert.Contains("cannot identify image file", (string?)failure["message"], StringComparison.Ordinal);
        Assert.DoesNotContain(feed, f => (string?)f!["prompt_id"] == ids[2]);
        using var ready = await collector.GetAsync($"api/instances/{Uri.EscapeDataString(name)}/ready");
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task TheSamplerCanaryOnAServerWithoutItsCheckpointIsSkippedAndSubmitsNothing()
    {
        Assert.SkipWhen(Servers.Count == 0, SkipReason);
        var probe = await StartAsync("ComfyMonitor.Probe", new Dictionary<string, string>
        {
            ["Probe__Interval"] = "00:00:05",
            ["Probe__Canaries__Sampler__Checkpoint"] = "comfymonitor-not-on-this-server.safetensors",
            ["Probe__Canaries__Sampler__Interval"] = "00:00:05",
        });
        var metrics = await WaitAsync(probe, m => Servers.Select(Name).All(name =>
                m.Value("comfyui_canary_runs_total", name, ("canary", "sampler"), ("result", "skipped"), ("reason", "no_checkpoint")) >= 2),
            TimeSpan.FromMinutes(2), "two sampler runs skipped with no_checkpoint on every server");
        foreach (var server in Servers)
        {
            Assert.Null(metrics.Value("comfyui_canary_success", Name(server), ("canary", "sampler")));
            using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
            var history = (await http.GetFromJsonAsync<JsonObject>("history"))!;
            Assert.DoesNotContain(history, e => e.Value!.ToJsonString().Contains("CheckpointLoaderSimple", StringComparison.Ordinal)
                && e.Value.ToJsonString().Contains("comfymonitor-not-on-this-server", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task TheProbeNeverInterruptsAUsersPrompt()
    {
        Assert.SkipWhen(Servers.Count == 0, SkipReason);
        var server = Servers[0];
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
        var user = await SubmitAsync(http, LongPrompt());
        await WaitRunningAsync(http, user);
        var probe = await StartAsync("ComfyMonitor.Probe", new Dictionary<string, string>
        {
            ["Probe__Interval"] = "00:00:02",
            ["Probe__MaxQueueWait"] = "00:00:02",
            ["Probe__Timeout"] = "00:00:10",
        }, server);
        await WaitAsync(probe, m => m.For("comfyui_canary_runs_total", Name(server)).Sum(s => s.Value) >= 2, TimeSpan.FromMinutes(2), "two canary runs while the user's prompt runs");
        var entry = await WaitFinishedAsync(http, user);
        Assert.Equal("success", (string?)entry["status"]?["status_str"]);
        Assert.DoesNotContain(entry["status"]?["messages"]?.AsArray() ?? [], m => (string?)m?[0] == "execution_interrupted");
    }

    /// <summary>Stops the services, and removes the tests' own prompts from the servers (queued, running or finished) and the work folder.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _processes.Clear();
        foreach (var group in _submitted.GroupBy(s => s.Server))
        {
            using var http = new HttpClient { BaseAddress = group.Key, Timeout = TimeSpan.FromSeconds(30) };
            var ids = new JsonArray(group.Select(s => (JsonNode)s.Id).ToArray());
            (await http.PostAsJsonAsync("queue", new JsonObject { ["delete"] = ids.DeepClone() })).Dispose();
            foreach (var (_, id) in group)
            {
                (await http.PostAsJsonAsync("interrupt", new JsonObject { ["prompt_id"] = id })).Dispose();
            }

            var deadline = DateTime.UtcNow.AddMinutes(1);
            while ((await http.GetFromJsonAsync<JsonObject>("queue"))?["queue_running"]?.AsArray().Any(r => group.Any(s => s.Id == (string?)r?[1])) == true && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            (await http.PostAsJsonAsync("history", new JsonObject { ["delete"] = ids })).Dispose();
        }

        _submitted.Clear();
        Directory.Delete(_work, recursive: true);
    }

    private static string Name(Uri server) => $"real-{server.Port}";

    /// <summary>EmptyImage, four wide blurs and a PreviewImage: a few seconds of work on a CPU server (1.5 s a blur on 0.3.64), no model needed.</summary>
    private static JsonObject LongPrompt()
    {
        var graph = new JsonObject { ["1"] = Node("EmptyImage", new JsonObject { ["width"] = 128, ["height"] = 128, ["batch_size"] = 1, ["color"] = Random.Shared.Next(0xFFFFFF) }) };
        for (var i = 0; i < 4; i++)
        {
            graph[$"{100 + i}"] = Node("ImageBlur", new JsonObject { ["image"] = new JsonArray(i == 0 ? "1" : $"{99 + i}", 0), ["blur_radius"] = 31, ["sigma"] = 10.0 });
        }

        graph["2"] = Node("PreviewImage", new JsonObject { ["images"] = new JsonArray("103", 0) });
        return graph;
    }

    private static JsonObject Node(string classType, JsonObject inputs) => new() { ["class_type"] = classType, ["inputs"] = inputs };

    private async Task<string> SubmitAsync(HttpClient http, JsonObject graph)
    {
        using var response = await http.PostAsJsonAsync("prompt", new JsonObject { ["prompt"] = graph, ["client_id"] = "comfymonitor-test-user" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /prompt answered {(int)response.StatusCode}: {body}");
        var id = (string)JsonNode.Parse(body)!["prompt_id"]!;
        _submitted.Add((http.BaseAddress!, id));
        return id;
    }

    private static async Task WaitRunningAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await http.GetFromJsonAsync<JsonObject>("queue"))?["queue_running"]?.AsArray().Any(r => (string?)r?[1] == id) != true)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} never ran");
            await Task.Delay(100);
        }
    }

    private static async Task<JsonNode> WaitFinishedAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            if ((await http.GetFromJsonAsync<JsonObject>($"history/{id}"))?[id] is { } entry)
            {
                return entry;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{id} never finished");
            await Task.Delay(200);
        }
    }

    private Task<HttpClient> StartAsync(string project, Dictionary<string, string> settings, params Uri[] only)
    {
        var servers = only.Length > 0 ? only : Servers;
        for (var i = 0; i < servers.Count; i++)
        {
            settings[$"ComfyUI__Instances__{i}__Url"] = servers[i].ToString();
            settings[$"ComfyUI__Instances__{i}__Name"] = Name(servers[i]);
        }

        return ChildProcess.StartServiceReadyAsync(project, settings, Path.Combine(_work, $"{project}.log"), _processes);
    }

    private static async Task<PrometheusText> MetricsAsync(HttpClient service) => PrometheusText.Parse(await service.GetStringAsync("metrics"));

    private static async Task<PrometheusText> WaitAsync(HttpClient service, Func<PrometheusText, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var metrics = await MetricsAsync(service);
            if (condition(metrics))
            {
                return metrics;
            }

            Assert.True(DateTime.UtcNow < deadline, $"never saw {what} within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
            await Task.Delay(250);
        }
    }
}
