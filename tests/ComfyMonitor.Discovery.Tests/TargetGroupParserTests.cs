using ComfyMonitor.Discovery;

namespace ComfyMonitor.Discovery.Tests;

/// <summary>Prometheus target-group files, JSON and YAML: what they name, and every way a file can be wrong (table-driven).</summary>
public sealed class TargetGroupParserTests
{
    [Theory]
    [InlineData("targets.json", """
        [
          { "targets": ["gpu-01:8188", "gpu-02:8188"], "labels": { "__scheme__": "http", "pool": "sdxl", "hostname": "gpu-node-7" } },
          { "targets": ["render-7.internal:8443"], "labels": { "__scheme__": "https", "comfyui_instance": "render-7" } }, // a comment
        ]
        """)]
    [InlineData("targets.yml", """
        - targets: [gpu-01:8188, gpu-02:8188]
          labels: {__scheme__: http, pool: sdxl, hostname: gpu-node-7}
        - targets: [render-7.internal:8443]
          labels: {__scheme__: https, comfyui_instance: render-7}
        """)]
    public void AFileNamesItsTargetsWithTheirSchemeNameAndLabels(string file, string text)
    {
        var targets = TargetGroupParser.ParseFile(file, text);
        Assert.Equal(["gpu-01:8188", "gpu-02:8188", "render-7"], targets.Select(t => t.Name));
        Assert.Equal("http://gpu-01:8188/", targets[0].BaseAddress.ToString());
        Assert.Equal("https://render-7.internal:8443/", targets[2].BaseAddress.ToString());
        Assert.Equal(new Dictionary<string, string> { ["hostname"] = "gpu-node-7", ["pool"] = "sdxl" }, targets[1].Labels);
        Assert.Empty(targets[2].Labels); // __scheme__ and comfyui_instance are not labels
    }

    [Fact]
    public void ComfyuiInstanceNamesOnlyATargetAloneInItsGroup()
    {
        var targets = TargetGroupParser.ParseJson("""[{ "targets": ["a:1", "b:2"], "labels": { "comfyui_instance": "both" } }]""");
        Assert.Equal(["a:1", "b:2"], targets.Select(t => t.Name));
    }

    public static TheoryData<string, string, string> BadFiles() => new()
    {
        { "t.json", """{ "targets": ["a:1"] }""", "must hold a list of target groups" },
        { "t.json", """[{ "labels": {} }]""", "every target group needs a \"targets\" list" },
        { "t.json", """[{ "targets": "a:1" }]""", "every target group needs a \"targets\" list" },
        { "t.json", """[{ "targets": [8188] }]""", "a target must be a \"host:port\" string" },
        { "t.json", """[{ "targets": ["a:1/path"] }]""", "'a:1/path' is not a host:port target" },
        { "t.json", """[{ "targets": ["admin:secret@a:1"] }]""", "is not a host:port target" },
        { "t.json", """[{ "targets": ["a:1"], "labels": { "__scheme__": "ftp" } }]""", "__scheme__ must be http or https, not 'ftp'" },
        { "t.yaml", "targets: [a:1]", "must hold a list of target groups" },
        { "t.yaml", "- labels: {pool: x}", "every target group needs a \"targets\" list" },
        { "t.yaml", "- targets: [[a:1]]", "a target must be a \"host:port\" string" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ABadFileFailsWithWhatIsWrong(string file, string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => TargetGroupParser.ParseFile(file, text));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyYamlFileHasNoTargets() => Assert.Empty(TargetGroupParser.ParseYaml(""));
}
