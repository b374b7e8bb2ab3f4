namespace ComfyMonitor.Simulator.Fleet;

/// <summary>
/// The memory of one simulated server, as ComfyUI's model management keeps it: a model stays loaded (and cached) once
/// loaded, loading it again costs nothing, and when the next one does not fit the others are unloaded; what a prompt
/// uses besides models is given back when it ends; the vram-leak scenario keeps some of it, and leaks over time too.
/// </summary>
public sealed class VramModel(GpuProfile gpu, TimeProvider time)
{
    private const long OtherProcessesVram = 400L << 20;
    private const long LeakPerPrompt = 256L << 20;
    private const long MaxLoadedModels = 6L << 30;

    private readonly HashSet<string> _loaded = new(StringComparer.Ordinal);
    private long _modelsLoaded;
    private long _activeVram;
    private long _leakedVram;

    /// <summary>A model loader ran: loads the model unless it is loaded, unloading the others when it does not fit.</summary>
    public void Load(string model, long bytes)
    {
        lock (_loaded)
        {
            if (_loaded.Add(model) && Interlocked.Add(ref _modelsLoaded, bytes) > MaxLoadedModels)
            {
                _loaded.Clear();
                _loaded.Add(model);
                Interlocked.Exchange(ref _modelsLoaded, bytes);
            }
        }
    }

    /// <summary>A node that is not a loader holds memory until its prompt ends.</summary>
    public void Use(long bytes) => Interlocked.Add(ref _activeVram, bytes);

    /// <summary>A prompt ended: its working memory is given back, except what a leak keeps.</summary>
    public void PromptEnded(bool leaks)
    {
        Interlocked.Exchange(ref _activeVram, 0);
        if (leaks)
        {
            Interlocked.Add(ref _leakedVram, LeakPerPrompt);
        }
    }

    /// <summary>The process restarted: every model is unloaded (a leak of the driver stays).</summary>
    public void Unload()
    {
        lock (_loaded)
        {
            Interlocked.Exchange(ref _modelsLoaded, 0);
            _loaded.Clear();
        }
    }

    /// <summary>(ram_free, vram_free, torch_vram_total, torch_vram_free) for the scenario, which changed at <paramref name="scenarioSince"/> (a timestamp).</summary>
    public (long RamFree, long VramFree, long TorchTotal, long TorchFree) Read(string scenario, long scenarioSince)
    {
        var leak = Interlocked.Read(ref _leakedVram);
        if (scenario == Scenarios.VramLeak)
        {
            var minutes = time.GetElapsedTime(scenarioSince).TotalMinutes;
            leak += (long)(minutes * (128L << 20));
        }

        var reserved = Interlocked.Read(ref _modelsLoaded) + Interlocked.Read(ref _activeVram);
        var active = reserved;
        if (scenario == Scenarios.Oom)
        {
            active = reserved = gpu.VramTotal - OtherProcessesVram - (64L << 20);
        }

        var ramFree = GpuProfile.RamTotal - (8L << 30) - (gpu.UsesSystemRam ? reserved + leak : 0);
        if (gpu.UsesSystemRam)
        {
            return (ramFree, ramFree, ramFree, ramFree);
        }

        var vramFree = Math.Max(0, gpu.VramTotal - OtherProcessesVram - active - leak);
        return (ramFree, vramFree, reserved, reserved - active);
    }
}
