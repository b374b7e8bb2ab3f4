namespace ComfyMonitor.Probe;

/// <summary>
/// <c>Probe:Canaries:Sampler</c>: the canary that proves a GPU generates (checkpoint, text encoder, sampler, VAE). Off
/// unless <see cref="Checkpoint"/> names at least one checkpoint.
/// </summary>
public sealed class SamplerCanaryOptions
{
    public const string Section = "Probe:Canaries:Sampler";

    /// <summary>
    /// Checkpoint file names, comma-separated, in order of preference: the first one the instance has is loaded. Unset: the
    /// sampler canary is off.
    /// </summary>
    public string? Checkpoint { get; set; }

    /// <summary>How often the sampler canary runs per instance (it loads a model and takes GPU time: less often than the other canaries).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the sampler canary's execution may take (and its submit); Probe:Timeout when unset. A cold model load counts here.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>KSampler's steps: the speed it reports is steps ÷ the sampler node's time.</summary>
    public int Steps { get; set; } = 4;

    /// <summary>Width of the latent image (EmptyLatentImage) and of the output it must produce, in pixels.</summary>
    public int Width { get; set; } = 64;

    /// <summary>Height of the latent image and of the output it must produce, in pixels.</summary>
    public int Height { get; set; } = 64;

    /// <summary>KSampler's seed: fixed, so that runs compare (the negative prompt's nonce keeps ComfyUI's cache from answering).</summary>
    public long Seed { get; set; } = 42;

    /// <summary>KSampler's classifier-free guidance scale.</summary>
    public double Cfg { get; set; } = 7;

    /// <summary>KSampler's sampler_name.</summary>
    public string SamplerName { get; set; } = "euler";

    /// <summary>KSampler's scheduler.</summary>
    public string Scheduler { get; set; } = "normal";

    /// <summary>The positive prompt (CLIPTextEncode).</summary>
    public string Prompt { get; set; } = "a red apple on a wooden table, studio light";

    /// <summary>The configured checkpoints, in order.</summary>
    public IReadOnlyList<string> Checkpoints =>
        (Checkpoint ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Whether a checkpoint is configured: without one the sampler canary is off.</summary>
    public bool Configured => Checkpoints.Count > 0;
}
