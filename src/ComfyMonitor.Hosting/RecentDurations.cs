namespace ComfyMonitor.Hosting;

/// <summary>
/// The durations of an instance's last jobs, to learn what is normal for it: an instance that runs 40-minute video jobs
/// all day is not stalled at minute 11. Kept in memory only, the last <see cref="Capacity"/> of them.
/// </summary>
public sealed class RecentDurations
{
    public const int Capacity = 64;

    /// <summary>A stall is called after this many times the instance's recent p99 job (unless set explicitly).</summary>
    public const double StallFactor = 1.5;

    /// <summary>A backlog is called after this many times the instance's recent p99 job: about two jobs ahead of a waiting one.</summary>
    public const double BacklogFactor = 3;

    private readonly Lock _lock = new();
    private readonly Queue<double> _seconds = new();

    // Read every cycle of every instance, changed only when a job ends: kept up to date by Add instead of sorted per read.
    private double? _p99;

    public void Add(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0)
        {
            return;
        }

        lock (_lock)
        {
            _seconds.Enqueue(seconds);
            while (_seconds.Count > Capacity)
            {
                _seconds.Dequeue();
            }

            var sorted = _seconds.Order().ToArray();
            _p99 = sorted[(int)Math.Ceiling(0.99 * sorted.Length) - 1];
        }
    }

    /// <summary>The 99th percentile (nearest rank) of the kept durations, null when none was seen.</summary>
    public double? P99()
    {
        lock (_lock)
        {
            return _p99;
        }
    }

    /// <summary>
    /// <paramref name="factor"/> × the p99, never below <paramref name="floor"/> (the fleet's default) nor above
    /// <paramref name="ceiling"/> (so that a hung job is still caught within a bound); the floor alone before any job.
    /// </summary>
    public TimeSpan Expect(double factor, TimeSpan floor, TimeSpan ceiling)
    {
        if (P99() is not { } p99)
        {
            return floor;
        }

        var learned = TimeSpan.FromSeconds(Math.Round(factor * p99));
        return learned < floor ? floor : learned > ceiling ? (ceiling > floor ? ceiling : floor) : learned;
    }
}
