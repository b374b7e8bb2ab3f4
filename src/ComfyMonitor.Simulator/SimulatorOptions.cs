namespace ComfyMonitor.Simulator;

/// <summary>Command line: <c>--instances N --base-port P [--control-port C] [--workload PPM] [--scenario NAME]</c> and the rest below.</summary>
public sealed class SimulatorOptions
{
    public int Instances { get; set; } = 1;

    public int BasePort { get; set; } = 8188;

    public int ControlPort { get; set; } = 8100;

    /// <summary>Background prompts per minute per instance (0: none).</summary>
    public double Workload { get; set; }

    /// <summary>
    /// What the background users run: image (text-to-image prompts of seconds), video (prompts whose sampler runs about
    /// <see cref="VideoJobTime"/>, with two more kept pending behind), or mixed (odd-numbered instances video, the rest image).
    /// </summary>
    public string WorkloadProfile { get; set; } = WorkloadProfiles.Image;

    /// <summary>The typical sampler time of a video prompt: each one takes 0.4 to 1.6 times it (10 to 40 minutes by default).</summary>
    public TimeSpan VideoJobTime { get; set; } = TimeSpan.FromMinutes(25);

    /// <summary>The scenario every instance starts in.</summary>
    public string Scenario { get; set; } = Fleet.Scenarios.Healthy;

    /// <summary>cuda, rocm, cpu, mps, or mixed (cycles through them by instance index).</summary>
    public string Gpu { get; set; } = "cuda";

    /// <summary>The comfyui_version every instance reports.</summary>
    public string ComfyVersion { get; set; } = "0.8.0";

    /// <summary>Simulated run time of each model node (KSampler, VAEDecode, ...).</summary>
    public TimeSpan NodeTime { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Extra latency of every HTTP answer in the slow scenario; node times grow tenfold.</summary>
    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>History entries kept: the real server keeps 10000 (10001 in steady state).</summary>
    public int HistoryCap { get; set; } = 10000;

    /// <summary>Where uploads and outputs go; a fresh temporary folder when empty.</summary>
    public string? DataDir { get; set; }

    /// <summary>History entries each instance starts with (text-to-image prompts of the background workload's shape).</summary>
    public int HistoryFill { get; set; }

    /// <summary>
    /// Whether each instance has model files (checkpoints, LoRAs, VAEs, ...) for the loaders' lists; false is a server
    /// without models, like the recorded ComfyUI 0.3.64 the conformance test compares with.
    /// </summary>
    public bool ModelFiles { get; set; } = true;

    /// <summary>
    /// Test-only: time between a WebSocket's handshake and the registration of its client id (with the first status
    /// message), which a loaded real server shows; messages for the client id sent meanwhile are lost, as there.
    /// </summary>
    public TimeSpan WebSocketRegistrationDelay { get; set; }

    /// <summary>Maximum request body (the server's --max-upload-size); larger bodies get 413.</summary>
    public long MaxUploadBytes { get; set; } = 100 * 1024 * 1024;
}
