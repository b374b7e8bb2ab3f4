using System.Security.Cryptography;
using System.Text;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.ComfyApi.Models;
using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting;

namespace ComfyMonitor.Collector.State;

/// <summary>What a cycle's new history entries add to an instance's counts, feed and expectations; the output checks.</summary>
public sealed partial class InstanceState
{
    /// <summary>The output picked for a check since the last one, if any (taken: it is fetched once).</summary>
    public ImageRef? TakeOutputToCheck()
    {
        lock (_lock)
        {
            var image = _outputToCheck;
            _outputToCheck = null;
            return image;
        }
    }

    /// <summary>Counts the result of an output check (<see cref="OutputCheck"/>).</summary>
    public void RecordOutputCheck(string result)
    {
        lock (_lock)
        {
            _outputChecks[result] = _outputChecks.GetValueOrDefault(result) + 1;
            _outputChecksCopy = new Dictionary<string, long>(_outputChecks);
            _snapshot = _snapshot with { OutputChecks = _outputChecksCopy };
        }
    }

    private static string? Status(HistoryEntry entry) => entry.Outcome switch
    {
        PromptOutcome.Success => "success",
        PromptOutcome.Interrupted => "interrupted",
        PromptOutcome.Error => "error",
        _ => null,
    };

    /// <summary>A canary's outcome: the newest failed one is kept until a prompt that ended later succeeds.</summary>
    private void ObserveCanary(HistoryEntry entry, string status, DateTimeOffset now)
    {
        var endMs = EndMs(entry, now);
        if (status == "success")
        {
            _lastSuccessEndMs = Math.Max(_lastSuccessEndMs, endMs);
        }
        else if (_lastCanaryFailure is null || endMs >= _lastCanaryFailure.Time.ToUnixTimeMilliseconds())
        {
            _lastCanaryFailure = new CanaryFailure(DateTimeOffset.FromUnixTimeMilliseconds(endMs), status, FailureFeed.Name(entry.Error?.ExceptionType));
        }
    }

    /// <summary>When the prompt ended, by the server's clock; when it does not say, now.</summary>
    private static long EndMs(HistoryEntry entry, DateTimeOffset now) => entry.ExecutionEndMs ?? now.ToUnixTimeMilliseconds();

    /// <summary>A user's job that ran to its end (success or error) tells how long this instance's jobs take.</summary>
    private void Learn(HistoryEntry entry)
    {
        if (entry.Outcome is PromptOutcome.Success or PromptOutcome.Error && entry.ExecutionStartMs is { } start && entry.ExecutionEndMs is { } end && end >= start)
        {
            _recent.Add((end - start) / 1000.0);
        }
    }

    private void Count(HistoryEntry entry, CycleOutcome outcome, DateTimeOffset now)
    {
        var status = Status(entry);
        if (status is null)
        {
            return;
        }

        Learn(entry);
        if (status == "success" && options.OutputChecks.Every > 0 && ++_successes % options.OutputChecks.Every == 0
            && entry.Images().FirstOrDefault() is { Image: { } image })
        {
            _outputToCheck = image; // one waiting at most: the next cycle fetches it
        }

        if (status == "error")
        {
            CountFailure(entry, outcome, now);
        }
        else if (status == "success")
        {
            _lastSuccessEndMs = Math.Max(_lastSuccessEndMs, EndMs(entry, now));
        }

        _completed[status] = _completed.GetValueOrDefault(status) + 1;
        if (entry.ExecutionStartMs is { } start && entry.ExecutionEndMs is { } end && end >= start)
        {
            outcome.ExecutionSeconds.Add((end - start) / 1000.0);
        }

        var accepted = entry.CreateTimeMs ?? _pending.FirstSeen(entry.PromptId)?.ToUnixTimeMilliseconds();
        if (entry.ExecutionStartMs is { } started && accepted is { } a && started >= a)
        {
            outcome.QueueWaitSeconds.Add((started - a) / 1000.0);
        }
    }

    /// <summary>A user's failed prompt: its client, its category, its node and exception type, and the failure feed (logged once, up to the feed's size a cycle).</summary>
    private void CountFailure(HistoryEntry entry, CycleOutcome outcome, DateTimeOffset now)
    {
        _errorClients.Enqueue((now, entry.ClientKey ?? 0));
        var category = FailureCategory.Of(entry.Error);
        _failures[category] = _failures.GetValueOrDefault(category) + 1;
        if (entry.Error is { } error)
        {
            _nodeErrors.Add(LabelValues.Clean(error.NodeType), LabelValues.Clean(error.ExceptionType));
        }

        if (_failureFeed.Add(entry, now) is { } record)
        {
            if (outcome.NewFailures.Count < options.FailureFeed.Size)
            {
                outcome.NewFailures.Add(record);
            }
            else
            {
                outcome.UnloggedFailures++;
            }
        }
    }

    private static BuildInfo Build(SystemStats stats) => new(
        LabelValues.Clean(stats.System?.ComfyUIVersion),
        LabelValues.PythonVersion(stats.System?.PythonVersion),
        LabelValues.Clean(stats.System?.PytorchVersion),
        LabelValues.Clean(stats.System?.Os),
        stats.System?.EmbeddedPython switch { true => "true", false => "false", null => "unknown" });

    private static List<DeviceSnapshot> Devices(SystemStats stats) =>
        (stats.Devices ?? []).Select(d => new DeviceSnapshot(
            LabelValues.Clean(d.Name), LabelValues.Clean(d.Type), d.VramTotal, d.VramFree, d.TorchVramTotal, d.TorchVramFree)).ToList();

    /// <summary>A short hash of the sorted extension list: instances with the same extensions share it.</summary>
    public static string Fingerprint(IEnumerable<string> extensions) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', extensions.Order(StringComparer.Ordinal)))))[..12];
}
