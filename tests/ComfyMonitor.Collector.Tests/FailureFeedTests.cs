using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Collector.State;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ComfyMonitor.Collector.Tests;

/// <summary>
/// The failure feed: users' failed prompts with node, exception type and a scrubbed message, per instance and newest
/// first, at /api/failures and once in the log; never the probe's canaries, never more than Collector:FailureFeed:Size.
/// </summary>
public sealed class FailureFeedTests : IAsyncLifetime
{
    /// <summary>What a message may carry that must never show: a token, a URL's credentials and query, a home path.</summary>
    internal const string Planted = "RuntimeError: download of http://alice:hunter2@hub.example/models/x.safetensors?token=PLANTEDQUERY failed "
        + "with hf_PLANTEDTOKENabcdefghijklmnop, api_key=PLANTEDKEY; see /home/alice/private-project/ComfyUI/models/x.safetensors";

    private SimulatorHost _sim = null!;
    private CollectorHost _collector = null!;

    public async ValueTask InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync(instances: 2);
        _collector = await CollectorHost.StartAsync([_sim.Url(0), _sim.Url(1)]);
    }

    public async ValueTask DisposeAsync()
    {
        await _collector.DisposeAsync();
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task UsersFailuresAreFedNewestFirstScrubbedAndLoggedOnceButCanariesAreNot()
    {
        var errors = Name(0);
        var oom = Name(1);
        await SimulatorHttp.WaitUntilAsync(() => Task.FromResult(_collector.Fleet.Scrapers.Count() == 2 && _collector.Fleet.Scrapers.All(s => s.State.HistoryPrimed)),
            TimeSpan.FromSeconds(60), "both instances primed");

        using var http0 = _sim.Http(0);
        await http0.RunAsync(Failing("ValueError: the first failure"));
        await http0.RunAsync(Failing(Planted));
        // A canary of the probe that fails is not a user's failure.
        await http0.RunAsync(Failing("ValueError: a canary's failure"), extra: new JsonObject { ["client_id"] = $"{QueueItem.ProbeClientIdPrefix}{Guid.NewGuid():N}" });
        await http0.RunAsync(CanaryFiles.EmptyImageSaveWithColour(7)); // a success is not in the feed

        await _sim.SetScenarioAsync(1, "oom");
        using var http1 = _sim.Http(1);
        await http1.RunAsync(CanaryFiles.EmptyImageSaveWithColour(8));

        JsonArray feed = [];
        await SimulatorHttp.WaitUntilAsync(async () => (feed = (await _collector.Http.GetFromJsonAsync<JsonArray>("api/failures"))!).Count >= 3 && _collector.Fleet.Scrapers.All(s => s.State.Snapshot.ProbeCompleted.Count > 0 || s.Name == oom),
            TimeSpan.FromSeconds(30), "three failures in the feed");
        Assert.Equal(3, feed.Count);
        Assert.Equal([oom, errors, errors], feed.Select(f => (string)f!["instance"]!)); // newest first, across the fleet

        var planted = feed[1]!;
        Assert.Equal("RuntimeError", (string?)planted["exception_type"]);
        Assert.Equal("KSampler", (string?)planted["node_type"]);
        Assert.Equal("3", (string?)planted["node_id"]);
        Assert.False(string.IsNullOrEmpty((string?)planted["prompt_id"]));
        var message = (string)planted["message"]!;
        Assert.StartsWith("download of http://***@hub.example/models/x.safetensors?<redacted> failed with <redacted>, api_key=<redacted>; see ~/…/x.safetensors", message, StringComparison.Ordinal);
        AssertNothingPlanted(feed.ToJsonString());
        Assert.Equal("torch.OutOfMemoryError", (string?)feed[0]!["exception_type"]);
        Assert.Contains("out of memory", (string?)feed[0]!["message"], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(feed, f => ((string?)f!["message"])?.Contains("canary", StringComparison.Ordinal) == true);

        // One instance's feed, and an unknown one.
        var own = (await _collector.Http.GetFromJsonAsync<JsonArray>($"api/instances/{Uri.EscapeDataString(errors)}/failures"))!;
        Assert.Equal(["RuntimeError", "ValueError"], own.Select(f => (string)f!["exception_type"]!));
        using var unknown = await _collector.Http.GetAsync("api/instances/nope/failures");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // The page shows them, scrubbed; each failure is logged once, scrubbed, with its fields.
        var page = await _collector.Http.GetStringAsync("/");
        Assert.Contains("Recent failures", page, StringComparison.Ordinal);
        Assert.Contains("the first failure", page, StringComparison.Ordinal);
        AssertNothingPlanted(page);
        await _collector.HoldsForCyclesAsync(errors, 3, _ => true, "a few more cycles");
        var logged = _collector.Logs.Lines.Where(l => l.Contains("failed on", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, logged.Count);
        Assert.Single(logged, l => l.Contains("the first failure", StringComparison.Ordinal) && l.Contains("KSampler", StringComparison.Ordinal));
        AssertNothingPlanted(_collector.Logs.All());

        // A broken CUDA context: the first node that touches the GPU (the checkpoint loader) fails with the driver's
        // message, newest first in the instance's feed.
        await _sim.SetScenarioAsync(0, "cuda-error");
        await http0.RunAsync((JsonObject)Simulator.Workload.WorkloadService.Txt2Img(succeeds: true)["prompt"]!.DeepClone());
        await SimulatorHttp.WaitUntilAsync(async () => (await _collector.Http.GetFromJsonAsync<JsonArray>($"api/instances/{Uri.EscapeDataString(errors)}/failures"))!.Count == 3,
            TimeSpan.FromSeconds(30), "the CUDA error in the feed");
        var cuda = (await _collector.Http.GetFromJsonAsync<JsonArray>($"api/instances/{Uri.EscapeDataString(errors)}/failures"))![0]!;
        Assert.Equal(("RuntimeError", "CheckpointLoaderSimple"), ((string?)cuda["exception_type"], (string?)cuda["node_type"]));
        Assert.StartsWith("CUDA error: an illegal memory access was encountered", (string?)cuda["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFeedKeepsItsSizeUnderTenThousandFailuresAndTypesOnlyWithoutMessages()
    {
        // Pure state: 10,000 failed prompts through one instance's state, in batches as cycles would bring them.
        foreach (var messages in new[] { true, false })
        {
            var options = new CollectorOptions { FailureFeed = new FailureFeedOptions { Size = 20, Messages = messages }, MaxHistoryBatch = 1024 };
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var state = new InstanceState("big", options, time);
            state.Apply(new CycleResult { History = [], Queue = new QueueState() });
            var newest = 0L;
            for (var batch = 0; batch < 100; batch++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                var entries = Enumerable.Range(batch * 100, 100).Reverse().Select(i => FailedEntry($"p{i}", i, time.GetUtcNow().ToUnixTimeMilliseconds() + i)).ToList();
                newest = time.GetUtcNow().ToUnixTimeMilliseconds() + (batch * 100) + 99;
                state.Apply(new CycleResult { History = entries, Queue = new QueueState() });
            }

            var feed = state.Snapshot.RecentFailures;
            Assert.Equal(20, feed.Count);
            Assert.Equal("p9999", feed[0].PromptId);
            Assert.Equal(newest, feed[0].Time.ToUnixTimeMilliseconds());
            Assert.True(feed.Zip(feed.Skip(1)).All(p => p.First.Time >= p.Second.Time), "newest first");
            Assert.All(feed, f => Assert.Equal("torch.OutOfMemoryError", f.ExceptionType));
            Assert.All(feed, f => Assert.Equal(messages ? "CUDA out of memory. Tried to allocate 2.00 GiB" : null, f.Message));
        }
    }

    [Theory]
    [InlineData("Error while deserializing header: HeaderTooLarge", "Error while deserializing header: HeaderTooLarge")]
    [InlineData("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity)", "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity)")]
    [InlineData("fetch https://bob:s3cr3t@example.com/a failed", "fetch https://***@example.com/a failed")]
    [InlineData("GET https://cdn.example/x.png?X-Amz-Signature=abc123&X-Amz-Credential=AKIA1 403", "GET https://cdn.example/x.png?<redacted> 403")]
    [InlineData("Authorization: Bearer abcdef0123456789xyz rejected", "Authorization: <redacted> rejected")]
    [InlineData("token hf_abcdefghijklmnopqrstuvwx invalid", "token <redacted> invalid")]
    [InlineData("OPENAI sk-proj-ABCDEFGHIJKLMNOPQRSTUV failed", "OPENAI <redacted> failed")]
    [InlineData("password=correct-horse, user=bob", "password=<redacted>, user=bob")]
    [InlineData("{\"api_key\": \"12345\"}", "{\"api_key\": \"<redacted>\"}")]
    [InlineData("the tokenizer: could not load", "the tokenizer: could not load")]
    [InlineData("No such file: '/home/alice/ComfyUI/models/loras/style.safetensors'", "No such file: '~/…/style.safetensors'")]
    [InlineData("/root/.cache/huggingface/hub gone", "~/…/hub gone")]
    [InlineData(@"C:\Users\Alice\ComfyUI\models\x.ckpt missing", @"~\…\x.ckpt missing")]
    [InlineData("/Users/alice missing", "~ missing")]
    [InlineData("id 0123456789abcdef0123456789abcdef01 leaked", "id <redacted> leaked")]
    [InlineData("line one\n  line two\r\n", "line one line two")]
    public void MessagesAreScrubbed(string message, string shown) => Assert.Equal(shown, MessageScrubber.Scrub(message, 300));

    [Fact]
    public void ALongMessageIsCutAfterScrubbingOnATextElement()
    {
        var cut = MessageScrubber.Scrub(new string('x', 10) + " " + string.Concat(Enumerable.Repeat("ab 😀 ", 400)) + " hf_abcdefghijklmnopqrstuvwx", 300)!;
        Assert.True(cut.Length <= 300, $"{cut.Length} characters");
        Assert.EndsWith("…", cut, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(cut[^2]), "a surrogate pair was split");
        Assert.Null(MessageScrubber.Scrub(null, 300));
    }

    internal static void AssertNothingPlanted(string text)
    {
        foreach (var secret in new[] { "hunter2", "alice:", "PLANTEDQUERY", "PLANTEDTOKEN", "PLANTEDKEY", "/home/alice", "private-project" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    private static HistoryEntry FailedEntry(string id, double number, long endMs) => new()
    {
        PromptId = id,
        Prompt = new QueueItem { PromptId = id, Number = number },
        Status = new HistoryStatus
        {
            StatusStr = "error",
            Completed = false,
            Messages =
            [
                new StatusMessage { Event = StatusMessage.ExecutionStart, TimestampMs = endMs - 10 },
                new StatusMessage { Event = StatusMessage.ExecutionError, TimestampMs = endMs, NodeId = "3", NodeType = "KSampler", ExceptionType = "torch.OutOfMemoryError", ExceptionMessage = "CUDA out of memory. Tried to allocate 2.00 GiB\n" },
            ],
        },
    };

    private string Name(int index) => $"127.0.0.1:{_sim.BasePort + index}";

    private static JsonObject Failing(string error)
    {
        var graph = (JsonObject)Simulator.Workload.WorkloadService.Txt2Img(succeeds: true)["prompt"]!.DeepClone();
        graph["3"]!["inputs"]!["simulate_error"] = error;
        return graph;
    }
}
