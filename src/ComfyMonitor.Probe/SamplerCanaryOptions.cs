namespace ComfyMonitor.Probe;

/// <summary>
/// <c>Probe:Canaries:Sampler</c>: the canary that proves a GPU generates (checkpoint, text encoder, sampler, VAE). Off
/// unless <see cref="Checkpoint"/> names at least one checkpoint.
/// </summary>
public sealed class SamplerCanaryOptions
{
    public const string Section = "Probe:Canaries:Sampler";

    /// <summary>Checkpoint file names, comma-separated, in order of preference: the first one the instance has is loaded.</summary>
    public string? Checkpoint { get; set; }

    /// <summary>How often it runs per instance (it loads a model and takes GPU time: less often than the other canaries).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long its execution may take (and its submit); Probe:Timeout when unset. A cold model load counts here.</summary>
    public TimeSpan? Timeout { get; set; }

    public int Steps { get; set; } = 4;

    public int Width { get; set; } = 64;

    public int Height { get; set; } = 64;

    public long Seed { get; set; } = 42;

    public double Cfg { get; set; } = 7;

    public string SamplerName { get; set; } = "euler";

    public string Scheduler { get; set; } = "normal";

    public string Prompt { get; set; } = "a red apple on a wooden table, studio light";

    /// <summary>The configured checkpoints, in order.</summary>
    public IReadOnlyList<string> Checkpoints =>
        (Checkpoint ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public bool Configured => Checkpoints.Count > 0;
}
