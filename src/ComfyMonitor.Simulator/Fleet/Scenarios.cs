namespace ComfyMonitor.Simulator.Fleet;

/// <summary>The behaviours an instance can be switched to through the control API (docs/simulator.md).</summary>
public static class Scenarios
{
    /// <summary>Answers every route like a working server.</summary>
    public const string Healthy = "healthy";

    /// <summary>Every HTTP answer is delayed by SlowDelay and model nodes run ten times slower.</summary>
    public const string Slow = "slow";

    /// <summary>The API answers, but the worker makes no progress: the running prompt never finishes.</summary>
    public const string Stuck = "stuck";

    /// <summary>Every prompt fails with torch.OutOfMemoryError; free VRAM is near zero.</summary>
    public const string Oom = "oom";

    /// <summary>Every API route answers 500 with a plain-text body.</summary>
    public const string Errors = "errors";

    /// <summary>The port is closed: connections are refused.</summary>
    public const string Down = "down";

    /// <summary>Every API route answers 200 with a body that is not valid JSON.</summary>
    public const string Garbage = "garbage";

    /// <summary>Connections are accepted but never answered.</summary>
    public const string Hang = "hang";

    /// <summary>Free VRAM shrinks with every prompt and every minute, and never comes back.</summary>
    public const string VramLeak = "vram-leak";

    /// <summary>Test mode: images written by SaveImage and PreviewImage have wrong pixels.</summary>
    public const string WrongPixels = "wrong-pixels";

    /// <summary>/history answers 500 while every other route works: a server the collector can only partly read.</summary>
    public const string BrokenHistory = "broken-history";

    /// <summary>/ws refuses the upgrade with 403, like a proxy that does not pass WebSockets; HTTP works.</summary>
    public const string NoWebSocket = "no-websocket";

    /// <summary>
    /// The model decodes to black: VAEDecode's images are all zeros (NaN latents cast to uint8), every prompt still ends
    /// with status success.
    /// </summary>
    public const string BlackImages = "black-images";

    /// <summary>
    /// A broken CUDA context: every node that needs the GPU (the model nodes) fails with RuntimeError "CUDA error: an illegal
    /// memory access was encountered"; image-only nodes (CPU tensors) still succeed and /system_stats answers.
    /// </summary>
    public const string CudaError = "cuda-error";

    /// <summary>Sampling runs four times slower (a throttled or power-capped GPU); everything else as usual.</summary>
    public const string SlowSampling = "slow-sampling";

    public static readonly IReadOnlyList<string> All =
        [Healthy, Slow, Stuck, Oom, Errors, Down, Garbage, Hang, VramLeak, WrongPixels, BrokenHistory, NoWebSocket, BlackImages, CudaError, SlowSampling];

    public static bool IsKnown(string name) => All.Contains(name);
}
