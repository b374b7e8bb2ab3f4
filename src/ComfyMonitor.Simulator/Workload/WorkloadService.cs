using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Fleet;

namespace ComfyMonitor.Simulator.Workload;

/// <summary>
/// Background traffic: each instance gets Workload prompts a minute, like users of the web UI
/// (text-to-image graphs with a workflow in extra_data and no client_id), at random moments. Instances that serve video
/// (--workload-profile video or mixed) get video prompts instead, whose sampler runs for minutes, only while fewer than
/// two wait: a long job always runs with users' prompts pending behind it.
/// </summary>
internal sealed partial class WorkloadService(SimulatedFleet fleet, TimeProvider time, ILogger<WorkloadService> logger) : BackgroundService
{
    private static readonly string[] Subjects = ["a lighthouse on a cliff at dawn", "a red fox in the snow", "a city street at night, rain", "a bowl of fruit, oil painting"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var perSecond = fleet.Options.Workload / 60.0;
        if (perSecond <= 0)
        {
            return;
        }

        logger.LogInformation("Submitting {Workload} background prompts per minute to each of {Count} instances", fleet.Options.Workload, fleet.Instances.Count);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var instance in fleet.Instances)
            {
                if (instance.Scenario is Scenarios.Down or Scenarios.Hang || Random.Shared.NextDouble() >= perSecond)
                {
                    continue;
                }

                var video = WorkloadProfiles.ServesVideo(fleet.Options.WorkloadProfile, instance.Index);
                if (video && instance.PendingCount >= 2)
                {
                    continue;
                }

                try
                {
                    // As the server receives it: parsed from JSON text, not the C# values it was built from (a number
                    // built as an int is not readable as a long, as every parsed JSON number is).
                    var prompt = video ? Video(fleet.Options.VideoJobTime * (0.4 + (1.2 * Random.Shared.NextDouble()))) : Txt2Img();
                    await instance.SubmitAsync(JsonNode.Parse(prompt.ToJsonString())!.AsObject());
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One failed submit must not stop the background traffic, nor (as an unhandled exception of a
                    // background service) the whole simulator.
                    LogSubmitFailed(logger, instance.Index, ex);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A background prompt could not be submitted to instance {Index}")]
    private static partial void LogSubmitFailed(ILogger logger, int index, Exception exception);

    /// <summary>Share of background prompts that fail in KSampler, and share that get interrupted there.</summary>
    public const double ErrorShare = 0.05;
    public const double InterruptShare = 0.02;

    private static readonly string[] Failures =
    [
        "torch.OutOfMemoryError: Allocation on device ",
        "RuntimeError: CUDA error: an illegal memory access was encountered",
        "ValueError: Expected a latent image of 4 channels",
    ];

    /// <summary>A txt2img prompt; unless <paramref name="succeeds"/>, it fails or is interrupted as often as background prompts do.</summary>
    public static JsonObject Txt2Img(bool succeeds = false)
    {
        var text = Subjects[Random.Shared.Next(Subjects.Length)];
        var roll = succeeds ? 1.0 : Random.Shared.NextDouble();
        var prompt = new JsonObject
        {
            ["prompt"] = new JsonObject
            {
                ["4"] = Node("CheckpointLoaderSimple", new JsonObject { ["ckpt_name"] = "v1-5-pruned-emaonly-fp16.safetensors" }),
                ["5"] = Node("EmptyLatentImage", new JsonObject { ["width"] = 512, ["height"] = 512, ["batch_size"] = 1 }),
                ["6"] = Node("CLIPTextEncode", new JsonObject { ["text"] = text, ["clip"] = new JsonArray("4", 1) }),
                ["7"] = Node("CLIPTextEncode", new JsonObject { ["text"] = "text, watermark", ["clip"] = new JsonArray("4", 1) }),
                ["3"] = Node("KSampler", new JsonObject
                {
                    ["seed"] = Random.Shared.NextInt64(1L << 48),
                    ["steps"] = 20,
                    ["cfg"] = 8.0,
                    ["sampler_name"] = "euler",
                    ["scheduler"] = "normal",
                    ["denoise"] = 1.0,
                    ["model"] = new JsonArray("4", 0),
                    ["positive"] = new JsonArray("6", 0),
                    ["negative"] = new JsonArray("7", 0),
                    ["latent_image"] = new JsonArray("5", 0),
                }),
                ["8"] = Node("VAEDecode", new JsonObject { ["samples"] = new JsonArray("3", 0), ["vae"] = new JsonArray("4", 2) }),
                ["9"] = Node("SaveImage", new JsonObject { ["filename_prefix"] = "ComfyUI", ["images"] = new JsonArray("8", 0) }),
            },
            ["extra_data"] = new JsonObject
            {
                ["extra_pnginfo"] = new JsonObject { ["workflow"] = new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["nodes"] = new JsonArray(), ["links"] = new JsonArray() } },
            },
        };
        var sampler = (JsonObject)prompt["prompt"]!["3"]!["inputs"]!;
        if (roll < ErrorShare)
        {
            sampler["simulate_error"] = Failures[Random.Shared.Next(Failures.Length)];
        }
        else if (roll < ErrorShare + InterruptShare)
        {
            sampler["simulate_interrupt"] = true;
        }

        return prompt;
    }

    /// <summary>
    /// A text-to-video prompt (HunyuanVideo's latent, 73 frames) whose sampler runs for <paramref name="samplerTime"/>
    /// with 30 steps reported; it always succeeds. <c>simulate_seconds</c> is a simulator-only input, like simulate_error.
    /// </summary>
    public static JsonObject Video(TimeSpan samplerTime)
    {
        var prompt = Txt2Img(succeeds: true);
        var graph = (JsonObject)prompt["prompt"]!;
        graph["5"] = Node("EmptyHunyuanLatentVideo", new JsonObject { ["width"] = 848, ["height"] = 480, ["length"] = 73, ["batch_size"] = 1 });
        var sampler = (JsonObject)graph["3"]!["inputs"]!;
        sampler["steps"] = 30;
        sampler["simulate_seconds"] = Math.Round(samplerTime.TotalSeconds, 3);
        graph["9"]!["inputs"]!["filename_prefix"] = "video/ComfyUI";
        return prompt;
    }

    private static JsonObject Node(string classType, JsonObject inputs) => new() { ["class_type"] = classType, ["inputs"] = inputs };
}
