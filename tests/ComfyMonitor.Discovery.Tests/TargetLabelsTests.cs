using ComfyMonitor.Discovery;

namespace ComfyMonitor.Discovery.Tests;

/// <summary>A target's labels as comfyui_target_info exports them: valid names, clean bounded values, discovery's own left out.</summary>
public sealed class TargetLabelsTests
{
    [Theory]
    [InlineData("pool", "pool")]
    [InlineData("team-name", "team_name")]
    [InlineData("9zone", "_9zone")]
    [InlineData(" région ", "r_gion")]
    [InlineData("", null)]
    [InlineData("   ", null)]
    public void NamesAreMadeValidLabelNames(string raw, string? expected) => Assert.Equal(expected, TargetLabels.Name(raw));

    [Fact]
    public void DiscoverysOwnLabelsAndTheInstanceNameAreNotLabels()
    {
        var labels = TargetLabels.Clean(new Dictionary<string, string>
        {
            ["__scheme__"] = "https", ["__meta_x"] = "y", ["comfyui_instance"] = "render-7", ["pool"] = "sdxl",
        });
        Assert.Equal(new Dictionary<string, string> { ["pool"] = "sdxl" }, labels);
    }

    [Fact]
    public void ValuesAreCleanedAndCut()
    {
        var labels = TargetLabels.Clean(new Dictionary<string, string> { ["note"] = "line one\nline two\t" + new string('x', 500), ["empty"] = "" });
        Assert.StartsWith("line one line two", labels["note"], StringComparison.Ordinal);
        Assert.Equal(LabelValues.MaxLength, labels["note"].Length);
        Assert.Equal("", labels["empty"]);
    }

    [Fact]
    public void TwoRawNamesThatMeetKeepTheFirst()
    {
        var labels = TargetLabels.Clean([new("team-name", "a"), new("team_name", "b")]);
        Assert.Equal("a", Assert.Single(labels).Value);
    }
}
