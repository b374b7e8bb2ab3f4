using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.ComfyApi.Json;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.ComfyApi.WebSockets;
using ComfyMonitor.Testing;

namespace ComfyMonitor.ComfyApi.Tests;

/// <summary>
/// Every file of the ComfyUI reference examples (v0.2.2 to 0.8.x) served over real HTTP and read by
/// the client; expected values are read from the file itself.
/// </summary>
public sealed class ExampleFileTests : IAsyncLifetime
{
    private static readonly string[] NotClientRoutes = ["features_", "jobs_", "job_", "internal_logs_"];

    private ExampleServer _server = null!;
    private ComfyClient _client = null!;

    private static readonly List<string> Files =
        [.. Directory.EnumerateFiles(TestPaths.Examples, "*.json").Select(f => Path.GetFileName(f)).Order()];

    public static TheoryData<string> ExampleFiles() => [.. Files];

    public async ValueTask InitializeAsync()
    {
        _server = await ExampleServer.StartAsync();
        _client = ComfyClientFactory.Create(new ComfyEndpoint("example", _server.Url), new ComfyClientOptions { Timeout = TimeSpan.FromSeconds(10) });
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void EveryExampleFileHasAParser()
    {
        Assert.True(Files.Count >= 50, $"expected the whole example set, found {Files.Count} files");
        Assert.All(Files, f => Assert.True(Kind(f) != "unknown", $"{f} is not mapped to a parser"));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public async Task ExampleFileIsReadByTheClient(string file)
    {
        var text = await File.ReadAllTextAsync(TestPaths.Example(file));
        await ReadAsync(Kind(file), file, text, JsonNode.Parse(text)!);
    }

    /// <summary>Serves <paramref name="text"/> where the client reads a <paramref name="kind"/> answer, reads it, and compares with <paramref name="expected"/>.</summary>
    private async Task ReadAsync(string kind, string file, string text, JsonNode expected)
    {
        switch (kind)
        {
            case "system_stats":
                await SystemStatsMatch(text, expected);
                break;
            case "queue":
                await QueueMatches(text, expected);
                break;
            case "history":
                await HistoryMatches(file, text, expected);
                break;
            case "prompt_post_ok":
                await PromptAcceptedMatches(text, expected);
                break;
            case "prompt_post_error":
                await PromptRejectedMatches(text, expected);
                break;
            case "prompt_get":
                _server.Serve("/prompt", text);
                Assert.Equal((int)expected["exec_info"]!["queue_remaining"]!, Ok(await _client.GetPromptInfoAsync()).ExecInfo!.QueueRemaining);
                break;
            case "upload":
                var upload = await UploadMatches(text, expected);
                Assert.Equal(string.IsNullOrEmpty((string?)expected["subfolder"]) ? (string?)expected["name"] : $"{expected["subfolder"]}/{expected["name"]}", upload.LoadImageValue());
                break;
            case "original_ref":
                var originalRef = JsonSerializer.Deserialize(text, ComfyJsonContext.Default.OriginalRef)!;
                Assert.Equal((string?)expected["filename"], originalRef.Filename);
                Assert.Equal((string?)expected["type"], originalRef.Type);
                break;
            case "string_list":
                await ExtensionsMatch(text, expected);
                break;
            case "model_folders":
                _server.Serve("/models", text);
                Assert.Equal(expected.AsArray().Select(e => (string?)e).ToList(), Ok(await _client.GetModelFoldersAsync()).Select(e => (string?)e).ToList());
                break;
            case "model_files":
                _server.Serve("/models/checkpoints", text);
                Assert.Equal(expected.AsArray().Select(e => (string?)e).ToList(), Ok(await _client.GetModelFilesAsync("checkpoints")).Select(e => (string?)e).ToList());
                break;
            case "object_info":
                await ObjectInfoMatches(text, expected);
                break;
            case "ws":
                WebSocketFramesParse(file, expected);
                break;
            case "not_a_client_route":
                // /features, /api/jobs and /internal/logs are not routes of the client: they must at least be JSON.
                Assert.NotNull(expected);
                break;
            default:
                Assert.Fail($"{file} has no parser");
                break;
        }
    }

    /// <summary>What a real ComfyUI 0.3.64 answered on the routes the client reads (real-0.3.64/exchanges).</summary>
    public static TheoryData<string> RecordedAnswers() => [.. RecordedAnswerFiles()];

    private static IEnumerable<string> RecordedAnswerFiles() =>
        Recorded.ExchangeFiles().Where(f => RecordedKind(Recorded.Exchange(f)) is not null);

    public static TheoryData<string> RecordedTranscripts() =>
        [.. Recorded.TranscriptFiles()];

    [Fact]
    public void TheRecordedAnswersCoverEveryRouteTheClientReads()
    {
        var kinds = RecordedAnswerFiles().Select(f => RecordedKind(Recorded.Exchange(f))).ToHashSet();
        Assert.Superset(new HashSet<string?> { "system_stats", "queue", "history", "prompt_post_ok", "prompt_post_error", "prompt_get", "upload", "string_list", "model_folders", "object_info" }, kinds);
    }

    [Theory]
    [MemberData(nameof(RecordedAnswers))]
    public async Task RecordedAnswerOfARealServerIsReadByTheClient(string file)
    {
        var exchange = Recorded.Exchange(file);
        var response = exchange["response"]!;
        var expected = response["json"]!;
        await ReadAsync(RecordedKind(exchange)!, file, expected.ToJsonString(), expected);
    }

    [Theory]
    [MemberData(nameof(RecordedTranscripts))]
    public void RecordedWebSocketTranscriptOfARealServerIsReadByTheClient(string file)
    {
        var frames = Recorded.Messages(file).ToList();
        foreach (var frame in frames)
        {
            frame.Remove("t_ms");
        }

        Assert.NotEmpty(frames);
        WebSocketFramesParse(file, new JsonArray(frames.Select(f => (JsonNode)f.DeepClone()).ToArray()));
        var parsed = frames.Select(f => ComfyWsMessageParser.ParseText(JsonSerializer.SerializeToUtf8Bytes(f))).ToList();
        var terminals = parsed.OfType<ExecutionWsMessage>().Where(m => m.IsTerminal).Select(m => m.Type).ToList();
        var recordedTerminals = frames.Select(f => (string)f["type"]!).Where(t => t is "execution_success" or "execution_error" or "execution_interrupted").ToList();
        Assert.Equal(recordedTerminals, terminals);
    }

    /// <summary>The client call that reads this answer, or null for routes the client does not read and for answers that are not JSON.</summary>
    private static string? RecordedKind(JsonObject exchange)
    {
        var (method, path) = ((string)exchange["request"]!["method"]!, ((string)exchange["request"]!["path"]!).Split('?')[0]);
        path = path.StartsWith("/api/", StringComparison.Ordinal) ? path[4..] : path;
        var status = (int)exchange["response"]!["status"]!;
        if (exchange["response"]!["json"] is null)
        {
            return null;
        }

        return (method, path, status) switch
        {
            ("GET", "/system_stats", 200) => "system_stats",
            ("GET", "/queue", 200) => "queue",
            ("GET", var p, 200) when p == "/history" || p.StartsWith("/history/", StringComparison.Ordinal) => "history",
            ("POST", "/prompt", 200) => "prompt_post_ok",
            ("POST", "/prompt", 400) => "prompt_post_error",
            ("GET", "/prompt", 200) => "prompt_get",
            ("POST", "/upload/image" or "/upload/mask", 200) => "upload",
            ("GET", "/extensions", 200) => "string_list",
            ("GET", "/models", 200) => "model_folders",
            ("GET", var p, 200) when p.StartsWith("/models/", StringComparison.Ordinal) => "model_files",
            ("GET", var p, 200) when p.StartsWith("/object_info/", StringComparison.Ordinal) => "object_info",
            _ => null,
        };
    }

    private async Task PromptAcceptedMatches(string text, JsonNode expected)
    {
        _server.Serve("/prompt", text);
        var accepted = Ok(await _client.SubmitPromptAsync(Request()));
        Assert.Equal((string?)expected["prompt_id"], accepted.Accepted!.PromptId);
        Assert.Equal((double)expected["number"]!, accepted.Accepted.Number);
    }

    private async Task PromptRejectedMatches(string text, JsonNode expected)
    {
        _server.Serve("/prompt", text, status: 400);
        var rejected = Ok(await _client.SubmitPromptAsync(Request()));
        Assert.False(rejected.IsAccepted);
        var expectedType = expected["error"] is JsonValue ? "no_prompt" : (string?)expected["error"]!["type"];
        Assert.Equal(expectedType, rejected.Rejected!.Error!.Type);
        var expectedNodes = expected["node_errors"] is JsonObject o ? o.Select(p => p.Key).ToList() : [];
        Assert.Equal(expectedNodes, rejected.Rejected.NodeErrors.Keys.ToList());
        foreach (var id in expectedNodes)
        {
            Assert.Equal((string?)expected["node_errors"]![id]!["class_type"], rejected.Rejected.NodeErrors[id].ClassType);
            Assert.Equal((string?)expected["node_errors"]![id]!["errors"]![0]!["type"], rejected.Rejected.NodeErrors[id].Errors[0].Type);
        }
    }

    private async Task<UploadResponse> UploadMatches(string text, JsonNode expected)
    {
        _server.Serve("/upload/image", text);
        var upload = Ok(await _client.UploadImageAsync(new byte[] { 1, 2, 3 }, "canary_probe.png", "monitoring"));
        Assert.Equal((string?)expected["name"], upload.Name);
        Assert.Equal((string?)expected["subfolder"], upload.Subfolder);
        return upload;
    }

    private async Task ExtensionsMatch(string text, JsonNode expected)
    {
        _server.Serve("/extensions", text);
        Assert.Equal(expected.AsArray().Select(e => (string?)e).ToList(), Ok(await _client.GetExtensionsAsync()).Select(e => (string?)e).ToList());
    }

    private async Task ObjectInfoMatches(string text, JsonNode expected)
    {
        _server.Serve("/object_info/Anything", text);
        var info = Ok(await _client.GetObjectInfoAsync("Anything"));
        Assert.Equal(expected.AsObject().Select(p => p.Key).Order(), info.Keys.Order());
        foreach (var (name, node) in info)
        {
            Assert.Equal((string?)expected[name]!["python_module"], node.PythonModule);
        }
    }

    private async Task SystemStatsMatch(string text, JsonNode expected)
    {
        _server.Serve("/system_stats", text);
        var stats = Ok(await _client.GetSystemStatsAsync());
        var system = expected["system"]!;
        Assert.Equal((string?)system["os"], stats.System!.Os);
        Assert.Equal((long?)system["ram_total"], stats.System.RamTotal);
        Assert.Equal((long?)system["ram_free"], stats.System.RamFree);
        Assert.Equal((string?)system["comfyui_version"], stats.System.ComfyUIVersion);
        Assert.Equal((string?)system["python_version"], stats.System.PythonVersion);
        Assert.Equal((string?)system["pytorch_version"], stats.System.PytorchVersion);
        Assert.Equal((bool?)system["embedded_python"], stats.System.EmbeddedPython);
        var device = expected["devices"]![0]!;
        var actual = Assert.Single(stats.Devices!);
        Assert.Equal((string?)device["name"], actual.Name);
        Assert.Equal((string?)device["type"], actual.Type);
        Assert.Equal((int?)device["index"], actual.Index);
        Assert.Equal((long?)device["vram_total"], actual.VramTotal);
        Assert.Equal((long?)device["vram_free"], actual.VramFree);
        Assert.Equal((long?)device["torch_vram_total"], actual.TorchVramTotal);
        Assert.Equal((long?)device["torch_vram_free"], actual.TorchVramFree);
    }

    private async Task QueueMatches(string text, JsonNode expected)
    {
        _server.Serve("/queue", text);
        var queue = Ok(await _client.GetQueueAsync());
        foreach (var (key, items) in new[] { ("queue_running", queue.Running), ("queue_pending", queue.Pending) })
        {
            var raw = expected[key]!.AsArray();
            Assert.Equal(raw.Count, items.Count);
            for (var i = 0; i < raw.Count; i++)
            {
                Assert.Equal((double)raw[i]![0]!, items[i].Number);
                Assert.Equal((string?)raw[i]![1], items[i].PromptId);
                Assert.Equal((long?)raw[i]![3]!["create_time"], items[i].CreateTimeMs);
                Assert.Equal(raw[i]![4]!.AsArray().Select(o => (string?)o).ToList(), items[i].OutputsToExecute.Select(o => (string?)o).ToList());
            }
        }

        // The prompt graph, extra_data and its credentials are never held by the client.
        var kept = JsonSerializer.Serialize(queue, ComfyJsonContext.Default.QueueState);
        foreach (var secret in SensitiveValues(expected))
        {
            Assert.DoesNotContain(secret, kept, StringComparison.Ordinal);
        }
    }

    private async Task HistoryMatches(string file, string text, JsonNode expected)
    {
        _server.Serve("/history", text);
        var page = Ok(await _client.GetHistoryAsync(maxItems: 3));
        var ids = expected.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(ids, page.Entries.Select(e => e.PromptId).ToList());
        foreach (var entry in page.Entries)
        {
            var raw = expected[entry.PromptId]!;
            var messages = raw["status"]!["messages"]!.AsArray();
            var last = (string?)messages[^1]![0];
            var outcome = last switch
            {
                "execution_success" => PromptOutcome.Success,
                "execution_interrupted" => PromptOutcome.Interrupted,
                _ => PromptOutcome.Error,
            };
            Assert.Equal(outcome, entry.Outcome);
            Assert.Equal((long?)messages[0]![1]!["timestamp"], entry.ExecutionStartMs);
            Assert.Equal((long?)messages[^1]![1]!["timestamp"], entry.ExecutionEndMs);
            Assert.Equal((long?)raw["prompt"]![3]!["create_time"], entry.CreateTimeMs);
            Assert.Equal(raw["outputs"]!.AsObject().Sum(o => o.Value!["images"]?.AsArray().Count ?? 0), entry.Images().Count());
            if (outcome == PromptOutcome.Error)
            {
                Assert.Equal((string?)messages[^1]![1]!["node_type"], entry.Error!.NodeType);
                Assert.Equal((string?)messages[^1]![1]!["exception_type"], entry.Error.ExceptionType);
            }
        }

        if (file.Contains("success", StringComparison.Ordinal))
        {
            Assert.All(page.Entries, e => Assert.Equal(PromptOutcome.Success, e.Outcome));
        }

        var kept = JsonSerializer.Serialize(page, ComfyJsonContext.Default.HistoryPage);
        foreach (var secret in SensitiveValues(expected))
        {
            Assert.DoesNotContain(secret, kept, StringComparison.Ordinal);
        }
    }

    private static void WebSocketFramesParse(string file, JsonNode expected)
    {
        var frames = expected is JsonArray array ? array.ToList() : [expected];
        var parsed = frames.Select(f => ComfyWsMessageParser.ParseText(JsonSerializer.SerializeToUtf8Bytes(f))).ToList();
        for (var i = 0; i < frames.Count; i++)
        {
            Assert.Equal((string?)frames[i]!["type"], parsed[i].Type);
        }

        if (file.StartsWith("ws_sequence_", StringComparison.Ordinal))
        {
            var terminal = parsed.OfType<ExecutionWsMessage>().Single(m => m.IsTerminal);
            var expectedTerminal = file.Contains("error", StringComparison.Ordinal) ? "execution_error"
                : file.Contains("interrupted", StringComparison.Ordinal) ? "execution_interrupted" : "execution_success";
            Assert.Equal(expectedTerminal, terminal.Type);
            Assert.NotNull(terminal.Data.TimestampMs);
            var start = parsed.OfType<ExecutionWsMessage>().First();
            Assert.Equal("execution_start", start.Type);
            Assert.Equal(terminal.Data.PromptId, start.Data.PromptId);
            if (expectedTerminal == "execution_error")
            {
                Assert.False(string.IsNullOrEmpty(terminal.Data.NodeType));
                Assert.False(string.IsNullOrEmpty(terminal.Data.ExceptionType));
            }

            Assert.Contains(parsed, m => m is ExecutingWsMessage { Node: null });
        }

        if (parsed.FirstOrDefault() is StatusWsMessage { Sid: not null } status)
        {
            Assert.Equal((int)frames[0]!["data"]!["status"]!["exec_info"]!["queue_remaining"]!, status.QueueRemaining);
        }
    }

    /// <summary>Values a monitor must not keep: prompt texts, client ids and comfy.org credentials.</summary>
    private static IEnumerable<string> SensitiveValues(JsonNode root)
    {
        foreach (var node in Descendants(root))
        {
            if (node is JsonObject obj)
            {
                foreach (var key in new[] { "auth_token_comfy_org", "api_key_comfy_org", "client_id", "text" })
                {
                    if (obj[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 3)
                    {
                        yield return v.GetValue<string>();
                    }
                }
            }
        }
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>().SelectMany(Descendants))
        {
            yield return child;
        }
    }

    private static PromptRequest Request() => new() { Prompt = new JsonObject { ["1"] = new JsonObject { ["class_type"] = "EmptyImage" } }, ClientId = "test" };

    private static T Ok<T>(ComfyResult<T> result)
    {
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value!;
    }

    private static string Kind(string file) => file switch
    {
        _ when file.StartsWith("system_stats_", StringComparison.Ordinal) => "system_stats",
        _ when file.StartsWith("queue_", StringComparison.Ordinal) => "queue",
        _ when file.StartsWith("history_", StringComparison.Ordinal) => "history",
        "prompt_post_ok.json" => "prompt_post_ok",
        _ when file.StartsWith("prompt_post_error_", StringComparison.Ordinal) => "prompt_post_error",
        "prompt_get.json" => "prompt_get",
        "upload_mask_original_ref_field.json" => "original_ref",
        _ when file.StartsWith("upload_", StringComparison.Ordinal) => "upload",
        _ when file.StartsWith("extensions_", StringComparison.Ordinal) || file == "embeddings.json" => "string_list",
        _ when file.StartsWith("object_info_", StringComparison.Ordinal) => "object_info",
        _ when file.StartsWith("ws_", StringComparison.Ordinal) => "ws",
        _ when NotClientRoutes.Any(p => file.StartsWith(p, StringComparison.Ordinal)) => "not_a_client_route",
        _ => "unknown",
    };
}
