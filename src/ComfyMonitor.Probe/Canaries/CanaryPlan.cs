using System.Text.Json.Nodes;
using ComfyMonitor.ComfyApi.Imaging;

namespace ComfyMonitor.Probe.Canaries;

/// <summary>
/// What a canary submits, which node's image it fetches, and how it checks that image: null when the
/// pixels are right, else what is wrong.
/// </summary>
public sealed record CanaryPlan(JsonObject Graph, string OutputNode, Func<RgbaImage, string?> Verify);
