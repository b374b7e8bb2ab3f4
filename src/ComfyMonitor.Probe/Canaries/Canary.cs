using System.Reflection;
using System.Text.Json.Nodes;

namespace ComfyMonitor.Probe.Canaries;

/// <summary>A synthetic prompt: prepares its inputs (fresh every run, so that ComfyUI's cache cannot answer) and says how to check the output.</summary>
public abstract class Canary
{
    public abstract string Name { get; }

    /// <summary>How often it runs per instance when that differs from Probe:Interval (the sampler canary's own interval).</summary>
    public virtual TimeSpan? Interval => null;

    /// <summary>How long its uploads and submit, and its execution, may take when that differs from Probe:Timeout.</summary>
    public virtual TimeSpan? Timeout => null;

    public abstract Task<CanaryPlan> PrepareAsync(CanaryContext context, CancellationToken cancellationToken);

    /// <summary>A canary workflow shipped with the probe (the reference workflows of the ComfyUI API notes).</summary>
    protected static JsonObject Embedded(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name) ?? throw new InvalidOperationException($"{name} is not embedded");
        return (JsonObject)JsonNode.Parse(stream)!;
    }

    /// <summary>Each channel within ±1: ComfyUI's float32 round trip may truncate a value by one.</summary>
    protected static bool Close(byte actual, int expected) => Math.Abs(actual - expected) <= 1;
}
