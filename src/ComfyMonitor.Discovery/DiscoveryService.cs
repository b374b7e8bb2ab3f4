using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComfyMonitor.Discovery;

/// <summary>
/// Keeps the registry's file_sd and http_sd sources fresh: files are re-read when they change (watcher)
/// and every RefreshInterval (poll), http_sd every RefreshInterval. A source that fails keeps its last good
/// targets; the failure is logged and counted.
/// </summary>
public sealed partial class DiscoveryService(
    TargetRegistry registry,
    IOptions<ComfyUIOptions> options,
    IHttpClientFactory httpClientFactory,
    DiscoveryMetrics metrics,
    TimeProvider time,
    ILogger<DiscoveryService> logger) : BackgroundService
{
    public const string HttpClientName = "ComfyMonitor.Discovery";

    private readonly DiscoveryOptions _options = options.Value.Discovery;
    private readonly SemaphoreSlim _reload = new(0);
    private readonly HashSet<string> _knownFiles = [];
    private readonly Dictionary<string, DateTime> _fileStamps = [];
    private readonly List<FileSystemWatcher> _watchers = [];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The first read happens before anything is scheduled, so that the first cycle sees every target.
        ReloadFiles(force: true);
        if (_options.HttpUrl is not null)
        {
            await RefreshHttpAsync(cancellationToken);
        }

        Watch();
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Files.Count == 0 && _options.HttpUrl is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.RefreshInterval, time);
        var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
        while (!stoppingToken.IsCancellationRequested)
        {
            var changed = _reload.WaitAsync(stoppingToken);
            try
            {
                var which = await Task.WhenAny(tick, changed);
                if (which == tick)
                {
                    await tick;
                    ReloadFiles(force: false);
                    if (_options.HttpUrl is not null)
                    {
                        await RefreshHttpAsync(stoppingToken);
                    }

                    tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                }
                else
                {
                    await changed;
                    await Task.Delay(TimeSpan.FromMilliseconds(100), time, stoppingToken); // let the writer finish
                    while (_reload.CurrentCount > 0)
                    {
                        await _reload.WaitAsync(stoppingToken);
                    }

                    ReloadFiles(force: true);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        base.Dispose();
    }

    /// <summary>Files that match the configured patterns now.</summary>
    public static IReadOnlyList<string> Resolve(string pattern)
    {
        var full = Path.GetFullPath(pattern);
        if (full.IndexOfAny(['*', '?', '[']) < 0)
        {
            return File.Exists(full) ? [full] : [];
        }

        var root = GlobRoot(full);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(Path.GetRelativePath(root, full));
        return matcher.Execute(new DirectoryInfoWrapper(new DirectoryInfo(root))).Files
            .Select(f => Path.GetFullPath(Path.Combine(root, f.Path)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static string GlobRoot(string full)
    {
        var wildcard = full.IndexOfAny(['*', '?', '[']);
        var slash = full.LastIndexOf(Path.DirectorySeparatorChar, wildcard);
        return slash <= 0 ? Path.GetPathRoot(full)! : full[..slash];
    }

    private void ReloadFiles(bool force)
    {
        var current = _options.Files.SelectMany(Resolve).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _knownFiles.Except(current).ToList())
        {
            _knownFiles.Remove(gone);
            _fileStamps.Remove(gone);
            registry.RemoveSource(gone);
        }

        foreach (var file in current)
        {
            _knownFiles.Add(file);
            try
            {
                var stamp = File.GetLastWriteTimeUtc(file);
                if (!force && _fileStamps.TryGetValue(file, out var seen) && seen == stamp)
                {
                    continue;
                }

                var targets = TargetGroupParser.ParseFile(file, File.ReadAllText(file));
                _fileStamps[file] = stamp;
                registry.SetSource(file, TargetRegistry.FileSd, targets);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException or YamlDotNet.Core.YamlException or ArgumentException)
            {
                LogFileFailed(logger, file, ex.Message); // logged before it is counted: whoever sees the count finds the line
                metrics.Failed(TargetRegistry.FileSd);
            }
        }
    }

    private async Task RefreshHttpAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var http = httpClientFactory.CreateClient(HttpClientName);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var text = await http.GetStringAsync(_options.HttpUrl, timeout.Token);
            registry.SetSource("http_sd", TargetRegistry.HttpSd, TargetGroupParser.ParseJson(text));
        }
        catch (Exception ex) when (ex is HttpRequestException or FormatException or System.Text.Json.JsonException or ArgumentException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogHttpFailed(logger, ex.GetType().Name);
            metrics.Failed(TargetRegistry.HttpSd);
        }
    }

    private void Watch()
    {
        foreach (var pattern in _options.Files)
        {
            var full = Path.GetFullPath(pattern);
            var wild = full.IndexOfAny(['*', '?', '[']) >= 0;
            var directory = wild ? GlobRoot(full) : Path.GetDirectoryName(full)!;
            if (!Directory.Exists(directory))
            {
                continue;
            }

            var watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = wild && full.Contains("**", StringComparison.Ordinal),
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            FileSystemEventHandler onChange = (_, _) => _reload.Release();
            watcher.Changed += onChange;
            watcher.Created += onChange;
            watcher.Deleted += onChange;
            watcher.Renamed += (_, _) => _reload.Release();
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discovery file {File} could not be read ({Reason}); its last good targets are kept")]
    private static partial void LogFileFailed(ILogger logger, string file, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "http_sd refresh failed ({Reason}); the last good targets are kept")]
    private static partial void LogHttpFailed(ILogger logger, string reason);
}
