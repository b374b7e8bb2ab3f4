using System.Diagnostics;

namespace ComfyMonitor.Probe.Running;

/// <summary>Seconds spent per phase of one run; phases measured by the server's timestamps are set directly.</summary>
public sealed class PhaseTimer
{
    private readonly Dictionary<string, double> _seconds = [];

    public IReadOnlyDictionary<string, double> Seconds => _seconds;

    public async Task<T> TimeAsync<T>(string phase, Func<Task<T>> action)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await action();
        }
        finally
        {
            Add(phase, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    public void Add(string phase, double seconds) => _seconds[phase] = _seconds.GetValueOrDefault(phase) + Math.Max(0, seconds);

    public void Set(string phase, double seconds) => _seconds[phase] = Math.Max(0, seconds);
}
