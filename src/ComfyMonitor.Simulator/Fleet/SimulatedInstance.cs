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
    private long _scenarioChangedAt;

    public SimulatedInstance(int index, int port, SimulatorOptions options, string dataRoot, TimeProvider time)
    {
        Index = index;
        Port = port;
        _options = options;
        _time = time;
        _scenario = options.Scenario;
        Gpu = GpuProfile.For(options.Gpu, index);
        Vram = new VramModel(Gpu, time);
        Files = new FileStore(Path.Combine(dataRoot, $"instance-{index}"));
        Validator = new PromptValidator(name => Files.ResolveLoadImage(name) is not null, Choices);
        Extensions = DefaultExtensions.ToList();
    }

    public int Index { get; }

    public int Port { get; }

    public GpuProfile Gpu { get; }

    /// <summary>The server's memory: loaded models, what running prompts hold, leaks.</summary>
    public VramModel Vram { get; }

    public FileStore Files { get; }

    public PromptValidator Validator { get; }

    public WebSocketHub Hub { get; } = new();

    /// <summary>What /extensions lists; settable through the control API to show drift.</summary>
    public List<string> Extensions { get; set; }

    public string ComfyVersion { get; set; } = "";

    /// <summary>The client and node the worker executes now: a socket that reconnects with that client id is told the node.</summary>
    public (string? ClientId, string? Node) LastNode { get; private set; }

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

    /// <summary>Prompts waiting behind the running one.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
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

    /// <summary>Restarts since the simulator started (the control API's count, shown by the AppHost's "Restart instance" command).</summary>
    public int Restarts { get; private set; }

    /// <summary>The restart of a real server: queue, history and temp/ are lost, sockets drop, prompts are numbered from 0 again.</summary>
    public void Restart()
    {
        lock (_lock)
        {
            Restarts++;
            _pending.Clear();
            _history.Clear();
            _cache.Clear();
            lock (_previewPrefixes)
            {
                _previewPrefixes.Clear();
            }
            _interruptRequested = _running?.PromptId;
            _counter = 0;
            Vram.Unload();
        }

        Hub.AbortAll();
        Files.EmptyTemp();
    }

    /// <summary>
    /// POST /prompt: (status code, body). The body is JSON as parsed from text, as the route gives it (the validator reads
    /// its numbers as parsed JSON numbers): in-process callers pass what the server would receive, not C#-built values.
    /// </summary>
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
