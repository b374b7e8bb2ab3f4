using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ComfyMonitor.Reliability.Tests;

/// <summary>
/// A ComfyUI server whose every string is an attack or garbage: markup and script, newlines, quotes, exposition
/// syntax, very long text, lone surrogates and raw invalid UTF-8; and whose history fills with failed prompts of
/// ever new node types, <see cref="RatePerSecond"/> a second up to <see cref="FloodSize"/>.
/// </summary>
internal static class HostileServer
{
    public const int FloodSize = 20_000;
    public const int RatePerSecond = 3_000;

    /// <summary>Script that would retitle the page: "xssran" appears only if it runs (the source says 'xss'+'ran').</summary>
    public const string Script = "<script>document.title='xss'+'ran'</script>";
    public const string Image = "\"><img src=x onerror=\"document.title='xss'+'ran'\">";
    public const string Exposition = "3.12\"} 1\n# HELP fake_metric injected\nfake_metric{a=\"b\"} 1\n";
    public static readonly string Long = new('A', 5000);

    /// <summary>What a failure's message carries that no page, API or log may show: a URL's credentials and query, a token, a home path.</summary>
    public const string Secrets = "fetch http://alice:hunter2@hub.example/x.safetensors?token=PLANTEDQUERY with hf_PLANTEDTOKENabcdefghijklmnop into /home/alice/private-project/x.safetensors";

    /// <summary>Parts of <see cref="Secrets"/> that must never show.</summary>
    public static readonly string[] SecretParts = ["hunter2", "alice:", "PLANTEDQUERY", "PLANTEDTOKEN", "/home/alice", "private-project"];

    /// <summary>Replaced by the escape Python writes for an undecodable byte ("\udcff"), which .NET cannot hold in a valid string.</summary>
    private const string LoneSurrogate = "LONE-SURROGATE";

    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    /// <summary>Failed prompts the history holds now.</summary>
    public static int Flooded => (int)Math.Min(FloodSize, Clock.Elapsed.TotalSeconds * RatePerSecond);

    public static Task AnswerAsync(HttpContext context) => context.Request.Path.Value switch
    {
        "/system_stats" => FaultServer.Write(context, new JsonObject
        {
            ["system"] = new JsonObject
            {
                ["os"] = Script, ["comfyui_version"] = "0.8.0" + Image, ["python_version"] = Exposition, ["pytorch_version"] = Long,
                ["embedded_python"] = false, ["ram_total"] = 64L << 30, ["ram_free"] = 32L << 30, ["argv"] = new JsonArray("main.py"),
            },
            ["devices"] = new JsonArray(new JsonObject
            {
                ["name"] = "cuda:0 <b>NVIDIA</b>\r\n\"quoted\" 'single' \\ back" + LoneSurrogate + "slash" + Script, ["type"] = "cuda\n" + Image, ["index"] = 0,
                ["vram_total"] = 24L << 30, ["vram_free"] = 20L << 30, ["torch_vram_total"] = 1L << 30, ["torch_vram_free"] = 1L << 29,
            }),
        }.ToJsonString().Replace(LoneSurrogate, "\\udcff", StringComparison.Ordinal)),
        "/extensions" => WriteBytes(context, Encoding.UTF8.GetBytes($"[\"/extensions/{Script.Replace("/", "\\/", StringComparison.Ordinal)}.js\", \"/extensions/bad-")
            .Concat(new byte[] { 0xFF, 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("-bytes.js\", \"/extensions/lone-\\udcff.js\"]")).ToArray()),
        "/queue" => FaultServer.Write(context, """{"queue_running": [], "queue_pending": []}"""),
        "/history" => FaultServer.Write(context, History(HistoryJson.MaxItems(context))),
        "/prompt" when context.Request.Method == "POST" => FaultServer.Write(context, new JsonObject
        {
            ["error"] = new JsonObject { ["type"] = "prompt_outputs_failed_validation" + Image, ["message"] = Script + "\nline two \"quoted\"", ["details"] = Long, ["extra_info"] = new JsonObject() },
            ["node_errors"] = new JsonObject(),
        }.ToJsonString(), 400),
        "/upload/image" or "/upload/mask" => FaultServer.Write(context, Script + Image, 400, "text/plain"),
        _ => FaultServer.Write(context, Script, 404, "text/html"),
    };

    private static string History(int? maxItems)
    {
        var count = Flooded;
        var take = Math.Min(count, maxItems ?? 64);
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        var entries = Enumerable.Range(count - take, take)
            .Select(i => ($"flood-{i}", HistoryJson.Entry($"flood-{i}", start + i, $"EvilNode{i}{Script}", $"Ex\"}} {i}\n{Image}", $"{Script} boom {i} {Secrets}")))
            .ToList();
        return HistoryJson.Page(entries, maxItems);
    }

    private static async Task WriteBytes(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}
