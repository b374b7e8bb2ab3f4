using System.Text.RegularExpressions;
using ComfyMonitor.Hosting;
using ComfyMonitor.Testing;
using YamlDotNet.RepresentationModel;

namespace ComfyMonitor.EndToEnd.Tests;

/// <summary>
/// One version for ComfyMonitor: the <c>Version</c> of Directory.Build.props is what the built services carry (and print
/// with <c>--version</c>), the tag of every image deploy/kubernetes runs, and the top entry of CHANGELOG.md.
/// </summary>
public sealed partial class VersionTests
{
    [Fact]
    public void TheBuiltServicesCarryTheVersionOfDirectoryBuildProps()
    {
        var props = File.ReadAllText(Path.Combine(Repository.Root, "Directory.Build.props"));
        Assert.Equal(PropsVersion().Match(props).Groups[1].Value, BuildVersion.Version);
        Assert.Matches(@"^\d+\.\d+\.\d+$", BuildVersion.Version);
    }

    [Fact]
    public void TheTopEntryOfTheChangelogIsTheVersionOfTheBuild()
    {
        var heading = File.ReadLines(Path.Combine(Repository.Root, "CHANGELOG.md")).First(l => l.StartsWith("## ", StringComparison.Ordinal));
        var top = ChangelogEntry().Match(heading);
        Assert.True(top.Success, $"the top entry of CHANGELOG.md, '{heading}', is not '## [VERSION] - YYYY-MM-DD'");
        Assert.Equal(BuildVersion.Version, top.Groups["version"].Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("overlays/example")]
    public async Task EveryImageTheManifestsRunIsTaggedWithTheVersionOfTheBuild(string path)
    {
        var containers = (await KubernetesManifestTests.RenderAsync(path))
            .Where(o => KubernetesManifestTests.Scalar(o, "kind") == "StatefulSet")
            .SelectMany(o => (YamlSequenceNode)((YamlMappingNode)o["spec"])["template"]["spec"]["containers"])
            .Select(c => KubernetesManifestTests.Scalar(c, "image")).ToList();
        Assert.Equal(2, containers.Count);
        Assert.All(containers, image => Assert.EndsWith($":{BuildVersion.Version}", image, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ComfyMonitor.Collector", "comfymonitor-collector")]
    [InlineData("ComfyMonitor.Probe", "comfymonitor-probe")]
    public async Task VersionPrintsTheVersionAndExitsWithoutReadingTheConfiguration(string project, string program)
    {
        // A setting the start-up check refuses (exit code 2) would stop a service that got as far as its configuration.
        var (exit, output, errors) = await Tool.RunAsync("dotnet", [Repository.ServiceDll(project), "--version", "--ComfyUI:Instances:0:Url=not a url"], Repository.Root);
        Assert.True(exit == 0, output + errors);
        Assert.StartsWith($"{program} {BuildVersion.Version} (", Assert.Single(output.TrimEnd().Split('\n')), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"<Version>([^<]+)</Version>")]
    private static partial Regex PropsVersion();

    /// <summary>The first entry of a Keep a Changelog file: <c>## [1.0.0] - 2026-12-06</c>.</summary>
    [GeneratedRegex(@"^## \[(?<version>[^\]]+)\] - \d{4}-\d{2}-\d{2}$")]
    private static partial Regex ChangelogEntry();
}
