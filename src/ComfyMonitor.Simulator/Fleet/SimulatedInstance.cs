using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Execution;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>
/// One fake ComfyUI server: a queue with one worker, a capped in-memory history, files on disk,
/// a WebSocket hub and a GPU whose VRAM follows the simulated work.
/// </summary>
public sealed partial class SimulatedInstance
{
    private const long OtherProcessesVram = 400L << 20;
    private const long LeakPerPrompt = 256L << 20;

    private readonly Lock _lock = new();
    private readonly List<QueuedPrompt> _pending = [];
    private readonly OrderedDictionary<string, HistoryRecord> _history = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, object?[]> _cache = [];
    private QueuedPrompt? _running;
    private string? _interruptRequested;
    private int _counter;
    private volatile string _scenario;
    private long _modelsLoaded;
    private long _activeVram;
    private long _leakedVram;
    private long _scenarioChangedAt;

    public SimulatedInstance(int index, int port, SimulatorOptions options, string dataRoot, TimeProvider time)
    {
        Index = index;
        Port = port;
        _options = options;
        _time = time;
        _scenario = options.Scenario;
        Gpu = GpuProfile.For(options.Gpu, index);
        Files = new FileStore(Path.Combine(dataRoot, $"instance-{index}"));
        Validator = new PromptValidator(name => Files.ResolveLoadImage(name) is not null, Choices);
        Extensions = DefaultExtensions.ToList();
    }

    public static readonly IReadOnlyList<string> DefaultExtensions =
    [
        "/extensions/core/clipspace.js",
        "/extensions/core/groupNode.js",
        "/extensions/core/widgetInputs.js",
        "/extensions/ComfyUI-Manager/comfyui-manager.js",
        "/extensions/comfyui-custom-scripts/js/autocompleter.js",
    ];

    /// <summary>The model files a server with models would list, by folder (names of common public models).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> SimulatedModels = new Dictionary<string, string[]>
    {
        ["checkpoints"] = ["sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly-fp16.safetensors"],
        ["loras"] = ["add-detail-xl.safetensors"],
        ["vae"] = ["sdxl_vae.safetensors"],
        ["text_encoders"] = ["clip_l.safetensors", "t5xxl_fp8_e4m3fn.safetensors"],
        ["diffusion_models"] = ["flux1-schnell.safetensors"],
        ["controlnet"] = ["control_v11p_sd15_canny.pth"],
        ["clip_vision"] = ["clip_vision_g.safetensors"],
        ["upscale_models"] = ["RealESRGAN_x4plus.pth"],
    };

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<string>> _modelFiles = new(StringComparer.Ordinal);

    /// <summary>The files of a model folder (sorted, like folder_paths.get_filename_list): as set through the control API, else the simulated ones.</summary>
    public IReadOnlyList<string> ModelFiles(string folder) =>
        _modelFiles.TryGetValue(folder, out var set) ? set
        : _options.ModelFiles && SimulatedModels.TryGetValue(folder, out var files) ? files : [];

    /// <summary>What a folder holds from now on (a model added or removed on this box): /models/{folder} and the loaders' lists follow.</summary>
    public void SetModelFiles(string folder, IEnumerable<string> files) =>
        _modelFiles[folder] = files.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The lists the server fills when asked: input files for LoadImage (images only) and LoadImageMask (all), model files for loaders.</summary>
    public JsonArray? Choices(string classType, InputSpec input)
    {
        if (classType is "LoadImage" or "LoadImageMask" && input.Name == "image")
        {
            return new JsonArray(Files.InputChoices(imagesOnly: classType == "LoadImage").Select(f => (JsonNode)f).ToArray());
        }

        return NodeCatalog.ModelFolder(classType, input) is { } folder ? new JsonArray(ModelFiles(folder).Select(f => (JsonNode)f).ToArray()) : null;
    }

    public int Index { get; }

    public int Port { get; }

    public GpuProfile Gpu { get; }

    public FileStore Files { get; }

    public PromptValidator Validator { get; }

    public WebSocketHub Hub { get; } = new();

    /// <summary>What /extensions lists; settable through the control API to show drift.</summary>
    public List<string> Extensions { get; set; }

    public string ComfyVersion { get; set; } = "";

    /// <summary>Whether the reported version has a feature that came in <paramref name="release"/> (see the version table of the API reference).</summary>
    public bool IsAtLeast(string release) => ParseVersion(ComfyVersion) >= ParseVersion(release);

    /// <summary>"0.3.64", "v0.2.2-87-g1234567" (git describe): the release numbers; unknown text counts as the newest.</summary>
    private static Version ParseVersion(string text)
    {
        var core = text.TrimStart('v').Split('-', '+')[0];
        return Version.TryParse(core.Count(c => c == '.') == 0 ? core + ".0" : core, out var v) ? v : new Version(int.MaxValue, 0);
    }

    /// <summary>The client and node the worker executes now: a socket that reconnects with that client id is told the node.</summary>
    public (string? ClientId, string? Node) LastNode { get; private set; }

    /// <summary>/features and the WebSocket feature_flags reply of this version.</summary>
    public JsonObject FeatureFlags()
    {
        var flags = new JsonObject
        {
            ["supports_preview_metadata"] = true,
            ["max_upload_size"] = JsonNode.Parse("104857600.0"),
        };
        if (IsAtLeast("0.4.0"))
        {
            flags["extension"] = new JsonObject { ["manager"] = new JsonObject { ["supports_v4"] = true } };
        }

        return flags;
    }

    public string Scenario
    {
        get => _scenario;
        set
        {
            _scenario = value;
            Interlocked.Exchange(ref _scenarioChangedAt, _time.GetTimestamp());
            _wake.Release();
        }
    }

    public int QueueRemaining
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count + (_running is null ? 0 : 1);
            }
        }
    }

    public int HistoryCount
    {
        get
        {
            lock (_lock)
            {
                return _history.Count;
            }
        }
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private bool IsStuck => _scenario == Scenarios.Stuck;

    public JsonObject SystemStats()
    {
        var (ramFree, vramFree, torchTotal, torchFree) = Memory();
        var system = new JsonObject
        {
            ["os"] = IsAtLeast("0.4.0") ? "linux" : "posix",
            ["ram_total"] = GpuProfile.RamTotal,
            ["ram_free"] = ramFree,
            ["comfyui_version"] = ComfyVersion,
        };

        // Keys that came with later releases (the API reference's version table).
        if (IsAtLeast("0.3.46"))
        {
            system["required_frontend_version"] = "1.35.9";
        }

        if (IsAtLeast("0.3.61"))
        {
            system["installed_templates_version"] = "0.7.67";
            system["required_templates_version"] = "0.7.67";
        }

        system["python_version"] = "3.12.3 (main, Nov  6 2025, 13:44:16) [GCC 13.3.0]";
        system["pytorch_version"] = Gpu.PytorchVersion;
        system["embedded_python"] = false;
        system["argv"] = new JsonArray("main.py", "--listen", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new JsonObject
        {
            ["system"] = system,
            ["devices"] = new JsonArray(new JsonObject
            {
                ["name"] = Gpu.Name,
                ["type"] = Gpu.Type,
                ["index"] = Gpu.Index,
                ["vram_total"] = Gpu.VramTotal,
                ["vram_free"] = vramFree,
                ["torch_vram_total"] = torchTotal,
                ["torch_vram_free"] = torchFree,
            }),
        };
    }

    /// <summary>(ram_free, vram_free, torch_vram_total, torch_vram_free) from the simulated allocations.</summary>
    private (long, long, long, long) Memory()
    {
        var leak = Interlocked.Read(ref _leakedVram);
        if (_scenario == Scenarios.VramLeak)
        {
            var minutes = _time.GetElapsedTime(Interlocked.Read(ref _scenarioChangedAt)).TotalMinutes;
            leak += (long)(minutes * (128L << 20));
        }

        var reserved = Interlocked.Read(ref _modelsLoaded) + Interlocked.Read(ref _activeVram);
        var active = reserved;
        if (_scenario == Scenarios.Oom)
        {
            active = reserved = Gpu.VramTotal - OtherProcessesVram - (64L << 20);
        }

        var ramFree = GpuProfile.RamTotal - (8L << 30) - (Gpu.UsesSystemRam ? reserved + leak : 0);
        if (Gpu.UsesSystemRam)
        {
            return (ramFree, ramFree, ramFree, ramFree);
        }

        var vramFree = Math.Max(0, Gpu.VramTotal - OtherProcessesVram - active - leak);
        return (ramFree, vramFree, reserved, reserved - active);
    }

    public JsonObject QueueJson()
    {
        lock (_lock)
        {
            return new JsonObject
            {
                ["queue_running"] = _running is null ? new JsonArray() : new JsonArray(_running.ToJson()),
                ["queue_pending"] = new JsonArray(_pending.Select(p => (JsonNode)p.ToJson()).ToArray()),
            };
        }
    }

    /// <summary>/history paging: newest <paramref name="maxItems"/>, or from <paramref name="offset"/> counted from the oldest.</summary>
    public JsonObject HistoryJson(int? maxItems, int? offset)
    {
        lock (_lock)
        {
            var result = new JsonObject();
            var count = _history.Count;
            int start;
            int take;
            if (offset is { } o)
            {
                start = Math.Max(0, o);
                take = maxItems ?? count;
            }
            else if (maxItems is { } m)
            {
                start = Math.Max(0, count - m);
                take = m;
            }
            else
            {
                start = 0;
                take = count;
            }

            for (var i = start; i < count && i < start + take; i++)
            {
                var (id, record) = _history.GetAt(i);
                result[id] = record.ToJson();
            }

            return result;
        }
    }

    /// <summary>The jobs API's view: pending and running prompts, then the history (success: completed, else failed).</summary>
    internal List<Http.Job> Jobs(string? only)
    {
        lock (_lock)
        {
            var jobs = new List<Http.Job>();
            jobs.AddRange(_pending.Where(p => only is null || p.PromptId == only).Select(p => new Http.Job(p.PromptId, "pending", p, null)));
            if (_running is { } running && (only is null || running.PromptId == only))
            {
                jobs.Add(new Http.Job(running.PromptId, "in_progress", running, null));
            }

            foreach (var (id, record) in _history)
            {
                if (only is null || id == only)
                {
                    jobs.Add(new Http.Job(id, record.StatusStr == "success" ? "completed" : "failed", record.Prompt, record));
                }
            }

            return jobs;
        }
    }

    public JsonObject HistoryEntryJson(string promptId)
    {
        lock (_lock)
        {
            return _history.TryGetValue(promptId, out var record) ? new JsonObject { [promptId] = record.ToJson() } : [];
        }
    }

    public void DeleteHistory(IEnumerable<string>? ids, bool clear)
    {
        lock (_lock)
        {
            if (clear)
            {
                _history.Clear();
            }

            foreach (var id in ids ?? [])
            {
                _history.Remove(id);
            }
        }
    }

    /// <summary>POST /queue: clear (always announced), then each id found pending is deleted (announced, heap re-made).</summary>
    public void DeletePending(IEnumerable<string>? ids, bool clear)
    {
        lock (_lock)
        {
            if (clear)
            {
                _pending.Clear();
                Hub.Broadcast(StatusMessage());
            }

            foreach (var id in ids ?? [])
            {
                var index = _pending.FindIndex(p => p.PromptId == id);
                if (index >= 0)
                {
                    _pending.RemoveAt(index);
                    PythonHeap.Heapify(_pending, Before);
                    Hub.Broadcast(StatusMessage());
                }
            }
        }
    }

    /// <summary>The queue's order: Python compares the tuples (number, prompt_id, ...) element by element.</summary>
    private static bool Before(QueuedPrompt a, QueuedPrompt b) =>
        a.Number != b.Number ? a.Number < b.Number : string.CompareOrdinal(a.PromptId, b.PromptId) < 0;

    /// <summary>With an id, only if it is the one running; without, whatever runs.</summary>
    public void Interrupt(string? promptId)
    {
        lock (_lock)
        {
            // A prompt_id is honoured since 0.3.57; older servers interrupt whatever runs.
            if (_running is not null && (promptId is null || !IsAtLeast("0.3.57") || _running.PromptId == promptId))
            {
                _interruptRequested = _running.PromptId;
            }
        }

        _wake.Release();
    }

    /// <summary>Fills the history with <paramref name="count"/> finished prompts that share one graph (cheap in memory).</summary>
    public void FillHistory(int count, JsonObject graph, JsonObject extra)
    {
        var outputs = new JsonObject { ["9"] = new JsonObject { ["images"] = new JsonArray(new JsonObject { ["filename"] = "ComfyUI_00001_.png", ["subfolder"] = "", ["type"] = "output" }) } };
        var now = NowMs;
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                var id = Guid.NewGuid().ToString();
                var start = now - ((count - i) * 1000L);
                _history[id] = new HistoryRecord
                {
                    Prompt = new QueuedPrompt { Number = _counter++, PromptId = id, Prompt = graph, ExtraData = extra, OutputsToExecute = ["9"] },
                    Outputs = outputs,
                    Meta = [],
                    StatusStr = "success",
                    Completed = true,
                    Messages =
                    [
                        new JsonArray("execution_start", new JsonObject { ["prompt_id"] = id, ["timestamp"] = start }),
                        new JsonArray("execution_success", new JsonObject { ["prompt_id"] = id, ["timestamp"] = start + 800 }),
                    ],
                };
            }
        }
    }

    /// <summary>The restart of a real server: queue, history and temp/ are lost, sockets drop.</summary>
    public void Restart()
    {
        lock (_lock)
        {
            _pending.Clear();
            _history.Clear();
            _cache.Clear();
            lock (_previewPrefixes)
            {
                _previewPrefixes.Clear();
            }
            _interruptRequested = _running?.PromptId;
            _counter = 0;
            Interlocked.Exchange(ref _modelsLoaded, 0);
            lock (_loadedModels)
            {
                _loadedModels.Clear();
            }
        }

        Hub.AbortAll();
        Files.EmptyTemp();
    }

    /// <summary>POST /prompt: (status code, body).</summary>
    public async Task<(int Status, JsonObject Body)> SubmitAsync(JsonObject body)
    {
        var number = Interlocked.Increment(ref _counter) - 1;
        if (!body.TryGetPropertyValue("prompt", out var promptNode))
        {
            return (400, new JsonObject
            {
                ["error"] = PromptValidator.ErrorObject("no_prompt", "No prompt provided", "No prompt provided"),
                ["node_errors"] = new JsonObject(),
            });
        }

        if (promptNode is not JsonObject prompt)
        {
            throw new InvalidOperationException("'prompt' must be an object");
        }

        var partial = body["partial_execution_targets"] is JsonArray targets ? targets.Select(t => t?.ToString() ?? "").ToList() : null;
        var validation = Validator.Validate(prompt, partial);
        if (!validation.IsValid)
        {
            return (400, new JsonObject { ["error"] = validation.Error, ["node_errors"] = validation.NodeErrors });
        }

        // float(json_data["number"]) when given; otherwise the counter, negated for "front".
        double priority = number;
        var isFloat = false;
        if (body.ContainsKey("number"))
        {
            if (Py.Float(body["number"]) is not ({ } n, null))
            {
                throw new InvalidOperationException("'number' is not a number");
            }

            priority = n.GetValue<double>();
            isFloat = true;
        }
        else if (Py.Truthy(body["front"]))
        {
            priority = -priority;
        }

        var extra = body["extra_data"] as JsonObject ?? [];
        extra = (JsonObject)extra.DeepClone();
        if (body.ContainsKey("client_id"))
        {
            extra["client_id"] = body["client_id"]?.DeepClone();
        }

        if (IsAtLeast("0.3.69"))
        {
            extra["create_time"] = NowMs;
        }

        // str(json_data.get("prompt_id", uuid4())): any value is taken as given (12345 -> "12345"); client ids since 0.3.45.
        var promptId = body.ContainsKey("prompt_id") && IsAtLeast("0.3.45") ? Py.Str(body["prompt_id"]) : Guid.NewGuid().ToString();
        var queued = new QueuedPrompt
        {
            Number = priority,
            IsFloat = isFloat,
            PromptId = promptId,
            Prompt = (JsonObject)prompt.DeepClone(),
            ExtraData = extra,
            OutputsToExecute = validation.GoodOutputs,
        };
        lock (_lock)
        {
            // The "put" status is queued with the change it reports, before the worker can take the prompt.
            PythonHeap.Push(_pending, queued, Before);
            Hub.Broadcast(StatusMessage());
        }

        _wake.Release();
        return (200, new JsonObject
        {
            ["prompt_id"] = promptId,
            ["number"] = queued.ToJson()[0]!.DeepClone(),
            ["node_errors"] = validation.NodeErrors,
        });
    }

    private JsonObject StatusMessage() => new()
    {
        ["type"] = "status",
        ["data"] = new JsonObject { ["status"] = new JsonObject { ["exec_info"] = new JsonObject { ["queue_remaining"] = QueueRemaining } } },
    };

    public JsonObject StatusFrame(string sid) => new()
    {
        ["type"] = "status",
        ["data"] = new JsonObject
        {
            ["status"] = new JsonObject { ["exec_info"] = new JsonObject { ["queue_remaining"] = QueueRemaining } },
            ["sid"] = sid,
        },
    };

    /// <summary>The worker: one prompt at a time, lowest number first.</summary>
    public async Task RunWorkerAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            QueuedPrompt? next = null;
            lock (_lock)
            {
                if (_pending.Count > 0)
                {
                    next = PythonHeap.Pop(_pending, Before);
                    _running = next;
                    _interruptRequested = null;
                    Hub.Broadcast(StatusMessage());
                }
            }

            if (next is null)
            {
                try
                {
                    await _wake.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            HistoryRecord record;
            try
            {
                record = await ExecuteAsync(next, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            lock (_lock)
            {
                // The real server pops the oldest only when already above the cap, so it settles at cap + 1;
                // a duplicate prompt id overwrites its entry in place.
                if (_history.Count > _options.HistoryCap)
                {
                    _history.RemoveAt(0);
                }

                _history[next.PromptId] = record;
                _running = null;

                // Queued with the change, so that nobody sees the instance idle before these are on their way.
                Hub.Broadcast(StatusMessage());
                Hub.Send(next.ClientId, Message("executing", new JsonObject { ["node"] = null, ["prompt_id"] = next.PromptId }));
            }
        }
    }

    private static JsonObject Message(string type, JsonObject data) => new() { ["type"] = type, ["data"] = data };
}
