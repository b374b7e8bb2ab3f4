using ComfyMonitor.ComfyApi;
using ComfyMonitor.Discovery;

namespace ComfyMonitor.Discovery.Tests;

/// <summary>
/// What is normal for a target: its comfymonitor_ labels first, then its pool's section, else nothing (the services then
/// learn it or take the fleet's default); durations in Prometheus's or .NET's form; bad values named with target and key.
/// </summary>
public sealed class TargetExpectationsTests
{
    private static readonly ComfyUIOptions Options = new()
    {
        Pools = new(StringComparer.Ordinal)
        {
            ["video"] = new PoolOptions { StallAfter = "45m", BacklogAfter = "2h", MaxQueueWait = "00:40:00" },
            ["sdxl"] = new PoolOptions { MaxQueueWait = "5m" },
        },
    };

    public static TheoryData<string, string?, string?, string?, string> Precedence() => new()
    {
        // labels (pool, then comfymonitor_ labels), expected stall after, backlog after, max queue wait
        { "", null, null, null, "no pool, no label: nothing set (learned or the fleet's default)" },
        { "pool=video", "00:45:00", "02:00:00", "00:40:00", "the pool's section" },
        { "pool=sdxl", null, null, "00:05:00", "a pool that sets one value leaves the others unset" },
        { "pool=unknown", null, null, null, "a pool without a section" },
        { "pool=video,comfymonitor_stall_after=1h30m", "01:30:00", "02:00:00", "00:40:00", "a label wins over the pool" },
        { "comfymonitor_stall_after=90s,comfymonitor_backlog_after=00:20:00,comfymonitor_max_queue_wait=2m", "00:01:30", "00:20:00", "00:02:00", "labels alone, in both forms" },
        { "region=eu,comfymonitor_max_queue_wait=1d", null, null, "1.00:00:00", "days" },
    };

    [Theory]
    [MemberData(nameof(Precedence))]
    public void LabelsWinOverThePoolWhichWinsOverNothing(string labels, string? stall, string? backlog, string? wait, string because)
    {
        var target = new ComfyEndpoint("gpu-01", new Uri("http://gpu-01:8188/"), labels: labels.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=')).ToDictionary(l => l[0], l => l[1]));
        var expected = TargetExpectations.For(target, Options);
        Assert.True(Same(stall, expected.StallAfter) && Same(backlog, expected.BacklogAfter) && Same(wait, expected.MaxQueueWait), $"{because}: got {expected}");

        static bool Same(string? text, TimeSpan? value) => text is null ? value is null : value == TimeSpan.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void ThePoolLabelIsConfigurable()
    {
        var target = new ComfyEndpoint("gpu-01", new Uri("http://gpu-01:8188/"), labels: new Dictionary<string, string> { ["workload"] = "video", ["pool"] = "sdxl" });
        var options = new ComfyUIOptions { PoolLabel = "workload", Pools = Options.Pools };
        Assert.Equal(TimeSpan.FromMinutes(45), TargetExpectations.For(target, options).StallAfter);
    }

    [Theory]
    [InlineData("45m", 2700)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("1w", 604800)]
    [InlineData("1500ms", 1.5)]
    [InlineData("00:45:00", 2700)]
    [InlineData(" 10s ", 10)]
    public void DurationsReadInPrometheusAndDotnetForms(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.ParsePositive(text, out _));

    [Theory]
    [InlineData("", "'' is not a duration")]
    [InlineData("45", "'45' is not a duration")] // no unit: 45 what? (.NET would read 45 days)
    [InlineData("-5m", "'-5m' is not a duration")]
    [InlineData("-00:05:00", "'-00:05:00' must be positive")]
    [InlineData("0s", "'0s' must be positive")]
    [InlineData("1.5h", "'1.5h' is not a duration")]
    [InlineData("forty", "'forty' is not a duration")]
    public void BadDurationsSayWhy(string text, string problem)
    {
        Assert.Null(Durations.ParsePositive(text, out var why));
        Assert.StartsWith(problem, why, StringComparison.Ordinal);
    }

    [Fact]
    public void ADiscoveryFileWithABadExpectationFailsNamingTheTargetAndTheLabel()
    {
        var ex = Assert.Throws<TargetExpectationException>(() => TargetGroupParser.ParseJson(
            """[{"targets": ["gpu-01:8188", "gpu-02:8188"], "labels": {"pool": "video", "comfymonitor_backlog_after": "soon"}}]"""));
        Assert.Equal("target 'gpu-01:8188', 'gpu-02:8188': label comfymonitor_backlog_after: 'soon' is not a duration (e.g. 45m, 1h30m or 00:45:00)", ex.Message);
        Assert.Throws<TargetExpectationException>(() => TargetGroupParser.ParseYaml("- targets: ['gpu-01:8188']\n  labels: {comfymonitor_stal_after: 45m}\n"));
    }

    [Fact]
    public void ADiscoveryFileWithGoodExpectationsKeepsThemAsLabelsOfTheTarget()
    {
        var target = Assert.Single(TargetGroupParser.ParseJson("""[{"targets": ["gpu-01:8188"], "labels": {"comfymonitor_stall_after": "45m"}}]"""));
        Assert.Equal(TimeSpan.FromMinutes(45), TargetExpectations.For(target, new ComfyUIOptions()).StallAfter);
    }
}
