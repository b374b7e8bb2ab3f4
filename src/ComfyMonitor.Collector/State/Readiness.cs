using System.Globalization;
using System.Text.Json.Serialization;

namespace ComfyMonitor.Collector.State;

/// <summary>
/// Whether an instance can take work now, by this replica's view: its last cycle read /system_stats (up), its queue is
/// not stalled by its own stall window, and the probe's last canary prompt seen in its history did not fail — or a
/// prompt (a user's or a canary) succeeded after it. An instance without canaries (probe off) is judged on the first two.
/// The order of the checks is the order of the reasons: a down instance is "down", not also "stalled".
/// </summary>
public static class Readiness
{
    public const string Ready = "ready";
    public const string NotScraped = "not_scraped";
    public const string Down = "down";
    public const string Stalled = "stalled";
    public const string CanaryFailed = "canary_failed";
    public const string UnknownInstance = "unknown_instance";

    public static ReadinessAnswer Of(InstanceSnapshot s)
    {
        if (s.Cycles == 0 || s.LastScrape is null)
        {
            return new(s.Name, false, NotScraped, "not read yet by this replica");
        }

        if (!s.Up)
        {
            return new(s.Name, false, Down, s.LastError ?? "no answer from /system_stats");
        }

        if (s.Stalled == true)
        {
            return new(s.Name, false, Stalled, string.Create(CultureInfo.InvariantCulture,
                $"queue not empty and no progress since {s.LastProgress:u}, past its stall window of {s.StallAfterSeconds:0} s"));
        }

        if (s.CanaryFailure is { } canary)
        {
            return new(s.Name, false, CanaryFailed, string.Create(CultureInfo.InvariantCulture,
                $"the probe's canary ended {canary.Outcome}{(canary.ExceptionType is { } type ? $" ({type})" : "")} at {canary.Time:u}, and no prompt has succeeded since"));
        }

        return new(s.Name, true, Ready, "up, not stalled, no failed canary since the last success");
    }

    public static ReadinessAnswer Unknown(string name) => new(name, false, UnknownInstance, "not an instance this replica watches (see its shard)");
}

/// <summary>The answer of /api/instances/{name}/ready (200 when ready, 503 when not, 404 for an instance this replica does not watch).</summary>
public sealed record ReadinessAnswer(
    [property: JsonPropertyName("instance")] string Instance,
    [property: JsonPropertyName("ready")] bool Ready,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("detail")] string Detail);
