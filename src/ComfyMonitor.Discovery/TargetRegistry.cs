using ComfyMonitor.ComfyApi;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Discovery;

/// <summary>
/// The merged targets of every source (static configuration, each file_sd file, http_sd), deduplicated by
/// name and filtered to this replica's shard. Subscribers hear of every change through <see cref="Changed"/>.
/// </summary>
public sealed partial class TargetRegistry
{
    public const string Static = "static";
    public const string FileSd = "file_sd";
    public const string HttpSd = "http_sd";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Mechanism, IReadOnlyList<ComfyEndpoint> Targets)> _sources = [];
    private readonly ShardOptions _shard;
    private readonly ILogger<TargetRegistry> _logger;
    private TargetSet _current = TargetSet.Empty;

    public TargetRegistry(IOptions<ComfyUIOptions> options, ShardOptions shard, ILogger<TargetRegistry> logger)
    {
        _shard = shard;
        _logger = logger;
        var statics = options.Value.Instances
            .Where(i => Uri.TryCreate(i.Url, UriKind.Absolute, out _))
            .Select(i =>
            {
                var url = new Uri(i.Url!);
                return new ComfyEndpoint(string.IsNullOrWhiteSpace(i.Name) ? ComfyEndpoint.DefaultName(url) : i.Name, url, i.Headers, TargetLabels.Clean(i.Labels));
            })
            .ToList();
        SetSource("static", Static, statics);
    }

    /// <summary>Raised after the set of this replica's targets changed.</summary>
    public event Action<TargetSet>? Changed;

    public TargetSet Current => Volatile.Read(ref _current);

    public ShardOptions Shard => _shard;

    /// <summary>Replaces the targets of one source (a file path, "http_sd", "static").</summary>
    public void SetSource(string source, string mechanism, IReadOnlyList<ComfyEndpoint> targets) =>
        Update(sources => sources[source] = (mechanism, targets));

    public void RemoveSource(string source) => Update(sources => sources.Remove(source));

    private void Update(Action<Dictionary<string, (string Mechanism, IReadOnlyList<ComfyEndpoint> Targets)>> change)
    {
        TargetSet next;
        lock (_lock)
        {
            change(_sources);
            next = Merge();
            if (next.SameAs(_current))
            {
                return;
            }

            Volatile.Write(ref _current, next);
        }

        LogTargets(_logger, next.Count, _shard.Index, _shard.Count);
        Changed?.Invoke(next);
    }

    public IReadOnlyDictionary<string, int> CountsByMechanism()
    {
        lock (_lock)
        {
            return _sources.Values.GroupBy(s => s.Mechanism).ToDictionary(g => g.Key, g => g.Sum(s => s.Targets.Count));
        }
    }

    private TargetSet Merge()
    {
        var byName = new Dictionary<string, ComfyEndpoint>(StringComparer.Ordinal);
        foreach (var (source, (_, targets)) in _sources.OrderBy(s => s.Key == "static" ? "" : s.Key, StringComparer.Ordinal))
        {
            foreach (var target in targets)
            {
                if (!byName.TryAdd(target.Name, target) && byName[target.Name].BaseAddress != target.BaseAddress)
                {
                    LogDuplicate(_logger, target.Name, source);
                }
            }
        }

        return new TargetSet(byName.Values.Where(t => _shard.Owns(t.Name)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Count} ComfyUI instances (shard {Index} of {ShardCount})")]
    private static partial void LogTargets(ILogger logger, int count, int index, int shardCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance name {Name} from {Source} is already used by another address; the first one is kept")]
    private static partial void LogDuplicate(ILogger logger, string name, string source);
}
