using ComfyMonitor.ComfyApi;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// Everything the collector knows of one instance across cycles: the last good readings (cleared when the
/// instance is down, so nothing stale is shown as fresh), cumulative counts, the stall clock, and the prompt
/// ids already counted.
/// </summary>
/// <param name="driftGroup">The value of the target's Collector:ModelDriftGroupLabel label ("" for none): instances meant to hold the same models.</param>
/// <param name="expectations">What the target's labels or pool say is normal for it; what they leave unset is learned from its jobs or the fleet's default.</param>
public sealed partial class InstanceState(string name, CollectorOptions options, TimeProvider time, string driftGroup = "", TargetExpectations? expectations = null)
{
    /// <summary>Failed prompts count towards <see cref="InstanceSnapshot.ErrorClients"/> for this long (the error-rate alert's window).</summary>
    public static readonly TimeSpan ErrorClientWindow = TimeSpan.FromMinutes(15);

    public const string SystemStatsEndpoint = "system_stats";
    public const string QueueEndpoint = "queue";
    public const string HistoryEndpoint = "history";
    public const string ExtensionsEndpoint = "extensions";
    public const string ModelsEndpoint = "models";

    private readonly Lock _lock = new();
    private readonly SeenPrompts _seen = new(options.MaxHistoryBatch);
    private readonly StallClock _stall = new(options.StallAfter);
    private readonly PendingAges _pending = new();
    private readonly NodeErrorCounts _nodeErrors = new(options.NodeErrorCap);
    // Which counters start at 0 (docs/metrics.md, series budget): those the alerts take increase() or a ratio of — success and
    // error prompts, out-of-memory failures, restarts — so that their first event counts. The others (interrupted
    // prompts, the other failure categories, the probe's prompts, node errors, scrape errors) appear with their first
    // event and stay: always-zero series per instance would be most of an instance's exposition.
    private readonly Dictionary<string, long> _completed = new() { ["success"] = 0, ["error"] = 0 };
    private readonly Dictionary<string, long> _probeCompleted = [];
    private readonly Dictionary<string, long> _failures = new() { [FailureCategory.OutOfMemory] = 0 };
    private readonly RestartDetector _restarts = new();
    private readonly TargetExpectations _expectations = expectations ?? TargetExpectations.None;
    // Users' finished jobs (success or error, from the server's timestamps): what is normal for this instance. Seeded from
    // the history the first cycle finds, so that a restarted collector knows at once that the instance runs long jobs.
    private readonly RecentDurations _recent = new();
    // When each recent failed prompt was seen, and which client sent it (a hash; 0 for prompts without a client id).
    private readonly Queue<(DateTimeOffset Seen, ulong Client)> _errorClients = new();
    // Output checks (Collector:OutputChecks): ok and blank start at 0 when they are on (the alert takes a ratio of them).
    private readonly Dictionary<string, long> _outputChecks = options.OutputChecks.Every > 0 ? new() { [OutputCheck.Ok] = 0, [OutputCheck.Blank] = 0 } : [];
    private long _successes;
    private ImageRef? _outputToCheck;
    private IReadOnlyDictionary<string, long> _outputChecksCopy = new Dictionary<string, long>();
    private long _restartCount;
    private readonly FailureFeed _failureFeed = new(name, options.FailureFeed);
    // The end of the newest prompt (user's or canary) that succeeded, and the newest failed canary: readiness.
    private long _lastSuccessEndMs = long.MinValue;
    private CanaryFailure? _lastCanaryFailure;
    private InstanceSnapshot _snapshot = new() { Name = name, Up = false };
    private bool _historyPrimed;
    private DateTimeOffset? _extensionsFetched;
    private int? _extensionCount;
    private string? _extensionFingerprint;
    private bool _countsChanged = true;
    private IReadOnlyDictionary<string, long> _completedCopy = new Dictionary<string, long>();
    private IReadOnlyDictionary<string, long> _probeCompletedCopy = new Dictionary<string, long>();
    private IReadOnlyDictionary<string, long> _failuresCopy = new Dictionary<string, long>();
    private IReadOnlyDictionary<(string, string), long> _nodeErrorsCopy = new Dictionary<(string, string), long>();
    private IReadOnlyDictionary<(string, string), long> _scrapeErrorsCopy = new Dictionary<(string, string), long>();

    public string Name { get; } = name;

    /// <summary>
    /// Failed requests by endpoint and reason, from the first of each pair on: 25 series per instance that would almost
    /// always be 0 otherwise. An instance that is down shows in comfyui_up at once; the alerts on these counters wait
    /// for several errors, so that increase() missing the first one changes nothing.
    /// </summary>
    private readonly Dictionary<(string, string), long> _scrapeErrors = [];

    public InstanceSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>The model folders, read every Collector:ModelsInterval.</summary>
    public ModelInventory Models { get; } = new(options.ModelsInterval, time);

    /// <summary>Whether this cycle should read /extensions.</summary>
    public bool ExtensionsDue
    {
        get
        {
            lock (_lock)
            {
                return _extensionsFetched is null || time.GetUtcNow() - _extensionsFetched >= options.ExtensionsInterval;
            }
        }
    }

    public bool IsSeen(string promptId)
    {
        lock (_lock)
        {
            return _seen.Contains(promptId);
        }
    }

    public bool HistoryPrimed
    {
        get
        {
            lock (_lock)
            {
                return _historyPrimed;
            }
        }
    }

    /// <summary>Folds one cycle's answers into the state and publishes a new snapshot.</summary>
    public CycleOutcome Apply(CycleResult cycle)
    {
        var now = time.GetUtcNow();
        var outcome = new CycleOutcome();
        lock (_lock)
        {
            foreach (var (endpoint, error) in cycle.Errors)
            {
                var key = (endpoint, error.Label);
                _scrapeErrors[key] = _scrapeErrors.GetValueOrDefault(key) + 1;
                _countsChanged = true;
            }

            List<HistoryEntry>? newEntries = null;
            var historyKept = false;
            if (cycle.History is { } history)
            {
                historyKept = history.Any(h => _seen.Contains(h.PromptId));
                newEntries = [];
                foreach (var i in _seen.Merge(history.Select(h => h.PromptId).ToList()))
                {
                    newEntries.Add(history[i]);
                    if (!_historyPrimed)
                    {
                        if (!history[i].IsProbe)
                        {
                            // What the first cycle finds is not counted, but it tells how long jobs take, and its failures
                            // fill the feed (not logged: a restarted collector would log them again).
                            Learn(history[i]);
                            if (history[i].Outcome == PromptOutcome.Error)
                            {
                                _failureFeed.Add(history[i], now);
                            }
                        }

                        continue;
                    }

                    _countsChanged = true;
                    if (history[i].IsProbe)
                    {
                        // The probe's canaries are not users' prompts: counted apart, and kept out of the prompt
                        // histograms, failure categories and node errors. A canary that ends on its own is still progress.
                        if (Status(history[i]) is { } probeStatus)
                        {
                            _probeCompleted[probeStatus] = _probeCompleted.GetValueOrDefault(probeStatus) + 1;
                            ObserveCanary(history[i], probeStatus, now);
                        }
                    }
                    else
                    {
                        Count(history[i], outcome, now);
                    }

                    _stall.Finished(history[i].PromptId, history[i].Outcome);
                }
            }

            if (_restarts.Observe(newEntries, historyKept, cycle.Queue, _seen.Contains, _historyPrimed))
            {
                _restartCount++;
                _countsChanged = true;
            }

            if (cycle.History is not null)
            {
                _historyPrimed = true;
            }

            if (cycle.Extensions is { } extensions)
            {
                _extensionsFetched = now;
                _extensionCount = extensions.Count;
                _extensionFingerprint = Fingerprint(extensions);
            }

            if (cycle.Models is { } models)
            {
                Models.Update(models);
            }

            while (_errorClients.TryPeek(out var oldest) && now - oldest.Seen > ErrorClientWindow)
            {
                _errorClients.Dequeue();
            }

            var stallAfter = _expectations.StallAfter ?? _recent.Expect(RecentDurations.StallFactor, options.StallAfter, options.MaxLearnedStallAfter);
            var backlogAfter = _expectations.BacklogAfter ?? _recent.Expect(RecentDurations.BacklogFactor, options.BacklogAfter, 2 * options.MaxLearnedStallAfter);
            _stall.StallAfter = stallAfter;
            QueueSnapshot? queue = null;
            bool? stalled = null;
            if (_stall.Observe(cycle.Queue, now) is { } reading)
            {
                var q = cycle.Queue!;
                stalled = reading.Stalled;
                // Users' figures: the probe's canaries (client_id comfymonitor-probe-...) are not users' work, even at the
                // front of the queue for minutes behind a long job. The stall clock above still sees the whole queue.
                var usersPending = q.Pending.Where(p => !p.IsProbe).ToList();
                var usersRunning = q.Running.Count(p => !p.IsProbe);
                queue = new QueueSnapshot(usersRunning, usersPending.Count, _pending.Observe(usersPending, now), usersRunning > 0 ? reading.RunningAgeSeconds : null);
            }

            // The cumulative counts are copied for the snapshot only when they changed: most cycles change none.
            if (_countsChanged)
            {
                _completedCopy = new Dictionary<string, long>(_completed);
                _probeCompletedCopy = new Dictionary<string, long>(_probeCompleted);
                _failuresCopy = new Dictionary<string, long>(_failures);
                _nodeErrorsCopy = _nodeErrors.Copy();
                _scrapeErrorsCopy = new Dictionary<(string, string), long>(_scrapeErrors);
                _outputChecksCopy = new Dictionary<string, long>(_outputChecks);
                _countsChanged = false;
            }

            var stats = cycle.SystemStats;
            var up = stats is not null;
            _snapshot = new InstanceSnapshot
            {
                Name = Name,
                Up = up,
                LastScrape = now,
                Cycles = _snapshot.Cycles + 1,
                LastError = cycle.Errors.Count == 0 ? null : string.Join("; ", cycle.Errors.Select(e => $"{e.Endpoint}: {e.Error}")),
                Build = up ? Build(stats!) : null,
                RamTotal = stats?.System?.RamTotal,
                RamFree = stats?.System?.RamFree,
                Devices = up ? Devices(stats!) : [],
                Queue = up ? queue : null,
                Stalled = up ? stalled : null,
                LastProgress = up ? _stall.LastProgress : null,
                StallAfterSeconds = up ? stallAfter.TotalSeconds : null,
                BacklogAfterSeconds = up ? backlogAfter.TotalSeconds : null,
                ErrorClients = !up ? null : _errorClients.Count == 0 ? 0 : _errorClients.Select(e => e.Client).Distinct().Count(),
                ExtensionCount = up ? _extensionCount : null,
                ExtensionFingerprint = up ? _extensionFingerprint : null,
                Models = up ? Models.Folders : [],
                DriftGroup = driftGroup,
                Completed = _completedCopy,
                ProbeCompleted = _probeCompletedCopy,
                Failures = _failuresCopy,
                Restarts = _restartCount,
                RecentFailures = _failureFeed.NewestFirst,
                CanaryFailure = _lastCanaryFailure is { } failure && failure.Time.ToUnixTimeMilliseconds() > _lastSuccessEndMs ? failure : null,
                NodeErrors = _nodeErrorsCopy,
                ScrapeErrors = _scrapeErrorsCopy,
                OutputChecks = _outputChecksCopy,
            };
        }

        return outcome;
    }
}
